import assert from "node:assert/strict";
import { pidAlive, runCli } from "../helpers/cli.ts";
import { iocScript } from "../helpers/settings.ts";
import { waitFor } from "../helpers/wait.ts";
import { JsonLineProcess, runPyScript } from "../helpers/pyepics.ts";
import { startIocsup } from "./manager_helpers.ts";

const IOCS = `a:
  autostart: true
  command: ${iocScript("ioc.sh")} a {dir}
  description: IOC a
b:
  autostart: true
  command: ${iocScript("ioc.sh")} b {dir}
c:
  autostart: false
  command: ${iocScript("ioc.sh")} c {dir}
d:
  autostart: false
  command: sh -c "sleep 0.5; exit 3"
  startsecs: 0
  autorestart: false
`;

Deno.test("_control writes stop, start and restart IOCs and the PVs follow supervisord", async () => {
  const ioc = await startIocsup(IOCS);
  const P = "TEST:MAN:";
  try {
    const state = async (name: string) => (await ioc.status()).find((i) => i.name === name)!;
    const initial = await ioc.ops([
      { op: "pvget", pv: `${P}a_control`, asString: true },
      { op: "pvget", pv: `${P}c_control`, asString: true },
      { op: "get", pv: `${P}a_hb` },
      { op: "get", pv: `${P}c_hb` },
      { op: "pvget", pv: `${P}a_status`, asString: true },
      { op: "get", pv: `${P}a_desc` },
      { op: "get", pv: `${P}total` },
      { op: "get", pv: `${P}running` },
      { op: "info", pv: `${P}a_control` },
      { op: "info", pv: `${P}a_status` },
      { op: "ctrl", pv: `${P}a_control` },
    ]);
    assert.deepEqual(initial.map((r) => r.error), Array(initial.length).fill(undefined));
    const plain = (r: { op: string; value?: unknown }) =>
      r.op === "get" ? (r.value as { value: unknown }).value : r.value;
    assert.deepEqual(initial.slice(0, 8).map(plain), [
      "Run",
      "Stop",
      0,
      999,
      "RUNNING",
      "IOC a",
      4,
      2,
    ]);
    assert.deepEqual(initial[8]!.value, { ftype: "enum", count: 1, read: true, write: true });
    assert.deepEqual(initial[9]!.value, { ftype: "enum", count: 1, read: true, write: false });
    const ctrl = initial[10]!.value as { enum_strs: string[] };
    assert.deepEqual(ctrl.enum_strs, ["Stop", "Run", "Reset"]);

    const aPid = (await state("a")).pid!;
    // Stop
    const stop = await ioc.ops([{ op: "put", pv: `${P}a_control`, value: 0, wait: true }]);
    assert.equal(stop[0]!.error, undefined);
    await waitFor("a STOPPED", async () => (await state("a")).state === "STOPPED");
    assert.equal(pidAlive(aPid), false);
    await waitFor("a_control Stop with MINOR", async () => {
      const v = await ioc.get(`${P}a_control`);
      return v.value === 0 && v.severity === 1;
    });
    await waitFor("a_hb 999", async () => (await ioc.get(`${P}a_hb`)).value === 999);
    // Run
    await ioc.ops([{ op: "put", pv: `${P}a_control`, value: 1, wait: true }]);
    await waitFor("a RUNNING", async () => (await state("a")).state === "RUNNING");
    const runningPid = (await state("a")).pid!;
    await waitFor("a_control Run, no alarm", async () => {
      const v = await ioc.get(`${P}a_control`);
      return v.value === 1 && v.severity === 0;
    });
    // Run again: nothing happens
    await ioc.ops([{ op: "put", pv: `${P}a_control`, value: 1, wait: true }]);
    assert.equal((await state("a")).pid, runningPid);
    // Reset: a new pid, and then it reads Run
    await ioc.ops([{ op: "put", pv: `${P}a_control`, value: 2, wait: true }]);
    await waitFor("a restarted", async () => {
      const s = await state("a");
      return s.state === "RUNNING" && s.pid !== runningPid;
    });
    await waitFor(
      "a_control back to Run",
      async () => (await ioc.get(`${P}a_control`)).value === 1,
    );
    // Out of range, and writes to read-only PVs
    const refused = await ioc.ops([
      { op: "putStatus", pv: `${P}a_control`, value: 3 },
      { op: "putStatus", pv: `${P}a_status`, value: 0 },
      { op: "putStatus", pv: `${P}a_pid`, value: 1 },
    ]);
    assert.ok(refused[0]!.error, "enum 3 must be refused");
    assert.notEqual(refused[0]!.status, 1);
    assert.ok(refused[1]!.error, "read-only _status must refuse writes");
    assert.ok(refused[2]!.error, "read-only _pid must refuse writes");
    assert.equal((await ioc.get(`${P}a_control`)).value, 1);
    assert.equal((await state("a")).state, "RUNNING");
  } finally {
    await ioc.close();
  }
});

