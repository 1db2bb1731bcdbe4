/**
 * supervisord killed with SIGKILL leaves its IOCs (and possibly the manager) running under pid 1.
 * status must show them, start-daemon must never start a second copy, stop must stop them. Real
 * supervisord, real processes; copies are counted by the marker in /proc/<pid>/environ.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  findOrphans,
  MARKER_NAMES,
  MARKER_PROGRAM,
  MARKER_STATE_DIR,
  readProcessTable,
} from "../../mod/supervisor/mod.ts";
import { pidAlive, runCli, spawnCli, TextCollector } from "../helpers/cli.ts";
import { iocScript, tempProject } from "../helpers/settings.ts";
import { waitFor } from "../helpers/wait.ts";

/**
 * Running copies of each program of a state directory: marked processes whose parent is not a
 * marked process of the same program (an IOC's own children are part of its copy).
 */
function copies(stateDir: string): Record<string, number> {
  const table = readProcessTable({ envNames: MARKER_NAMES });
  const programOf = new Map(
    table
      .filter((p) => p.env.get(MARKER_STATE_DIR) === stateDir && p.state !== "Z")
      .map((p) => [p.pid, p.env.get(MARKER_PROGRAM)!]),
  );
  const counts: Record<string, number> = {};
  for (const p of table) {
    const program = programOf.get(p.pid);
    if (program === undefined || programOf.get(p.ppid) === program) continue;
    counts[program] = (counts[program] ?? 0) + 1;
  }
  return counts;
}

async function supervisordPid(stateDir: string): Promise<number> {
  return Number((await Deno.readTextFile(join(stateDir, "supervisord.pid"))).trim());
}

async function killSupervisord(stateDir: string): Promise<void> {
  const pid = await supervisordPid(stateDir);
  Deno.kill(pid, "SIGKILL");
  await waitFor(`supervisord ${pid} to die`, () => !pidAlive(pid));
}

/** Last resort after a failed test: nothing of this state directory may survive it. */
async function killLeftovers(stateDir: string): Promise<void> {
  try {
    Deno.kill(await supervisordPid(stateDir), "SIGCONT");
  } catch { /* not running */ }
  await runCli(["stop", "--state-dir", stateDir]);
  for (const pid of findOrphans(stateDir).flatMap((o) => o.pids)) {
    try {
      Deno.kill(pid, "SIGKILL");
    } catch { /* gone */ }
  }
}

/**
 * A process marked as the state directory's manager that holds its CA port (TCP), in its own
 * process group: what a manager that hung when supervisord died leaves behind.
 */
