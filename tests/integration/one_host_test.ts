/**
 * One host, many servers (design.md §5a): the manager and a heartbeat IOC written with mod/ca are
 * two CA servers bound to 0.0.0.0 on ONE private UDP port, as iocsup and every IOC share 5064 on a
 * real host. A unicast search reaches only one socket on a shared port, so the manager's
 * heartbeat client, this test's client and `iocsup get`/`control` all search through the
 * loopback broadcast 127.255.255.255.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { CaClient } from "../../mod/ca/mod.ts";
import { runCli } from "../helpers/cli.ts";
import { freeCaPort } from "../helpers/ports.ts";
import { waitFor } from "../helpers/wait.ts";

const HB_IOC = new URL("../fixtures/iocs/hb_ioc.ts", import.meta.url).pathname;

function signal(pid: number, sig: Deno.Signal): void {
  try {
    Deno.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

Deno.test("_hb follows an IOC that shares the manager's CA port, searched by broadcast", async () => {
  const port = await freeCaPort();
  const beaconPort = await freeCaPort();
  const dir = await Deno.makeTempDir({ prefix: "iocsup-one-host-" });
  const settings = join(dir, "settings.yaml");
  await Deno.writeTextFile(
    settings,
    `general:
  prefix: HOST
  delay: 0.2
  web: false
  heartbeat_pv: "{prefix}:IOC:{name}_time"
  epics_addr_list: 127.255.255.255:${port}
  ca:
    interfaces: [0.0.0.0]
    port: ${port}
    beacons: [127.0.0.1:${beaconPort}]
    auto_beacons: false
  pva: false
beating:
  autostart: true
  command: ${Deno.execPath()} run -A ${HB_IOC} HOST:IOC:beating_time {dir}
  env:
    EPICS_CAS_SERVER_PORT: "${port}"
    EPICS_CAS_INTF_ADDR_LIST: 0.0.0.0
    EPICS_CAS_BEACON_ADDR_LIST: 127.0.0.1
    EPICS_CAS_AUTO_BEACON_ADDR_LIST: "NO"
    EPICS_CAS_BEACON_PORT: "${beaconPort}"
`,
  );
  const opts = ["--config", settings];
  const client = new CaClient({
    addrList: `127.255.255.255:${port}`,
    autoAddrList: false,
    env: {},
  });
  const hb = async () => (await client.get("HOST:MAN:beating_hb", { timeoutMs: 2000 })).value;
  let pid = 0;
  try {
    const started = await runCli(["start-daemon", ...opts]);
    assert.equal(started.code, 0, started.stdout + started.stderr);
    const status = async () =>
      JSON.parse((await runCli(["status", "--json", ...opts])).stdout).iocs[0];
    pid = (await status()).pid;
    assert.ok(pid > 0);
    // Both servers answer on the shared port: the IOC's PV and the manager's.
    assert.equal(
      typeof (await client.get("HOST:IOC:beating_time", { timeoutMs: 5000 })).value,
      "number",
    );
    await waitFor("_hb small while the IOC's PV updates", async () => (await hb()) as number <= 1, {
      timeoutMs: 20_000,
    });

    signal(pid, "SIGSTOP");
    await waitFor("_hb growing while the IOC is frozen", async () => (await hb()) as number >= 3, {
      timeoutMs: 20_000,
    });
    signal(pid, "SIGCONT");
    await waitFor("_hb small again", async () => (await hb()) as number <= 1, {
      timeoutMs: 20_000,
    });

    await Deno.writeTextFile(join(dir, "drop"), "");
    await waitFor(
      "_hb 120 when the heartbeat PV is unreachable",
      async () => (await hb()) === 120,
      {
        timeoutMs: 20_000,
      },
    );

    // iocsup's own client derives 127.255.255.255 from general.ca.interfaces [0.0.0.0].
    const stopped = await runCli(["control", "beating", "stop", "--wait", ...opts]);
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.equal(stopped.stdout, "beating: Stop done\n");
    assert.equal((await status()).state, "STOPPED");
    await waitFor("_hb 999 when stopped", async () => (await hb()) === 999);
    const got = await runCli(["get", "HOST:MAN:beating_hb", "HOST:MAN:beating_control", ...opts]);
    assert.equal(got.code, 0, got.stderr);
    assert.equal(got.stdout, "HOST:MAN:beating_hb      999\nHOST:MAN:beating_control Stop\n");
  } finally {
    if (pid > 0) signal(pid, "SIGCONT");
    await client.close();
    await runCli(["stop", ...opts]);
    await Deno.remove(dir, { recursive: true });
  }
});