Deno.test("MAN:all applies to every autostart IOC and leaves the others alone", async () => {
  const ioc = await startIocsup(IOCS);
  const P = "TEST:MAN:";
  try {
    await ioc.ops([{ op: "put", pv: `${P}c_control`, value: 1, wait: true }]);
    const states = async () =>
      Object.fromEntries((await ioc.status()).map((i) => [i.name, i.state]));
    await waitFor("c RUNNING", async () => (await states()).c === "RUNNING");
    await ioc.ops([{ op: "put", pv: `${P}all`, value: 0, wait: true }]);
    await waitFor("a and b STOPPED", async () => {
      const s = await states();
      return s.a === "STOPPED" && s.b === "STOPPED";
    });
    assert.equal((await states()).c, "RUNNING", "c has autostart false");
    await waitFor("all reads Stop", async () => {
      const v = await ioc.get(`${P}all`);
      return v.value === 0 && v.severity === 1;
    });
    await ioc.ops([{ op: "put", pv: `${P}all`, value: 1, wait: true }]);
    await waitFor("a and b RUNNING", async () => {
      const s = await states();
      return s.a === "RUNNING" && s.b === "RUNNING";
    });
    await waitFor("all reads Run", async () => (await ioc.get(`${P}all`)).value === 1);
  } finally {
    await ioc.close();
  }
});

Deno.test("an IOC killed with SIGKILL shows MAJOR status and counts a restart", async () => {
  const ioc = await startIocsup(IOCS);
  const P = "TEST:MAN:";
  try {
    const monitor = JsonLineProcess.python("ca_monitor.py", {
      port: ioc.caPort,
      args: [`${P}a_status`, `${P}a_control`],
    });
    try {
      await monitor.waitForLine("monitor ready", (l) => l.e === "ready");
      const pid = (await ioc.status()).find((i) => i.name === "a")!.pid!;
      Deno.kill(pid, "SIGKILL");
      // EXITED (index 5) with MAJOR, then supervisord brings it back (autorestart unexpected).
      await monitor.waitForLine(
        "EXITED with MAJOR",
        (l) => l.pv === `${P}a_status` && l.v === 5 && l.sev === 2,
      );
      await waitFor("a running again", async () => {
        const a = (await ioc.status()).find((i) => i.name === "a")!;
        return a.state === "RUNNING" && a.pid !== pid;
      });
      await waitFor("_restarts 1", async () => (await ioc.get(`${P}a_restarts`)).value === 1);
      await waitFor("_control Run", async () => (await ioc.get(`${P}a_control`)).value === 1);
      // An IOC that exits by itself with code 3: EXITED (5) with MAJOR, and its exit code.
      await ioc.ops([{ op: "put", pv: `${P}d_control`, value: 1, wait: true }]);
      await waitFor("d EXITED", async () => {
        const v = await ioc.get(`${P}d_status`);
        return v.value === 5 && v.severity === 2;
      });
      assert.equal((await ioc.get(`${P}d_exitcode`)).value, 3);
      assert.equal((await ioc.get(`${P}d_control`)).value, 0);
    } finally {
      await monitor.stop();
    }
  } finally {
    await ioc.close();
  }
});

