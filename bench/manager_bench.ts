/**
 * The manager with 200 IOCs (`sleep 100000`, startsecs 1), CA pinned to 127.0.0.1:
 *
 * 1. supervisord state change → CA monitor update latency, p50/p99 over 200 changes (target p99
 *    < 50 ms). The bench stops ioc000…ioc099 and starts them again over XML-RPC (`wait=false`);
 *    each transition is dated by the millisecond stamp of supervisord's own log line, which
 *    supervisord writes right after changing the state ("stopped:" → STOPPED, "spawned:" →
 *    STARTING, "success:" → RUNNING). A pyepics client (tests/helpers/py/manager_monitor.py)
 *    monitors every `{prefix}:MAN:<ioc>_status` and stamps each update with time.time() in the
 *    libca callback; both are this host's wall clock. The stamps are truncated to 1 ms, so the
 *    figures are up to 1 ms high. The XML-RPC round trip (~10 ms with 200 programs) is too coarse
 *    to date a change, but it checks the log clock: a start's stamp must fall inside its call.
 * 2. The manager's CPU at idle as % of one core over 10 s, from /proc/<pid>/stat.
 * 3. Launch → all 200 RUNNING: `iocsup start-daemon` (whole process) against supervisord alone
 *    (a hand-written conf with the same 200 programs, `supervisord -c`, polled over XML-RPC
 *    every 50 ms); median of 3 runs each, alternating (target ratio ≤ 1.0).
 *
 * Usage: deno run -A bench/manager_bench.ts
 *
 * @module
 */
// deno-lint-ignore-file no-console
import { join } from "node:path";
import { shutdownAndWait, SupervisorClient } from "../mod/supervisor/mod.ts";
import { runCli } from "../tests/helpers/cli.ts";
import { type JsonLine, JsonLineProcess, procFigures } from "../tests/helpers/pyepics.ts";
import { tempProject } from "../tests/helpers/settings.ts";
import { waitFor } from "../tests/helpers/wait.ts";

const IOCS = 200;
const CHANGES = 200;
const CPU_SECONDS = 10;
const START_RUNS = 3;
const PREFIX = "BENCH";
/** `_status` indices (design.md §4). */
const STOPPED = 0;
const STARTING = 1;
const RUNNING = 2;

/** Wall-clock milliseconds with sub-millisecond resolution. */
function wallMs(): number {
  return performance.timeOrigin + performance.now();
}

