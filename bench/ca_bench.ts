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
import { delimiter, join } from "node:path";
import { caLoopbackEnv } from "../tests/helpers/ca_env.ts";
import { freeCaPort } from "../tests/helpers/ports.ts";
import {
  JsonLineProcess,
  procFigures,
  pyClientEnv,
  runPyScript,
} from "../tests/helpers/pyepics.ts";

const MANY = 10_000;
const FAN_PVS = 100;
const FAN_CLIENTS = 20;
const FAN_SECONDS = 10;
const LATENCY_SAMPLES = 500;
const READS = 20;

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

/** A server under benchmark: its CA port, its pid for /proc, and how to stop it. */
interface Target {
  port: number;
  pid: number;
  stop(): Promise<void>;
}

async function startOurs(): Promise<Target> {
  const port = await freeCaPort();
  const server = new JsonLineProcess(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--quiet",
      new URL("./ca_bench_server.ts", import.meta.url).pathname,
      "--pvs",
      String(MANY),
      "--fan",
      String(FAN_PVS),
    ],
    env: { ...caLoopbackEnv(port), IOCSUP_LOG_LEVEL: "warn" },
    label: "ca_bench_server.ts",
  });
  await server.waitForLine("the bench server", (l) => l.event === "ready", 60_000);
  return {
    port,
    pid: server.pid,
    stop: async () => {
      await server.stop();
    },
  };
}

/** The same PVs as bench/ca_bench_server.ts, as records. */
function softIocDb(): string {
  const lines = [
    `record(longout, "BENCH:FANON") { field(VAL, "0") }`,
    `record(ao, "BENCH:SP") { field(VAL, "0") }`,
  ];
  for (let i = 0; i < MANY; i++) lines.push(`record(ao, "BENCH:PV:${i}") { field(VAL, "${i}") }`);
  for (let i = 0; i < FAN_PVS; i++) {
    lines.push(
      `record(calc, "BENCH:FAN:${i}") { field(SCAN, ".1 second") field(SDIS, "BENCH:FANON") ` +
        `field(DISV, "0") field(INPA, "BENCH:FAN:${i} NPP") field(CALC, "A+1") }`,
    );
  }
  return lines.join("\n") + "\n";
}

async function startSoftIoc(softIoc: string): Promise<Target> {
  const port = await freeCaPort();
  const dir = await Deno.makeTempDir({ prefix: "ca_bench_" });
  const db = join(dir, "bench.db");
  await Deno.writeTextFile(db, softIocDb());
  const child = new Deno.Command(softIoc, {
    args: ["-S", "-d", db],
    env: pyClientEnv(port),
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  return {
    port,
    pid: child.pid,
    stop: async () => {
      child.kill("SIGTERM");
      await child.status;
      await Deno.remove(dir, { recursive: true });
    },
  };
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

function findOnPath(name: string): string | undefined {
  for (const dir of (Deno.env.get("PATH") ?? "").split(delimiter)) {
    try {
      const path = join(dir, name);
      if (Deno.statSync(path).isFile) return path;
    } catch {
      // Not in this directory.
    }
  }
  return undefined;
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
  const header = ["metric", "iocsup", anchor ? "softIoc" : "", anchor ? "ratio" : ""];
  const rows = ROWS.map(([key, label, digits]) => {
    const mine = ours[key];
    const theirs = anchor?.[key];
    const ratio = theirs === undefined
      ? ""
      : theirs === 0
      ? (mine === 0 ? "1.00" : "-")
      : (mine / theirs).toFixed(2);
    return [label, mine.toFixed(digits), theirs?.toFixed(digits) ?? "", ratio];
  });
  const widths = header.map((_, c) => Math.max(...[header, ...rows].map((r) => r[c]?.length ?? 0)));
  return [header, ...rows]
    .map((r) =>
      r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0)))
        .join("  ").trimEnd()
    )
    .join("\n");
}

async function main(): Promise<void> {
  const softIoc = findOnPath("softIoc");
  const ours = await startOurs();
  let figures: Figures;
  try {
    figures = await measure(ours, "iocsup");
  } finally {
    await ours.stop();
  }
  let anchor: Figures | undefined;
  if (softIoc !== undefined) {
    const ioc = await startSoftIoc(softIoc);
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