Deno.test("a manager killed with SIGKILL comes back without touching any IOC", async () => {
  const ioc = await startIocsup(IOCS);
  const P = "TEST:MAN:";
  try {
    const before = await runCli(["status", "--json", ...ioc.opts]);
    const report = JSON.parse(before.stdout);
    const managerPid = report.manager.pid as number;
    const pids = report.iocs.map((i: { pid: number | null }) => i.pid);
    assert.equal(await (await ioc.get(`${P}a_control`)).value, 1);
    Deno.kill(managerPid, "SIGKILL");
    await waitFor("a new manager", async () => {
      const r = JSON.parse((await runCli(["status", "--json", ...ioc.opts])).stdout);
      return r.manager.state === "RUNNING" && r.manager.pid !== managerPid;
    });
    await waitFor("PVs answer again", async () => (await ioc.get(`${P}a_control`)).value === 1);
    const after = JSON.parse((await runCli(["status", "--json", ...ioc.opts])).stdout);
    assert.deepEqual(after.iocs.map((i: { pid: number | null }) => i.pid), pids);
    assert.equal((await ioc.get(`${P}c_control`)).value, 0);
    assert.equal((await ioc.get(`${P}c_hb`)).value, 999);
  } finally {
    await ioc.close();
  }
});

Deno.test("iocsup restart starts a new supervisord that starts the autostart IOCs", async () => {
  const ioc = await startIocsup(IOCS);
  try {
    const before = (await ioc.status()).map((i) => i.pid);
    const r = await runCli(["restart", ...ioc.opts]);
    assert.equal(r.code, 0, r.stderr);
    const after = await ioc.status();
    assert.equal(after.find((i) => i.name === "a")!.state, "RUNNING");
    assert.equal(after.find((i) => i.name === "b")!.state, "RUNNING");
    assert.equal(after.find((i) => i.name === "c")!.state, "STOPPED");
    assert.notEqual(after.find((i) => i.name === "a")!.pid, before[0]);
    assert.equal((await ioc.get("TEST:MAN:a_control")).value, 1);
  } finally {
    await ioc.close();
  }
});

Deno.test("a control write that arrives while an earlier one runs is queued, not lost", async () => {
  const ioc = await startIocsup(`slow:
  autostart: true
  command: ${iocScript("slow_stop.sh")}
  startsecs: 0
`);
  const P = "TEST:MAN:";
  try {
    const before = (await ioc.status()).find((i) => i.name === "slow")!.pid!;
    // Stop takes a second; Run arrives while it is still stopping.
    const puts = await ioc.ops([
      { op: "put", pv: `${P}slow_control`, value: 0 },
      { op: "put", pv: `${P}slow_control`, value: 1 },
    ]);
    assert.deepEqual(puts.map((p) => p.error), [undefined, undefined]);
    await waitFor("slow stopped and started again", async () => {
      const slow = (await ioc.status()).find((i) => i.name === "slow")!;
      return slow.state === "RUNNING" && slow.pid !== before;
    });
    assert.equal(pidAlive(before), false);
    await waitFor("_control Run", async () => (await ioc.get(`${P}slow_control`)).value === 1);
    const log = await Deno.readTextFile(`${ioc.stateDir}/logs/manager.log`);
    assert.match(log, /slow: stop requested over CA[\s\S]*slow: start requested over CA/);
  } finally {
    await ioc.close();
  }
});

/** ECA status codes as the put callback reports them. */
const ECA_NORMAL = 1;
const ECA_PUTFAIL = 160;

