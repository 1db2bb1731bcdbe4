/**
 * Channel Access server benchmark with EPICS base's own C clients (`caget`, `catime`), run only
 * when they are on PATH. iocsup's CaServer (bench/ca_bench_server.ts) and — when `softIoc` is on
 * PATH too — softIoc serving the same PVs, in the same run, CA pinned to 127.0.0.1:
 *
 * - `caget` of 1,000 and of 10,000 PVs in one process (median wall time of several runs, the two
 *   servers taking turns so that load on the machine hits both alike);
 * - the first `caget` of 10,000 PVs right after the server started (cold code paths; median of a
 *   few fresh starts);
 * - every row of `catime BENCH:SP 10000` (10,000 channels of one writable double: connect, async
 *   put, async get, synchronous get per DBR type, get latency, clear), median of a few runs;
 * - with `taskset` (util-linux) on a host of two or more CPUs: catime's synchronous get (one round
 *   trip) with client and server pinned to one CPU, then to two different CPUs, which separates
 *   the server's own cost per request from the cost of waking a thread on another CPU.
 *
 * Prints one table on stdout: our figure, softIoc's and ours ÷ softIoc's (lower is better).
 *
 * Usage: deno run -A bench/ca_catools_bench.ts
 *
 * @module
 */
// deno-lint-ignore-file no-console
import { pyClientEnv } from "../tests/helpers/pyepics.ts";
import {
  findOnPath,
  ratioTable,
  type Row,
  startOurs,
  startSoftIoc,
  type Target,
} from "./_ca_targets.ts";

const PVS = { pvs: 10_000, fan: 0 };
const ROUNDS_1K = 15;
const ROUNDS_10K = 7;
const COLD_STARTS = 3;
const CATIME_RUNS = 3;
const CATIME_CHANNELS = 10_000;
/** Channels of the pinned round-trip runs (their synchronous get is one round trip per channel). */
const PINNED_CHANNELS = 2_000;
const PINNED_RUNS = 3;

/** The EPICS tools found on PATH. */
interface Tools {
  caget: string;
  catime: string | undefined;
  softIoc: string | undefined;
  taskset: string | undefined;
}

function names(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `BENCH:PV:${i}`);
}

