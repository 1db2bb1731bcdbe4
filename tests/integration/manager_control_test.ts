import assert from "node:assert/strict";
import { pidAlive, runCli } from "../helpers/cli.ts";
import { iocScript } from "../helpers/settings.ts";
import { waitFor } from "../helpers/wait.ts";
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
    const { JsonLineProcess } = await import("../helpers/pyepics.ts");
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
