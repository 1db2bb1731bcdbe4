/**
 * pvAccess server benchmark with pvxs's own C++ clients (`pvxget`, `pvxmonitor`, `pvxput`), run
 * only when they are on PATH. iocsup's PvaServer (bench/pva_bench_server.ts) and — when
 * `softIocPVX` is on PATH too — softIocPVX serving the same PVs, in the same run, on loopback:
 *
 * - `pvxget` of 10,000 PVs in one process (connect + get): median wall time and median server CPU
 *   time (/proc utime + stime) over 20 runs, the servers taking turns so that load on the machine
 *   hits both alike; the server's RSS after those 20 full reads, and the most it had after any
 *   of them (the last figure depends on when the garbage collector last ran);
 * - put → monitor latency, p50 and p99: our PvaClient (the same client for both servers) puts
 *   `BENCH:SP` and waits for its monitor to deliver the value;
 * - monitor fan-out: 20 `pvxmonitor` processes × the 100 `BENCH:FAN:*` counters, posted at
 *   10 Hz for 10 s: the server's CPU share over that time and the updates lost (counter values
 *   the clients never received).
 *
 * Prints one table on stdout: our figure, softIocPVX's and ours ÷ softIocPVX's (lower is better).
 *
 * Usage: deno run -A bench/pva_bench.ts [reads] [latency] [fan] (default: all three parts)
 *
 * @module
 */
// deno-lint-ignore-file no-console
import { join } from "node:path";
import { PvaClient } from "../mod/pva/client/mod.ts";
import { findOnPath, ratioTable, type Row } from "./_ca_targets.ts";
import {
  cpuSeconds,
  type PvaBenchPvs,
  type PvaTarget,
  rssMiB,
  startOursPva,
  startSoftIocPvx,
} from "./_pva_targets.ts";

const PVS: PvaBenchPvs = { pvs: 10_000, fan: 100 };
const READS = 20;
const FAN_CLIENTS = 20;
const FAN_SECONDS = 10;
const LATENCY_WARMUP = 50;
const LATENCY_SAMPLES = 1000;

/** The pvxs tools found on PATH. */
interface Tools {
  pvxget: string;
  pvxmonitor: string;
  pvxput: string;
  softIocPvx: string | undefined;
}

