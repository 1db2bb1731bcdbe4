/**
 * Channel Access server benchmark with real libca clients (pyepics processes), CA pinned to
 * 127.0.0.1. Measures, for iocsup's CaServer (bench/ca_bench_server.ts, its own process) and — when
 * `softIoc` from EPICS base is on PATH — for softIoc serving the same PVs in the same run:
 *
 * - connect + first get of 1,000 and of 10,000 PVs from one client;
 * - monitor fan-out: 20 clients × 100 PVs updated at 10 Hz for ~10 s, the server's CPU share
 *   (utime+stime from /proc) and the updates the clients found missing;
 * - put → monitor latency p50/p99 from one client;
 * - the server's RSS with 10,000 PVs after a client read all of them 20 times.
 *
 * Prints one table on stdout: our figure, softIoc's and ours ÷ softIoc's (lower is better for all).
 *
 * Usage: deno run -A bench/ca_bench.ts
 *
 * @module
 */
// deno-lint-ignore-file no-console
import { findOnPath, ratioTable, startOurs, startSoftIoc, type Target } from "./_ca_targets.ts";
import { JsonLineProcess, procFigures, runPyScript } from "../tests/helpers/pyepics.ts";

const MANY = 10_000;
const FAN_PVS = 100;
const FAN_CLIENTS = 20;
const FAN_SECONDS = 10;
const LATENCY_SAMPLES = 500;
const READS = 20;
const PVS = { pvs: MANY, fan: FAN_PVS };

/** What one server scored. */
interface Figures {
  connect1k: number;
  connect10k: number;
  fanCpu: number;
  fanLost: number;
  fanReceived: number;
  p50: number;
  p99: number;
  rss10k: number;
}

interface OpResult {
  error?: string;
}

async function put(port: number, pv: string, value: number): Promise<void> {
  const { results } = await runPyScript<{ results: OpResult[] }>("ca_ops.py", {
    port,
    args: [JSON.stringify({ timeout: 30, ops: [{ op: "put", pv, value, wait: true }] })],
  });
  if (results[0]?.error !== undefined) throw new Error(`Cannot put "${pv}": ${results[0].error}`);
}

interface ConnectGet {
  connected: number;
  connectSeconds: number;
  readSeconds: number[];
  unread: number;
}

async function connectGet(port: number, count: number, reads: number): Promise<number> {
  const doc = await runPyScript<ConnectGet>("ca_connect_get.py", {
    port,
    args: ["--prefix", "BENCH:PV:", "--count", String(count), "--reads", String(reads)],
  });
  if (doc.connected !== count || doc.unread !== 0) {
    throw new Error(`Cannot read ${count} PVs: ${JSON.stringify(doc).slice(0, 300)}`);
  }
  return (doc.connectSeconds + (doc.readSeconds[0] ?? 0)) * 1000;
}

async function fanOut(target: Target) {
  await put(target.port, "BENCH:FANON", 1);
  const names = Array.from({ length: FAN_PVS }, (_, i) => `BENCH:FAN:${i}`);
  const clients = Array.from(
    { length: FAN_CLIENTS },
    () =>
      JsonLineProcess.python("ca_monitor.py", {
        port: target.port,
        args: ["--quiet", "--timeout", "60", ...names],
      }),
  );
  try {
    await Promise.all(
      clients.map((c) => c.waitForLine("monitor ready", (l) => l.e === "ready", 90_000)),
    );
    const cpu0 = procFigures(target.pid).cpuSeconds;
    const t0 = performance.now();
    await new Promise((resolve) => setTimeout(resolve, FAN_SECONDS * 1000));
    const cpu = procFigures(target.pid).cpuSeconds - cpu0;
    const wall = (performance.now() - t0) / 1000;
    let lost = 0;
    let received = 0;
    for (const client of clients) {
      const { lines } = await client.stop();
      const end = lines.find((l) => l.e === "end") as
        | { lost: number; counts: Record<string, number> }
        | undefined;
      if (end === undefined) throw new Error(`Monitor client failed:\n${client.stderr}`);
      lost += end.lost;
      received += Object.values(end.counts).reduce((a, b) => a + b, 0);
    }
    return { cpuPercent: (100 * cpu) / wall, lost, received };
  } finally {
    await Promise.all(clients.map((c) => c.kill()));
    await put(target.port, "BENCH:FANON", 0);
  }
}

async function measure(target: Target, label: string): Promise<Figures> {
  console.error(`ca_bench: ${label}: waiting for the server`);
  await put(target.port, "BENCH:SP", 0);
  console.error(`ca_bench: ${label}: connect + get`);
  const connect1k = await connectGet(target.port, 1000, 1);
  const connect10k = await connectGet(target.port, MANY, READS);
  const rss10k = procFigures(target.pid).rssBytes / 2 ** 20;
  console.error(`ca_bench: ${label}: put → monitor latency`);
  const latency = await runPyScript<{ p50Ms: number; p99Ms: number; missed: number }>(
    "ca_latency.py",
    { port: target.port, args: ["--pv", "BENCH:SP", "--samples", String(LATENCY_SAMPLES)] },
  );
  console.error(`ca_bench: ${label}: fan-out ${FAN_CLIENTS} clients × ${FAN_PVS} PVs at 10 Hz`);
  const fan = await fanOut(target);
  return {
    connect1k,
    connect10k,
    fanCpu: fan.cpuPercent,
    fanLost: fan.lost,
    fanReceived: fan.received,
    p50: latency.p50Ms,
    p99: latency.p99Ms,
    rss10k,
  };
}

const ROWS: [keyof Figures, string, number][] = [
  ["connect1k", "connect + get 1,000 PVs (ms)", 1],
  ["connect10k", "connect + get 10,000 PVs (ms)", 0],
  ["fanCpu", `fan-out ${FAN_CLIENTS}×${FAN_PVS} @10 Hz server CPU (% core)`, 1],
  ["fanLost", "fan-out updates lost", 0],
  ["fanReceived", "fan-out updates received", 0],
  ["p50", "put → monitor p50 (ms)", 3],
  ["p99", "put → monitor p99 (ms)", 3],
  ["rss10k", `RSS, 10,000 PVs after ${READS} reads (MiB)`, 1],
];

function table(ours: Figures, anchor: Figures | undefined): string {
  return ratioTable(
    ROWS.map(([key, label, digits]) => ({ label, ours: ours[key], anchor: anchor?.[key], digits })),
  );
}

async function main(): Promise<void> {
  const softIoc = findOnPath("softIoc");
  const ours = await startOurs(PVS);
  let figures: Figures;
  try {
    figures = await measure(ours, "iocsup");
  } finally {
    await ours.stop();
  }
  let anchor: Figures | undefined;
  if (softIoc !== undefined) {
    const ioc = await startSoftIoc(softIoc, PVS);
    try {
      anchor = await measure(ioc, "softIoc");
    } finally {
      await ioc.stop();
    }
  }
  console.log(`CA server benchmark (pyepics/libca clients, loopback)`);
  console.log(table(figures, anchor));
  if (anchor === undefined) {
    console.log("anchor absent: softIoc (EPICS base) is not on PATH, figures are absolute");
  } else {
    console.log(`ratio = iocsup ÷ softIoc (${softIoc}); lower is better`);
  }
}

if (import.meta.main) await main();