function iocName(i: number): string {
  return `ioc${String(i).padStart(3, "0")}`;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

function median(values: number[]): number {
  return percentile(values, 0.5);
}

function settingsYaml(): string {
  return Array.from(
    { length: IOCS },
    (_, i) => `${iocName(i)}:\n  autostart: true\n  command: sleep 100000\n  startsecs: 1\n`,
  ).join("");
}

/** The anchor: the same 200 programs in the smallest conf supervisord accepts, plus log files. */
function anchorConf(dir: string): string {
  const head = [
    "[unix_http_server]",
    `file=${dir}/supervisor.sock`,
    "chmod=0700",
    "[supervisord]",
    `logfile=${dir}/supervisord.log`,
    `pidfile=${dir}/supervisord.pid`,
    `childlogdir=${dir}/logs`,
    "[rpcinterface:supervisor]",
    "supervisor.rpcinterface_factory=supervisor.rpcinterface:make_main_rpcinterface",
  ];
  const programs = Array.from({ length: IOCS }, (_, i) => [
    `[program:${iocName(i)}]`,
    "command=sleep 100000",
    "autostart=true",
    "startsecs=1",
    `stdout_logfile=${dir}/logs/${iocName(i)}.log`,
    `stderr_logfile=${dir}/logs/${iocName(i)}_error.log`,
  ]).flat();
  return [...head, ...programs].join("\n") + "\n";
}

/** Start the anchor supervisord, wait until all programs are RUNNING, shut it down. */
async function timeAnchorStart(dir: string): Promise<number> {
  const conf = join(dir, "supervisord.conf");
  const client = new SupervisorClient(join(dir, "supervisor.sock"), { timeoutMs: 5_000 });
  const started = performance.now();
  const result = await new Deno.Command("supervisord", {
    args: ["-c", conf],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  try {
    if (!result.success) {
      throw new Error(`Cannot start supervisord: ${new TextDecoder().decode(result.stderr)}`);
    }
    await waitFor("the anchor's programs to be RUNNING", async () => {
      const infos = await client.getAllProcessInfo();
      return infos.length === IOCS && infos.every((info) => info.statename === "RUNNING");
    }, { timeoutMs: 60_000, intervalMs: 50 });
    return performance.now() - started;
  } finally {
    await shutdownAndWait(client, join(dir, "supervisord.pid"), { timeoutMs: 60_000 })
      .catch(() => {});
  }
}

async function timeIocsupStart(opts: string[]): Promise<number> {
  const started = performance.now();
  const result = await runCli(["start-daemon", ...opts]);
  const ms = performance.now() - started;
  if (result.code !== 0) throw new Error(`Cannot start-daemon: ${result.stderr}${result.stdout}`);
  return ms;
}

async function stopIocsup(opts: string[]): Promise<void> {
  const result = await runCli(["stop", ...opts]);
  if (result.code !== 0) throw new Error(`Cannot stop: ${result.stderr}`);
}

interface StatusJson {
  supervisord: { pid: number };
  manager: { pid: number | null } | null;
}

/** CPU of the manager and of supervisord over a window, % of one core. */
async function idleCpu(opts: string[]): Promise<{ manager: number; supervisord: number }> {
  const status = await runCli(["status", "--json", ...opts]);
  const report = JSON.parse(status.stdout) as StatusJson;
  const managerPid = report.manager?.pid;
  if (!managerPid) throw new Error(`Cannot find the manager's pid: ${status.stdout}`);
  const pids = [managerPid, report.supervisord.pid];
  const before = pids.map((pid) => procFigures(pid).cpuSeconds);
  const t0 = performance.now();
  await new Promise((resolve) => setTimeout(resolve, CPU_SECONDS * 1000));
  const seconds = (performance.now() - t0) / 1000;
  const [manager, supervisord] = pids.map((pid, i) =>
    (100 * (procFigures(pid).cpuSeconds - before[i]!)) / seconds
  );
  return { manager: manager!, supervisord: supervisord! };
}

/** A transition the bench caused and the moment its monitor update arrived. */
interface Change {
  ioc: string;
  /** supervisord log message that marks the transition. */
  kind: "stopped" | "spawned" | "success";
  /** Wall time around the RPC that caused it, ms (none for RUNNING: supervisord's own timer). */
  sent?: number;
  returned?: number;
  /** Wall time of the update in the pyepics callback, ms. */
  arrived: number;
  /** The manager's time stamp on the posted value, ms. */
  posted: number;
}

/** One timed change. */
interface Sample {
  kind: Change["kind"];
  /** Update arrival − supervisord's log stamp of the transition, ms. */
  total: number;
  /** The manager's post stamp − the log stamp, ms (event delivery and handling). */
  toPost: number;
  /** Whether the log stamp lies within the RPC's send/return window (1 ms stamp resolution). */
  inWindow: boolean | undefined;
}

function isUpdate(line: JsonLine, pv: string, value: number, afterMs: number): boolean {
  return line.e === "value" && line.pv === pv && line.v === value &&
    (line.t as number) * 1000 >= afterMs;
}

const LOG_LINE =
  /^(\d+)-(\d+)-(\d+) (\d+):(\d+):(\d+),(\d+) \w+ (stopped|spawned|success): '?([^' ]+)/;

/**
 * supervisord's log stamps (local time, truncated to the millisecond) of each IOC's first
 * "stopped:", "spawned:" and "success:" line at or after `sinceMs`.
 */
function logStamps(text: string, sinceMs: number): Map<string, number> {
  const stamps = new Map<string, number>();
  for (const line of text.split("\n")) {
    const m = LOG_LINE.exec(line);
    if (m === null) continue;
    const [y, mo, d, h, mi, s, msec] = m.slice(1, 8).map(Number) as number[];
    const at = new Date(y!, mo! - 1, d!, h!, mi!, s!, msec!).getTime();
    const key = `${m[8]} ${m[9]}`;
    if (at >= Math.floor(sinceMs) && !stamps.has(key)) stamps.set(key, at);
  }
  return stamps;
}

/**
 * Stop ioc000…ioc099 one at a time, then start them again: 200 changes, each timed from
 * supervisord's log stamp of the transition (STOPPED, STARTING) to the monitor update. A change
 * waits for its update before the next one; RUNNING follows each start after startsecs, while
 * later changes run, and is timed too.
 */
async function latency(
  client: SupervisorClient,
  project: { caPort: number; stateDir: string },
): Promise<Sample[]> {
  const pvs = Array.from({ length: IOCS }, (_, i) => `${PREFIX}:MAN:${iocName(i)}_status`);
  const monitor = JsonLineProcess.python("manager_monitor.py", {
    port: project.caPort,
    args: ["--timeout", "60", ...pvs],
  });
  const changes: Change[] = [];
  let since = 0;
  try {
    await monitor.waitForLine("the monitor to connect", (l) => l.e === "ready", 90_000);
    const notRunning = monitor.lines.filter((l) => l.e === "value" && l.v !== RUNNING);
    if (notRunning.length > 0) {
      throw new Error(`Cannot start timing: ${notRunning.length} IOCs not RUNNING on CA`);
    }
    const record = (line: JsonLine) => ({
      arrived: (line.t as number) * 1000,
      posted: (line.ts as number) * 1000,
    });
    since = wallMs();
    const half = CHANGES / 2;
    for (let i = 0; i < CHANGES; i++) {
      const ioc = iocName(i % half);
      const pv = `${PREFIX}:MAN:${ioc}_status`;
      const stop = i < half;
      const target = stop ? STOPPED : STARTING;
      const sent = wallMs();
      await (stop ? client.stopProcess(ioc, false) : client.startProcess(ioc, false));
      const returned = wallMs();
      const line = await monitor.waitForLine(
        `${pv} to read ${target}`,
        (l) => isUpdate(l, pv, target, sent),
        10_000,
      );
      changes.push({ ioc, kind: stop ? "stopped" : "spawned", sent, returned, ...record(line) });
    }
    for (let i = 0; i < half; i++) {
      const ioc = iocName(i);
      const pv = `${PREFIX}:MAN:${ioc}_status`;
      const line = await monitor.waitForLine(
        `${pv} to read ${RUNNING}`,
        (l) => isUpdate(l, pv, RUNNING, since),
        10_000,
      );
      changes.push({ ioc, kind: "success", ...record(line) });
    }
  } finally {
    await monitor.stop();
  }
  const log = await Deno.readTextFile(join(project.stateDir, "logs", "supervisord.log"));
  const stamps = logStamps(log, since);
  return changes.map((change) => {
    const stamp = stamps.get(`${change.kind} ${change.ioc}`);
    if (stamp === undefined) {
      throw new Error(`Cannot find "${change.kind}: ${change.ioc}" in supervisord.log`);
    }
    return {
      kind: change.kind,
      total: change.arrived - stamp,
      toPost: change.posted - stamp,
      inWindow: change.sent === undefined || change.returned === undefined
        ? undefined
        // A stop's STOPPED comes after the call returns; a start's STARTING happens inside it.
        : stamp >= Math.floor(change.sent) &&
          (change.kind !== "spawned" || stamp <= change.returned),
    };
  });
}

function ms(value: number): string {
  return `${value.toFixed(1)} ms`;
}

/** Run the benchmark and print its figures. */
export async function bench(): Promise<void> {
  const project = await tempProject(settingsYaml(), { prefix: PREFIX });
  const opts = ["--config", project.settings];
  const anchorDir = await Deno.makeTempDir({ prefix: "iocsup-anchor-" });
  let iocsupUp = false;
  try {
    await Deno.mkdir(join(anchorDir, "logs"));
    await Deno.writeTextFile(join(anchorDir, "supervisord.conf"), anchorConf(anchorDir));

    console.error("manager_bench: launch → all RUNNING, alternating iocsup and supervisord");
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let run = 0; run < START_RUNS; run++) {
      theirs.push(await timeAnchorStart(anchorDir));
      iocsupUp = true;
      ours.push(await timeIocsupStart(opts));
      if (run < START_RUNS - 1) {
        await stopIocsup(opts);
        iocsupUp = false;
      }
    }

    console.error(`manager_bench: idle CPU over ${CPU_SECONDS} s`);
    // Let the start-up events and first reconcile pass before calling it idle.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const cpu = await idleCpu(opts);

    console.error(`manager_bench: ${CHANGES} state changes → monitor updates`);
    const client = new SupervisorClient(join(project.stateDir, "supervisor.sock"));
    const samples = await latency(client, project);

    const a = median(ours);
    const b = median(theirs);
    const driven = samples.filter((s) => s.kind !== "success");
    const running = samples.filter((s) => s.kind === "success");
    const figures = (list: Sample[], key: "total" | "toPost") => {
      const values = list.map((s) => s[key]);
      return `p50 ${ms(percentile(values, 0.5))}  p99 ${ms(percentile(values, 0.99))}`;
    };
    const outside = driven.filter((s) => s.inWindow === false).length;
    console.log(`manager benchmark: ${IOCS} IOCs (sleep 100000, startsecs 1), CA on 127.0.0.1`);
    console.log(
      `1. supervisord state change → CA monitor update: from the ms stamp of supervisord.log's ` +
        `"stopped:"/"spawned:"/"success:" line to time.time() in a pyepics monitor callback`,
    );
    const kind = (k: Sample["kind"]) => samples.filter((s) => s.kind === k);
    console.log(
      `   ${driven.length} changes: ${figures(driven, "total")}  ` +
        `max ${ms(Math.max(...driven.map((s) => s.total)))}  (target p99 < 50 ms)`,
    );
    console.log(
      `   ${CHANGES / 2} stopProcess → STOPPED: ${figures(kind("stopped"), "total")}; ` +
        `${CHANGES / 2} startProcess → STARTING: ${figures(kind("spawned"), "total")}`,
    );
    console.log(
      `   not counted: ${running.length} STARTING → RUNNING after startsecs: ` +
        `${figures(running, "total")}; log stamp → manager's post (all 200): ` +
        `${figures(driven, "toPost")}`,
    );
    if (outside > 0) {
      console.log(`   warning: ${outside} log stamps outside their RPC's window (clock check)`);
    }
    console.log(
      `2. idle CPU over ${CPU_SECONDS} s, no CA client: manager ${cpu.manager.toFixed(2)} % ` +
        `of one core (target < 1 %); supervisord ${cpu.supervisord.toFixed(2)} %`,
    );
    console.log(
      `3. launch → all ${IOCS} RUNNING, median of ${START_RUNS}: iocsup start-daemon ` +
        `${(a / 1000).toFixed(2)} s, supervisord -c alone ${(b / 1000).toFixed(2)} s (anchor)`,
    );
    console.log(
      `   ratio ${(a / b).toFixed(2)} (target <= 1.00); runs: iocsup ` +
        `${ours.map((v) => (v / 1000).toFixed(2)).join(" ")} s, supervisord ` +
        `${theirs.map((v) => (v / 1000).toFixed(2)).join(" ")} s`,
    );
  } finally {
    if (iocsupUp) await runCli(["stop", ...opts]);
    await project.cleanup();
    await Deno.remove(anchorDir, { recursive: true });
  }
}

if (import.meta.main) await bench();