/** Run a catool against a server; stdout is returned, a failure throws with its stderr. */
async function runTool(path: string, args: string[], port: number): Promise<string> {
  const out = await new Deno.Command(path, {
    args,
    // Without the EPICS bin directory on PATH, libca cannot spawn a caRepeater that would outlive us.
    env: pyClientEnv(port),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    const err = new TextDecoder().decode(out.stderr);
    throw new Error(`Cannot run "${path}" (exit ${out.code}): ${(err + text).slice(0, 500)}`);
  }
  return text;
}

/** Wall time of one `caget` of `pvNames` in ms. */
async function timeCaget(caget: string, port: number, pvNames: string[]): Promise<number> {
  const started = performance.now();
  await runTool(caget, ["-w", "10", ...pvNames], port);
  return performance.now() - started;
}

/** Wait until a freshly started server answers (softIoc prints nothing we could wait for). */
async function waitServing(caget: string, port: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await runTool(caget, ["-w", "1", "BENCH:SP"], port);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Medians of caget wall times, each round running every target once, in turn. */
async function cagetRounds(
  caget: string,
  targets: Target[],
  count: number,
  rounds: number,
): Promise<number[]> {
  const pvNames = names(count);
  const times = targets.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    for (const [i, t] of targets.entries()) times[i]!.push(await timeCaget(caget, t.port, pvNames));
  }
  return times.map(median);
}

/**
 * The "Per Op" figures of a catime report by row name (e.g. `DBR_DOUBLE async put`), in µs, and
 * the mean get latency.
 *
 * @param report catime's stdout.
 * @returns Figures by row.
 */
export function parseCatime(report: string): Map<string, number> {
  const rows = new Map<string, number>();
  let section = "";
  let sub = "";
  for (const line of report.split("\n")) {
    const head = line.match(/^(Channel Connect|Pend Event|DBR_\w+|Get Latency|Free Channel) Test$/);
    if (head) {
      section = head[1]!;
      sub = "";
      continue;
    }
    const subHead = line.match(/### (.+) test ###/);
    if (subHead) {
      sub = subHead[1]!;
      continue;
    }
    const perOp = line.match(/^Per Op,\s+([\d.]+) uS/);
    if (perOp) rows.set(sub ? `${section} ${sub}` : section, Number(perOp[1]));
    const latency = line.match(/^Get Latency - mean = ([\d.]+) uS/);
    if (latency) rows.set("Get Latency mean", Number(latency[1]));
  }
  return rows;
}

async function catimeRows(catime: string, port: number): Promise<Map<string, number>> {
  const runs: Map<string, number>[] = [];
  for (let i = 0; i < CATIME_RUNS; i++) {
    runs.push(parseCatime(await runTool(catime, ["BENCH:SP", String(CATIME_CHANNELS)], port)));
  }
  const out = new Map<string, number>();
  for (const key of runs[0]!.keys()) {
    if (key === "Pend Event") continue; // the client alone: no server involved
    out.set(key, median(runs.map((r) => r.get(key) ?? NaN)));
  }
  return out;
}

/** Pin a process (all its threads) to CPUs, as `taskset -a -p -c` does. */
async function pin(taskset: string, pid: number, cpus: string): Promise<void> {
  const out = await new Deno.Command(taskset, {
    args: ["-a", "-p", "-c", cpus, String(pid)],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`Cannot pin ${pid} to CPUs ${cpus}: ${new TextDecoder().decode(out.stderr)}`);
  }
}

/**
 * Median `DBR_DOUBLE synch get` of catime (µs, one round trip) with the server pinned to CPU 0
 * and catime to `clientCpu`; the server is unpinned afterwards.
 */
async function pinnedRoundTrip(
  tools: Tools & { catime: string; taskset: string },
  target: Target,
  clientCpu: number,
): Promise<number> {
  const all = `0-${navigator.hardwareConcurrency - 1}`;
  await pin(tools.taskset, target.pid, "0");
  try {
    const runs: number[] = [];
    for (let i = 0; i < PINNED_RUNS; i++) {
      const report = await runTool(
        tools.taskset,
        ["-c", String(clientCpu), tools.catime, "BENCH:SP", String(PINNED_CHANNELS)],
        target.port,
      );
      runs.push(parseCatime(report).get("DBR_DOUBLE synch get") ?? NaN);
    }
    return median(runs);
  } finally {
    await pin(tools.taskset, target.pid, all);
  }
}

/** Median over fresh starts of the first caget of every PV. */
async function coldCaget(tools: Tools, start: () => Promise<Target>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < COLD_STARTS; i++) {
    const target = await start();
    try {
      await waitServing(tools.caget, target.port);
      times.push(await timeCaget(tools.caget, target.port, names(PVS.pvs)));
    } finally {
      await target.stop();
    }
  }
  return median(times);
}

async function measure(tools: Tools): Promise<Row[]> {
  const starters: (() => Promise<Target>)[] = [() => startOurs(PVS)];
  const softIoc = tools.softIoc;
  if (softIoc !== undefined) starters.push(() => startSoftIoc(softIoc, PVS));
  const rows: Row[] = [];
  const add = (label: string, figures: number[], digits: number) =>
    rows.push({ label, ours: figures[0]!, anchor: figures[1], digits });

  console.error("ca_catools_bench: first caget of 10,000 PVs after start");
  const cold: number[] = [];
  for (const start of starters) cold.push(await coldCaget(tools, start));

  const targets: Target[] = [];
  try {
    for (const start of starters) targets.push(await start());
    for (const t of targets) {
      await waitServing(tools.caget, t.port);
      await timeCaget(tools.caget, t.port, names(PVS.pvs)); // warm up
    }
    console.error("ca_catools_bench: caget of 1,000 and 10,000 PVs");
    add("caget 1,000 PVs (ms)", await cagetRounds(tools.caget, targets, 1000, ROUNDS_1K), 1);
    add("caget 10,000 PVs (ms)", await cagetRounds(tools.caget, targets, PVS.pvs, ROUNDS_10K), 1);
    add("first caget 10,000 PVs after start (ms)", cold, 1);
    if (tools.catime !== undefined) {
      console.error(`ca_catools_bench: catime BENCH:SP ${CATIME_CHANNELS}`);
      const catime = tools.catime;
      const reports: Map<string, number>[] = [];
      for (const t of targets) reports.push(await catimeRows(catime, t.port));
      for (const key of reports[0]!.keys()) {
        const unit = key === "Get Latency mean" ? "µs" : "µs/op";
        add(`catime ${key} (${unit})`, reports.map((r) => r.get(key) ?? NaN), 3);
      }
      const taskset = tools.taskset;
      if (taskset !== undefined && navigator.hardwareConcurrency >= 2) {
        console.error("ca_catools_bench: catime synchronous get, pinned to CPUs");
        const pinned = { ...tools, catime, taskset };
        for (const [label, cpu] of [["one CPU", 0], ["two CPUs", 1]] as const) {
          const figures: number[] = [];
          for (const t of targets) figures.push(await pinnedRoundTrip(pinned, t, cpu));
          add(`catime DBR_DOUBLE synch get, ${label} (µs)`, figures, 1);
        }
      }
    }
  } finally {
    await Promise.all(targets.map((t) => t.stop()));
  }
  return rows;
}

async function main(): Promise<void> {
  const caget = findOnPath("caget");
  if (caget === undefined) {
    console.log("CA catools benchmark skipped: caget (EPICS base) is not on PATH");
    return;
  }
  const tools: Tools = {
    caget,
    catime: findOnPath("catime"),
    softIoc: findOnPath("softIoc"),
    taskset: findOnPath("taskset"),
  };
  const rows = await measure(tools);
  console.log(`CA server benchmark (EPICS base catools: ${caget}, loopback)`);
  console.log(ratioTable(rows));
  if (tools.softIoc === undefined) {
    console.log("anchor absent: softIoc (EPICS base) is not on PATH, figures are absolute");
  } else {
    console.log(`ratio = iocsup ÷ softIoc (${tools.softIoc}); lower is better`);
  }
}

if (import.meta.main) await main();