function names(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${i}`);
}

/** Run a pvxs tool against a server; stdout is returned, a failure throws with its stderr. */
async function runTool(
  path: string,
  args: string[],
  target: PvaTarget,
  stdout: "piped" | "null" = "piped",
): Promise<string> {
  const out = await new Deno.Command(path, {
    args,
    env: target.clientEnv,
    stdin: "null",
    stdout,
    stderr: "piped",
  }).output();
  const text = stdout === "piped" ? new TextDecoder().decode(out.stdout) : "";
  if (!out.success) {
    const err = new TextDecoder().decode(out.stderr);
    throw new Error(`Cannot run "${path}" (exit ${out.code}): ${(err + text).slice(0, 500)}`);
  }
  return text;
}

/** Wait until a freshly started server answers a get. */
async function waitServing(pvxget: string, target: PvaTarget): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await runTool(pvxget, ["-w", "1", "BENCH:SP"], target);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
  }
}

function median(xs: readonly number[]): number {
  return percentile(xs, 0.5);
}

function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const at = (s.length - 1) * p;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return s[lo]! + (s[hi]! - s[lo]!) * (at - lo);
}

/**
 * The `value` of each PV in pvxget / pvxmonitor's default (tree) output, in order of appearance.
 *
 * @param text The tool's stdout.
 * @returns One `[name, value]` per update.
 */
export function parseValues(text: string): [string, number][] {
  const out: [string, number][] = [];
  let name = "";
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith(" ")) {
      const m = line.match(/^ {4}value \S+ = (\S+)$/);
      if (m && name !== "") out.push([name, Number(m[1])]);
    } else {
      // A PV name line; pvxmonitor also prints "NAME Connected to …" / "NAME Disconnected".
      name = line.includes(" ") ? "" : line;
    }
  }
  return out;
}

/** Figures of the 10,000-PV reads of one server. */
interface ReadFigures {
  wallMs: number;
  serverCpuMs: number;
  rssMiB: number;
  /** The largest RSS seen after any of the reads (the last one depends on when a GC ran). */
  maxRssMiB: number;
  /** RSS once the server was idle for SETTLE_MS after the last read. */
  settledRssMiB: number;
}

/** Two of the server's 5 s watchdog ticks and a margin: what a burst leaves once it is over. */
const SETTLE_MS = 11_000;

/** pvxget of every PV, READS times per server, servers taking turns. */
async function reads(pvxget: string, targets: PvaTarget[]): Promise<ReadFigures[]> {
  const args = ["-w", "30", ...names("BENCH:PV:", PVS.pvs)];
  // Check once that every PV arrives (a run that silently misses PVs would be fast).
  for (const t of targets) {
    const got = parseValues(await runTool(pvxget, args, t)).length;
    if (got !== PVS.pvs) throw new Error(`${t.label}: pvxget returned ${got} of ${PVS.pvs} PVs`);
  }
  const walls = targets.map(() => [] as number[]);
  const cpus = targets.map(() => [] as number[]);
  const rss = targets.map(() => [] as number[]);
  for (let r = 0; r < READS; r++) {
    for (const [i, t] of targets.entries()) {
      const cpu0 = cpuSeconds(t.pid);
      const started = performance.now();
      await runTool(pvxget, args, t, "null");
      walls[i]!.push(performance.now() - started);
      cpus[i]!.push((cpuSeconds(t.pid) - cpu0) * 1000);
      rss[i]!.push(rssMiB(t.pid));
    }
  }
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  return targets.map((t, i) => ({
    wallMs: median(walls[i]!),
    serverCpuMs: median(cpus[i]!),
    rssMiB: rss[i]!.at(-1)!,
    maxRssMiB: Math.max(...rss[i]!),
    settledRssMiB: rssMiB(t.pid),
  }));
}

/** put → monitor latency percentiles (ms) with our client. */
async function putMonitorLatency(target: PvaTarget): Promise<{ p50: number; p99: number }> {
  const client = new PvaClient({
    addrList: "127.0.0.1",
    autoAddrList: false,
    broadcastPort: target.udpPort,
  });
  try {
    let waiting: { value: number; resolve: () => void } | undefined;
    let first: () => void = () => {};
    const connected = new Promise<void>((resolve) => first = resolve);
    const monitor = client.monitor("BENCH:SP", (v) => {
      first();
      if (waiting !== undefined && v.value === waiting.value) waiting.resolve();
    });
    await connected;
    const samples: number[] = [];
    for (let i = 1; i <= LATENCY_WARMUP + LATENCY_SAMPLES; i++) {
      const arrived = new Promise<void>((resolve) => waiting = { value: i, resolve });
      const started = performance.now();
      const put = client.put("BENCH:SP", i);
      await arrived;
      const ms = performance.now() - started;
      await put;
      if (i > LATENCY_WARMUP) samples.push(ms);
    }
    monitor.cancel();
    return { p50: percentile(samples, 0.5), p99: percentile(samples, 0.99) };
  } finally {
    await client.close();
  }
}

/** Figures of the fan-out of one server. */
interface FanFigures {
  cpuShare: number;
  lost: number;
  received: number;
}

/** 20 pvxmonitor processes × 100 counters at 10 Hz for FAN_SECONDS. */
async function fanOut(tools: Tools, target: PvaTarget): Promise<FanFigures> {
  const dir = await Deno.makeTempDir({ prefix: "pva_bench_fan_" });
  const fanNames = names("BENCH:FAN:", PVS.fan);
  const files = Array.from({ length: FAN_CLIENTS }, (_, i) => join(dir, `mon${i}.txt`));
  // Output goes straight to files: reading 20 pipes would load the machine the servers share.
  const monitors = files.map((file) =>
    new Deno.Command("/bin/sh", {
      args: ["-c", `exec "$0" "$@" > "${file}" 2>&1`, tools.pvxmonitor, ...fanNames],
      env: target.clientEnv,
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn()
  );
  try {
    // pvxmonitor's output to a file is block-buffered: wait for the first block of each client,
    // then give all of them time to connect (each one's PV count is checked at the end).
    const deadline = Date.now() + 60_000;
    while (!files.every((f) => readOrEmpty(f).length > 0)) {
      if (Date.now() > deadline) throw new Error(`${target.label}: monitors did not connect`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const cpu0 = cpuSeconds(target.pid);
    const started = performance.now();
    await runTool(tools.pvxput, ["BENCH:FANON", "1"], target);
    await new Promise((resolve) => setTimeout(resolve, FAN_SECONDS * 1000));
    await runTool(tools.pvxput, ["BENCH:FANON", "0"], target);
    const cpuShare = (cpuSeconds(target.pid) - cpu0) / ((performance.now() - started) / 1000);
    await new Promise((resolve) => setTimeout(resolve, 1000)); // let the last updates arrive
    await stopAll(monitors); // flushes their output
    const last = new Map(
      parseValues(await runTool(tools.pvxget, ["-r", "field(value)", ...fanNames], target)),
    );
    let lost = 0;
    let received = 0;
    for (const file of files) {
      const seen = new Map<string, Set<number>>();
      for (const [name, value] of parseValues(readOrEmpty(file))) {
        let set = seen.get(name);
        if (set === undefined) seen.set(name, set = new Set());
        set.add(value);
      }
      if (seen.size !== PVS.fan) {
        throw new Error(`${target.label}: a pvxmonitor got ${seen.size} of ${PVS.fan} PVs`);
      }
      for (const [name, set] of seen) {
        // Counter values from the first one this client saw up to the last one posted.
        const posted = (last.get(name) ?? 0) - Math.min(...set);
        received += set.size - 1;
        lost += Math.max(0, posted - (set.size - 1));
      }
    }
    return { cpuShare, lost, received };
  } finally {
    await stopAll(monitors);
    await Deno.remove(dir, { recursive: true });
  }
}

async function stopAll(children: Deno.ChildProcess[]): Promise<void> {
  for (const child of children) {
    try {
      child.kill("SIGTERM");
    } catch {
      // Already exited.
    }
  }
  await Promise.all(children.map((c) => c.status));
}

function readOrEmpty(file: string): string {
  try {
    return Deno.readTextFileSync(file);
  } catch {
    return "";
  }
}

async function measure(tools: Tools, parts: ReadonlySet<string>): Promise<Row[]> {
  const targets: PvaTarget[] = [];
  const rows: Row[] = [];
  const add = (label: string, figures: number[], digits: number) => {
    rows.push({ label, ours: figures[0]!, anchor: figures[1], digits });
    console.error(`pva_bench: ${label}: ${figures.map((f) => f.toFixed(digits)).join(" / ")}`);
  };
  try {
    targets.push(await startOursPva(PVS));
    if (tools.softIocPvx !== undefined) targets.push(await startSoftIocPvx(tools.softIocPvx, PVS));
    for (const t of targets) await waitServing(tools.pvxget, t);

    if (parts.has("reads")) {
      console.error(`pva_bench: pvxget of ${PVS.pvs} PVs, ${READS} times per server`);
      const read = await reads(tools.pvxget, targets);
      add(`pvxget ${PVS.pvs} PVs: wall (ms)`, read.map((r) => r.wallMs), 0);
      add(`pvxget ${PVS.pvs} PVs: server CPU (ms)`, read.map((r) => r.serverCpuMs), 0);
      add(`server RSS after ${READS} full reads (MiB)`, read.map((r) => r.rssMiB), 1);
      add(`server RSS, most after any read (MiB)`, read.map((r) => r.maxRssMiB), 1);
      add(
        `server RSS ${SETTLE_MS / 1000} s after the last read (MiB)`,
        read.map((r) => r.settledRssMiB),
        1,
      );
    }
    if (parts.has("latency")) {
      console.error("pva_bench: put → monitor latency");
      const latency = [];
      for (const t of targets) latency.push(await putMonitorLatency(t));
      add("put → monitor latency p50 (ms)", latency.map((l) => l.p50), 3);
      add("put → monitor latency p99 (ms)", latency.map((l) => l.p99), 3);
    }
    if (parts.has("fan")) {
      console.error(`pva_bench: fan-out ${FAN_CLIENTS} pvxmonitor × ${PVS.fan} PVs at 10 Hz`);
      const fan = [];
      for (const t of targets) fan.push(await fanOut(tools, t));
      add(
        `fan-out ${FAN_CLIENTS}×${PVS.fan} at 10 Hz: server CPU (%)`,
        fan.map((f) => f.cpuShare * 100),
        1,
      );
      add(`fan-out: updates received`, fan.map((f) => f.received), 0);
      add(`fan-out: updates lost`, fan.map((f) => f.lost), 0);
    }
  } finally {
    await Promise.all(targets.map((t) => t.stop()));
  }
  return rows;
}

async function main(): Promise<void> {
  const pvxget = findOnPath("pvxget");
  const pvxmonitor = findOnPath("pvxmonitor");
  const pvxput = findOnPath("pvxput");
  if (pvxget === undefined || pvxmonitor === undefined || pvxput === undefined) {
    console.log("PVA benchmark skipped: pvxget, pvxmonitor and pvxput (pvxs) are not all on PATH");
    return;
  }
  const tools: Tools = { pvxget, pvxmonitor, pvxput, softIocPvx: findOnPath("softIocPVX") };
  const all = ["reads", "latency", "fan"];
  const unknown = Deno.args.filter((a) => !all.includes(a));
  if (unknown.length > 0) {
    console.error(`pva_bench: unknown part "${unknown[0]}" (parts: ${all.join(", ")})`);
    Deno.exit(2);
  }
  const rows = await measure(tools, new Set(Deno.args.length > 0 ? Deno.args : all));
  console.log(`PVA server benchmark (pvxs clients: ${pvxget}, loopback)`);
  console.log(ratioTable(rows, "softIocPVX"));
  if (tools.softIocPvx === undefined) {
    console.log("anchor absent: softIocPVX (pvxs) is not on PATH, figures are absolute");
  } else {
    console.log(`ratio = iocsup ÷ softIocPVX (${tools.softIocPvx}); lower is better`);
  }
}

if (import.meta.main) await main();