Deno.test("_exitcode and status show the last exit of an IOC that autorestart brought back", async () => {
  const ioc = await startIocsup(`three:
  autostart: true
  autorestart: true
  startsecs: 0
  command: ${iocScript("exit_once.sh")} {dir}/three.once 3
segv:
  autostart: true
  autorestart: true
  startsecs: 0
  command: ${iocScript("exit_once.sh")} {dir}/segv.once SEGV
`);
  const P = "TEST:MAN:";
  try {
    const report = async () => JSON.parse((await runCli(["status", "--json", ...ioc.opts])).stdout);
    // Each exits once after half a second and is respawned at once, to run on.
    await waitFor("both back up after their exit", async () => {
      const r = await report();
      return r.iocs.every((i: { state: string; exitstatus: number }) =>
        i.state === "RUNNING" && i.exitstatus !== 0
      );
    });
    await waitFor("_exitcode 3", async () => (await ioc.get(`${P}three_exitcode`)).value === 3);
    await waitFor("_exitcode 139", async () => (await ioc.get(`${P}segv_exitcode`)).value === 139);
    assert.equal((await ioc.get(`${P}three_restarts`)).value, 1);
    const byName = Object.fromEntries(
      (await report()).iocs.map((i: { name: string }) => [i.name, i]),
    );
    assert.equal(byName.three.exitstatus, 3);
    assert.equal(byName.three.lastexit, "3");
    assert.equal(byName.segv.exitstatus, 139);
    assert.equal(byName.segv.lastexit, "SIGSEGV");
    const text = await runCli(["status", ...ioc.opts]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^three\s+RUNNING\s+\d+\s+\S+\s+yes\s+3\s*$/m);
    assert.match(text.stdout, /^segv\s+RUNNING\s+\d+\s+\S+\s+yes\s+SIGSEGV\s*$/m);

    // A new manager finds them again (manager-state.json), though supervisord says 0 now.
    const managerPid = (await report()).manager.pid as number;
    Deno.kill(managerPid, "SIGKILL");
    await waitFor("a new manager", async () => {
      const r = await report();
      return r.manager.state === "RUNNING" && r.manager.pid !== managerPid;
    });
    await waitFor("PVs answer again", async () => (await ioc.get(`${P}three_status`)).value === 2);
    assert.equal((await ioc.get(`${P}three_exitcode`)).value, 3);
    assert.equal((await ioc.get(`${P}segv_exitcode`)).value, 139);
  } finally {
    await ioc.close();
  }
});

Deno.test("a put with callback on _control completes when the requested state holds", async () => {
  const ioc = await startIocsup(`slow:
  autostart: true
  command: ${iocScript("slow_stop.sh")} 2
  startsecs: 0
broken:
  autostart: false
  command: sh -c "exit 1"
  startsecs: 1
  startretries: 1
`);
  const P = "TEST:MAN:";
  try {
    const slow = async () => (await ioc.status()).find((i) => i.name === "slow")!;
    const firstPid = (await slow()).pid!;
    // Stop takes 2 s: the callback comes after that, and _status reads STOPPED at once.
    const stop = await ioc.ops([
      { op: "put", pv: `${P}slow_control`, value: 0, wait: true },
      { op: "get", pv: `${P}slow_status` },
    ], 15);
    assert.equal(stop[0]!.error, undefined);
    assert.equal((stop[1]!.value as { value: number }).value, 0, "STOPPED right after the put");
    assert.equal((await slow()).state, "STOPPED");
    assert.equal(pidAlive(firstPid), false);

    const run = await ioc.ops([
      { op: "putStatus", pv: `${P}slow_control`, value: 1 },
      { op: "get", pv: `${P}slow_status` },
    ], 15);
    assert.equal(run[0]!.status, ECA_NORMAL);
    assert.equal((run[1]!.value as { value: number }).value, 2, "RUNNING right after the put");
    const running = await slow();
    assert.equal(running.state, "RUNNING");

    const reset = await ioc.ops([{ op: "putStatus", pv: `${P}slow_control`, value: 2 }], 15);
    assert.equal(reset[0]!.status, ECA_NORMAL);
    const after = await slow();
    assert.equal(after.state, "RUNNING");
    assert.notEqual(after.pid, running.pid);
    assert.equal(pidAlive(running.pid!), false);
    await waitFor(
      "_control back to Run",
      async () => (await ioc.get(`${P}slow_control`)).value === 1,
    );

    // A command that dies at once: supervisord gives up, the put fails.
    const broken = await ioc.ops([{ op: "putStatus", pv: `${P}broken_control`, value: 1 }], 15);
    assert.equal(broken[0]!.status, ECA_PUTFAIL, JSON.stringify(broken[0]));
    await waitFor("broken FATAL", async () => {
      const b = (await ioc.status()).find((i) => i.name === "broken")!;
      return b.state === "FATAL";
    });
  } finally {
    await ioc.close();
  }
});

