/**
 * EPICS base's libca regression test, `acctst`, against CaServer: every request kind in every DBR
 * type, monitors, put callbacks, high-throughput reads and writes, clearing channels inside
 * callbacks, a forced disconnect and reconnect, and more. Optional: it runs only when `acctst`
 * (built in EPICS base's modules/ca) is on PATH; otherwise the test's name says why it is skipped.
 * acctst takes 2–3 minutes, most of it in its own timed waits.
 */
import assert from "node:assert/strict";
import { CaServer } from "../../mod/ca/mod.ts";
import { caLoopbackEnv } from "../helpers/ca_env.ts";
import { findOnPath } from "../helpers/epics_base.ts";
import { freeCaPort } from "../helpers/ports.ts";
import { pyClientEnv } from "../helpers/pyepics.ts";
import { waitFor } from "../helpers/wait.ts";

const ACCTST = findOnPath("acctst");
const PV = "ACCTST:AO";
/** acctst asks a person to disconnect the channel (by rebooting the IOC); we remove the PV. */
const DISCONNECT_PROMPT = "Please force test channel to disconnect";
const name = "acctst (EPICS base libca regression test) passes against CaServer";

Deno.test({
  name: ACCTST === undefined ? `${name} — skipped: acctst is not on PATH` : name,
  ignore: ACCTST === undefined,
  async fn() {
    const port = await freeCaPort();
    const server = await CaServer.start({ port, env: caLoopbackEnv(port) });
    const options = { name: PV, type: "double", value: 0, access: "rw" } as const;
    server.addPv(options);
    // Interest level 1 (progress dots), 2 channels, 1 repetition. pyClientEnv keeps EPICS base's
    // bin directory off PATH so that libca cannot spawn a caRepeater that would outlive the test.
    const child = new Deno.Command(ACCTST!, {
      args: [PV, "1", "2", "1"],
      env: pyClientEnv(port),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    let stdout = "";
    let disconnected = false;
    const decoder = new TextDecoder();
    const reading = (async () => {
      for await (const chunk of child.stdout) {
        stdout += decoder.decode(chunk, { stream: true });
        if (!disconnected && stdout.includes(DISCONNECT_PROMPT)) {
          disconnected = true;
          server.removePv(PV);
          server.addPv(options);
        }
      }
    })();
    const stderr = new Response(child.stderr).text();
    let status: Deno.CommandStatus | undefined;
    child.status.then((s) => status = s);
    try {
      await waitFor("acctst to finish", () => status, { timeoutMs: 600_000, intervalMs: 200 });
      await reading;
      const err = await stderr;
      assert.equal(status!.code, 0, `acctst failed (signal ${status!.signal}):\n${stdout}\n${err}`);
      assert.ok(disconnected, `acctst never asked for a disconnect:\n${stdout}`);
      assert.match(stdout, /Test Complete/);
    } finally {
      if (status === undefined) {
        child.kill("SIGKILL");
        await child.status;
        await reading.catch(() => {});
        await stderr.catch(() => "");
      }
      await server.close();
    }
  },
});
