/**
 * `iocsup control` against a real iocsup (start-daemon, real supervisord): it writes the
 * manager's `_control` and `MAN:all` PVs over CA, so the manager's access rules apply.
 */
import assert from "node:assert/strict";
import { runCli } from "../helpers/cli.ts";
import { iocScript } from "../helpers/settings.ts";
import { waitFor } from "../helpers/wait.ts";
import { startIocsup } from "./manager_helpers.ts";

const IOCS = `a:
  autostart: true
  command: ${iocScript("ioc.sh")} a {dir}
b:
  autostart: true
  command: ${iocScript("ioc.sh")} b {dir}
`;

Deno.test("control stops, runs and resets IOCs through the manager's PVs", async () => {
  const ioc = await startIocsup(IOCS);
  const state = async (name: string) => (await ioc.status()).find((i) => i.name === name)!.state;
  try {
    const stop = await runCli(["control", "a", "stop", "--wait", ...ioc.opts]);
    assert.equal(stop.code, 0, stop.stderr);
    assert.equal(stop.stdout, "a: Stop done\n");
    assert.equal(await state("a"), "STOPPED");
    assert.equal(await state("b"), "RUNNING");

    const run = await runCli(["control", "all", "run", ...ioc.opts]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, "all: Run requested\n");
    await waitFor("a RUNNING again", async () => (await state("a")) === "RUNNING");

    const pid = (await ioc.status()).find((i) => i.name === "b")!.pid;
    const reset = await runCli(["control", "b", "Reset", "--wait", "--json", ...ioc.opts]);
    assert.equal(reset.code, 0, reset.stderr);
    assert.deepEqual(JSON.parse(reset.stdout), {
      ioc: "b",
      pv: "TEST:MAN:b_control",
      action: "Reset",
      completed: true,
    });
    await waitFor("b running with a new pid", async () => {
      const b = (await ioc.status()).find((i) => i.name === "b")!;
      return b.state === "RUNNING" && b.pid !== pid;
    });

    const all = await runCli(["control", "all", "stop", "--wait", ...ioc.opts]);
    assert.equal(all.code, 0, all.stderr);
    assert.deepEqual([await state("a"), await state("b")], ["STOPPED", "STOPPED"]);

    const unknown = await runCli(["control", "nope", "stop", ...ioc.opts]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Cannot find IOC "nope" in .*settings\.yaml: known are a, b/);
    const action = await runCli(["control", "a", "jump", ...ioc.opts]);
    assert.equal(action.code, 2);
    assert.match(action.stderr, /Cannot use action "jump": expected stop, run or reset/);
  } finally {
    await ioc.close();
  }
});

Deno.test("control reports the manager's refusal when access rules deny the writer", async () => {
  const ioc = await startIocsup(IOCS, {
    generalExtra: "  web: false\n  access:\n    write_users: [somebody-else]",
  });
  try {
    const r = await runCli(["control", "a", "stop", ...ioc.opts]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /Cannot put "TEST:MAN:a_control": ECA_NOWTACCESS/);
    assert.equal((await ioc.status()).find((i) => i.name === "a")!.state, "RUNNING");
  } finally {
    await ioc.close();
  }
});