Deno.test("quick control writes collapse to the latest intent", async () => {
  const ioc = await startIocsup(`slow:
  autostart: true
  command: ${iocScript("slow_stop.sh")} 1
  startsecs: 0
`);
  const P = "TEST:MAN:";
  const monitor = JsonLineProcess.python("ca_monitor.py", {
    port: ioc.caPort,
    args: [`${P}slow_status`],
  });
  try {
    const before = (await ioc.status()).find((i) => i.name === "slow")!.pid!;
    await monitor.waitForLine("monitor ready", (l) => l.e === "ready");
    // 20 writes, Stop, Run, Stop, …, Run: the first runs, the other 19 collapse to the last.
    const values = Array.from({ length: 20 }, (_, i) => i % 2 === 0 ? 0 : 1);
    const burst = await runPyScript<{
      statuses: (number | null)[];
      order: number[];
      read: Record<string, number>;
    }>("ca_put_burst.py", {
      port: ioc.caPort,
      args: [JSON.stringify({
        pv: `${P}slow_control`,
        values,
        read: [`${P}slow_control`],
        timeout: 30,
      })],
    });
    assert.deepEqual(burst.statuses, Array(20).fill(ECA_NORMAL));
    // The intent shows at once, while the stop is still running.
    assert.equal(burst.read[`${P}slow_control`], 1);
    assert.equal(burst.order[0], 0, "the first write completes with its own action");
    const slow = (await ioc.status()).find((i) => i.name === "slow")!;
    assert.equal(slow.state, "RUNNING");
    assert.notEqual(slow.pid, before);
    assert.equal((await ioc.get(`${P}slow_control`)).value, 1);
    const supervisordLog = await Deno.readTextFile(`${ioc.stateDir}/logs/supervisord.log`);
    assert.equal(supervisordLog.match(/ stopped: slow /g)?.length, 1, supervisordLog);
    assert.equal(supervisordLog.match(/ spawned: 'slow' /g)?.length, 2, supervisordLog);
    // _status went RUNNING → STOPPING → STOPPED → STARTING → RUNNING (a monitor may skip some
    // of them), never back to an older state: no stale fetch was published over an event.
    const statuses = () => monitor.lines.filter((l) => l.e === "value").map((l) => l.v as number);
    await waitFor(
      "_status RUNNING after STOPPED",
      () => statuses().lastIndexOf(2) > statuses().indexOf(0) && statuses().includes(0),
    );
    const seen = statuses().filter((v, i, all) => i === 0 || v !== all[i - 1]);
    const path = [2, 4, 0, 1, 2];
    let at = 0;
    for (const v of seen) {
      at = path.indexOf(v, at);
      assert.ok(at >= 0, `_status went ${seen.join(" → ")}`);
    }
    assert.equal(seen.at(-1), 2, `_status went ${seen.join(" → ")}`);
  } finally {
    await monitor.stop();
    await ioc.close();
  }
});