function holdCaPort(stateDir: string, port: number): Deno.ChildProcess {
  const script = "import socket, time\n" +
    "s = socket.socket()\n" +
    "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n" +
    `s.bind(("127.0.0.1", ${port}))\n` +
    "s.listen()\n" +
    "time.sleep(1000)\n";
  return new Deno.Command("setsid", {
    args: ["/usr/bin/python3", "-c", script],
    env: { IOCSUP_STATE_DIR: stateDir, IOCSUP_PROGRAM: "iocsup-manager" },
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
}

const TWO_IOCS = `alpha:
  autostart: true
  command: ${iocScript("ioc.sh")} alpha {dir}
  stopsignal: HUP
beta:
  autostart: true
  command: ${iocScript("ioc.sh")} beta {dir}
`;

Deno.test("after supervisord is SIGKILLed, status lists the orphans and start-daemon replaces them: one copy each", async () => {
  const project = await tempProject(TWO_IOCS);
  const opts = ["--config", project.settings];
  let manager: Deno.ChildProcess | undefined;
  try {
    const started = await runCli(["start-daemon", ...opts]);
    assert.equal(started.code, 0, started.stderr);
    assert.deepEqual(copies(project.stateDir), { alpha: 1, beta: 1, "iocsup-manager": 1 });
    const before = JSON.parse((await runCli(["status", "--json", ...opts])).stdout);
    const oldAlpha: number = before.iocs.find((i: { name: string }) => i.name === "alpha").pid;

    await killSupervisord(project.stateDir);
    // The IOCs run on under pid 1; the manager ends by itself when its stdin closes.
    await waitFor(
      "the manager to end",
      () => copies(project.stateDir)["iocsup-manager"] === undefined,
    );
    assert.deepEqual(copies(project.stateDir), { alpha: 1, beta: 1 });
    // A manager that hung instead would go on holding the CA port: a stand-in with its marker.
    manager = holdCaPort(project.stateDir, project.caPort);
    const oldManager = manager.pid;
    await waitFor("the stand-in manager", () => copies(project.stateDir)["iocsup-manager"] === 1);

    const status = await runCli(["status", ...opts]);
    assert.equal(status.code, 1, status.stderr);
    assert.match(status.stdout, /alpha\s+ORPHANED\s+\d+/);
    assert.match(status.stdout, /supervisord\s+NOT RUNNING/);
    assert.match(status.stdout, new RegExp(`orphaned IOC alpha\\s+pids ${oldAlpha}( \\d+)+`));
    assert.match(status.stdout, /orphaned IOC beta\s+pids \d+/);
    assert.match(
      status.stdout,
      new RegExp(`orphaned manager iocsup-manager\\s+pids ${oldManager}`),
    );
    assert.match(status.stderr, /"iocsup stop" stops them/);
    const json = await runCli(["status", "--json", ...opts]);
    assert.equal(json.code, 1);
    const report = JSON.parse(json.stdout);
    assert.equal(report.supervisord.running, false);
    assert.deepEqual(
      report.orphans.map((o: { name: string; pid: number }) => [o.name, o.pid]).sort(),
      [["alpha", oldAlpha], ["beta", report.orphans[1].pid], ["iocsup-manager", oldManager]]
        .sort(),
    );

    const again = await runCli(["start-daemon", ...opts]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(
      again.stderr,
      new RegExp(`stopped orphaned IOC alpha \\(pids ${oldAlpha} .*\\) with SIGHUP`),
    );
    assert.match(again.stderr, /stopped orphaned IOC beta \(pids .*\) with SIGTERM/);
    assert.match(again.stderr, /stopped orphaned manager iocsup-manager \(pid \d+\) with SIGTERM/);
    assert.match(again.stdout, /alpha\s+RUNNING/);
    assert.equal(pidAlive(oldAlpha), false);
    assert.equal((await manager.status).signal, "SIGTERM");
    assert.deepEqual(copies(project.stateDir), { alpha: 1, beta: 1, "iocsup-manager": 1 });
    const fresh = await runCli(["status", ...opts]);
    assert.equal(fresh.code, 0, fresh.stderr);
    assert.match(fresh.stdout, /manager\s+RUNNING/);
    assert.doesNotMatch(fresh.stdout, /orphaned/);
  } finally {
    await killLeftovers(project.stateDir);
    await manager?.status;
    await project.cleanup();
  }
});

Deno.test("stop after supervisord is SIGKILLed stops the orphaned IOCs and their children", async () => {
  const project = await tempProject(TWO_IOCS);
  const opts = ["--config", project.settings];
  try {
    assert.equal((await runCli(["start-daemon", ...opts])).code, 0);
    const alpha = (await Deno.readTextFile(join(project.dir, "alpha.pids"))).trim().split(" ")
      .map(Number);
    await killSupervisord(project.stateDir);
    assert.equal(copies(project.stateDir).alpha, 1);

    const stopped = await runCli(["stop", ...opts]);
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.match(stopped.stdout, /^supervisord is not running$/m);
    assert.match(stopped.stdout, /^stopped orphaned IOC alpha \(pids .*\) with SIGHUP$/m);
    assert.match(stopped.stdout, /^stopped orphaned IOC beta \(pids .*\) with SIGTERM$/m);
    for (const pid of alpha) assert.equal(pidAlive(pid!), false, `alpha's pid ${pid} survived`);
    assert.deepEqual(copies(project.stateDir), {});

    const status = await runCli(["status", ...opts]);
    assert.equal(status.code, 3, status.stderr);
    assert.match(status.stdout, /supervisord is not running/);
    const stopAgain = await runCli(["stop", ...opts]);
    assert.equal(stopAgain.stdout, "supervisord is not running\n");
  } finally {
    await killLeftovers(project.stateDir);
    await project.cleanup();
  }
});

Deno.test("orphans beside a running supervisord: status exits 1, start-daemon stops them and keeps its IOCs", async () => {
  const project = await tempProject(TWO_IOCS);
  const opts = ["--config", project.settings];
  try {
    assert.equal((await runCli(["start-daemon", ...opts])).code, 0);
    await killSupervisord(project.stateDir);
    await waitFor(
      "the manager to end",
      () => copies(project.stateDir)["iocsup-manager"] === undefined,
    );
    // Someone starts supervisord by hand, past iocsup: every IOC now runs twice.
    const conf = join(project.stateDir, "supervisord.conf");
    const manual = await new Deno.Command("supervisord", { args: ["-c", conf] }).output();
    assert.equal(manual.code, 0, new TextDecoder().decode(manual.stderr));
    await waitFor("the second copies", () => copies(project.stateDir).beta === 2);
    const supervised = JSON.parse((await runCli(["status", "--json", ...opts])).stdout);

    const status = await runCli(["status", ...opts]);
    assert.equal(status.code, 1, status.stderr);
    assert.match(status.stdout, /supervisord\s+RUNNING/);
    assert.match(status.stdout, /orphaned IOC alpha\s+pids/);
    assert.match(status.stdout, /orphaned IOC beta\s+pids/);

    const started = await runCli(["start-daemon", ...opts]);
    assert.equal(started.code, 0, started.stderr);
    assert.match(started.stderr, /stopped orphaned IOC alpha .* with SIGHUP/);
    assert.match(started.stdout, /already running .*; otherwise nothing changed/);
    assert.deepEqual(copies(project.stateDir), { alpha: 1, beta: 1, "iocsup-manager": 1 });
    const after = JSON.parse((await runCli(["status", "--json", ...opts])).stdout);
    assert.deepEqual(
      after.iocs.map((i: { pid: number }) => i.pid),
      supervised.iocs.map((i: { pid: number }) => i.pid),
      "the supervised copies stay",
    );
    assert.deepEqual(after.orphans, []);
  } finally {
    await killLeftovers(project.stateDir);
    await project.cleanup();
  }
});

Deno.test("start (foreground) stops the orphans before it starts the IOCs", async () => {
  const project = await tempProject(TWO_IOCS);
  const opts = ["--config", project.settings];
  let child: Deno.ChildProcess | undefined;
  try {
    assert.equal((await runCli(["start-daemon", ...opts])).code, 0);
    await killSupervisord(project.stateDir);
    child = spawnCli(["start", ...opts]);
    const stderr = new TextCollector(child.stderr);
    const stdout = new TextCollector(child.stdout);
    await waitFor("the IOCs under the new supervisord", async () => {
      const s = await runCli(["status", "--json", ...opts]);
      return s.code === 0 &&
        JSON.parse(s.stdout).iocs.every((i: { state: string }) => i.state === "RUNNING");
    }, { timeoutMs: 30_000 });
    assert.match(stderr.text, /stopped orphaned IOC alpha .* with SIGHUP/);
    assert.match(stderr.text, /stopped orphaned IOC beta .* with SIGTERM/);
    assert.deepEqual(copies(project.stateDir), { alpha: 1, beta: 1, "iocsup-manager": 1 });
    child.kill("SIGTERM");
    assert.equal((await child.status).code, 0);
    await Promise.all([stderr.done, stdout.done]);
    assert.deepEqual(copies(project.stateDir), {});
  } finally {
    try {
      child?.kill("SIGKILL");
    } catch { /* exited */ }
    await child?.status;
    await killLeftovers(project.stateDir);
    await project.cleanup();
  }
});
