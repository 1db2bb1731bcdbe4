/**
 * What an idle CA connection costs the server, and whether the memory comes back. Opens N raw TCP
 * connections (N = 1,000, 2,000, 4,000) to a CaServer in its own process
 * (bench/ca_conn_bench_server.ts), each sending VERSION + CLIENT_NAME + HOST_NAME as libca does and
 * reading the server's VERSION, waits until they have been quiet for 11 s (the server releases a
 * quiet connection's buffers on its second 5 s watchdog tick) and reads the server's RSS from
 * /proc after a full GC: bytes per idle connection = (RSS with N open − RSS before) / N. Then runs rounds of 4,000 connections that
 * come and go and prints RSS after each, against the RSS at start.
 *
 * Anchor: the same figures for a bare Deno TCP server (accept, 16-byte greeting, one 1 KiB read
 * pending per connection) in the same run — the floor any Deno server pays; the ratio column is
 * ours ÷ bare. CA is on 127.0.0.1 only.
 *
 * Usage: deno run -A bench/ca_conn_bench.ts
 *
 * @module
 */
// deno-lint-ignore-file no-console
import { caLoopbackEnv } from "../tests/helpers/ca_env.ts";
import { freeCaPort } from "../tests/helpers/ports.ts";
import { JsonLineProcess, procFigures } from "../tests/helpers/pyepics.ts";
import { findOnPath, startSoftIoc } from "./_ca_targets.ts";

const COUNTS = [1000, 2000, 4000];
const ROUNDS = 3;
const ROUND_SIZE = 4000;
const IDLE_MS = 15_000;
/** After the last GC, one server watchdog tick and a margin. */
const TRIM_WAIT_MS = 6_000;
/** How long connections stay quiet before their memory is measured. */
const QUIET_MS = 11_000;

/** VERSION (minor 13), CLIENT_NAME "bench", HOST_NAME "localhost", as libca pipelines them. */
function handshake(): Uint8Array {
  const out = new Uint8Array(16 + 16 + 8 + 16 + 16);
  const v = new DataView(out.buffer);
  v.setUint16(6, 13);
  v.setUint16(16, 20);
  v.setUint16(18, 8);
  out.set(new TextEncoder().encode("bench"), 32);
  v.setUint16(40, 21);
  v.setUint16(42, 16);
  out.set(new TextEncoder().encode("localhost"), 56);
  return out;
}

/** glibc malloc tuning passed through to the server (to compare; the default is none). */
function mallocEnv(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(Deno.env.toObject())) {
    if (k.startsWith("MALLOC_") || k.startsWith("GLIBC_TUNABLES")) out[k] = v;
  }
  return out;
}

/** A server process under measurement. */
interface Server {
  proc: JsonLineProcess;
  tcpPort: number;
  pid: number;
  /** Full GCs requested so far. */
  gcs: number;
}

async function startServer(bare: boolean): Promise<Server> {
  const port = await freeCaPort();
  const proc = new JsonLineProcess(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--quiet",
      "--v8-flags=--expose-gc",
      new URL("./ca_conn_bench_server.ts", import.meta.url).pathname,
      ...(bare ? ["--bare"] : ["--max", String(ROUND_SIZE * 2)]),
    ],
    env: { ...caLoopbackEnv(port), IOCSUP_LOG_LEVEL: "warn", ...mallocEnv() },
    label: "ca_conn_bench_server.ts",
  });
  const ready = await proc.waitForLine("the server", (l) => l.event === "ready", 60_000);
  return { proc, tcpPort: Number(ready.tcpPort), pid: Number(ready.pid), gcs: 0 };
}

/** Memory of the server after a full GC, in bytes. */
interface Memory {
  /** Resident set size. */
  rss: number;
  /** V8 heap in use (JS objects). */
  heap: number;
  /** ArrayBuffer backing stores (buffers). */
  external: number;
}

/** Memory of the server after a full GC. */
async function settled(server: Server): Promise<Memory> {
  const n = ++server.gcs;
  await server.proc.send("gc");
  const gcLines = () => server.proc.lines.filter((x) => x.event === "gc");
  await server.proc.waitForLine("the GC", () => gcLines().length >= n);
  const line = gcLines()[n - 1]!;
  return {
    rss: procFigures(server.pid).rssBytes,
    heap: Number(line.heapUsed),
    external: Number(line.external),
  };
}

/** Open `n` connections that did the handshake and got the server's greeting. */
async function openIdle(port: number, n: number): Promise<Deno.TcpConn[]> {
  const bytes = handshake();
  const conns: Deno.TcpConn[] = [];
  const batch = 200;
  for (let i = 0; i < n; i += batch) {
    const opened = await Promise.all(
      Array.from({ length: Math.min(batch, n - i) }, async () => {
        const conn = await Deno.connect({ hostname: "127.0.0.1", port });
        await conn.write(bytes);
        const greeting = new Uint8Array(16);
        let got = 0;
        while (got < 16) {
          const r = await conn.read(greeting.subarray(got));
          if (r === null) throw new Error("Server closed a connection during the handshake");
          got += r;
        }
        return conn;
      }),
    );
    conns.push(...opened);
  }
  return conns;
}

async function closeAll(conns: Deno.TcpConn[]): Promise<void> {
  for (const c of conns) c.close();
  // Let the server see every EOF.
  await new Promise((r) => setTimeout(r, 500));
}

/** Figures of one server. */
interface Figures {
  start: number;
  /** Bytes per idle connection by N: RSS, V8 heap and buffers. */
  perConn: Map<number, Memory>;
  rounds: number[];
  /** RSS after the rounds and {@linkcode IDLE_MS} without clients. */
  idle: number;
}

async function measure(bare: boolean): Promise<Figures> {
  const server = await startServer(bare);
  try {
    const start = (await settled(server)).rss;
    const perConn = new Map<number, Memory>();
    for (const n of COUNTS) {
      // Both states measured after the same quiet time: V8 shrinks its heap seconds after a burst.
      await new Promise((r) => setTimeout(r, QUIET_MS));
      const before = await settled(server);
      const conns = await openIdle(server.tcpPort, n);
      // The server gives a quiet connection's buffers back on its second 5 s watchdog tick.
      await new Promise((r) => setTimeout(r, QUIET_MS));
      const open = await settled(server);
      perConn.set(n, {
        rss: (open.rss - before.rss) / n,
        heap: (open.heap - before.heap) / n,
        external: (open.external - before.external) / n,
      });
      await closeAll(conns);
    }
    const rounds: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const conns = await openIdle(server.tcpPort, ROUND_SIZE);
      await closeAll(conns);
      rounds.push((await settled(server)).rss);
    }
    // V8 gives its grown heap back some seconds after a burst (its memory reducer), not at once.
    await new Promise((r) => setTimeout(r, IDLE_MS));
    await settled(server);
    // The server hands freed heap back to the OS on its quiet watchdog ticks (5 s apart).
    await new Promise((r) => setTimeout(r, TRIM_WAIT_MS));
    const idle = procFigures(server.pid).rssBytes;
    return { start, perConn, rounds, idle };
  } finally {
    await server.proc.stop();
  }
}

/**
 * RSRV's bytes per idle connection (softIoc, when on PATH): the figure the issue asks us to come
 * near. No GC to wait for; RSS after the same quiet time.
 */
async function measureRsrv(softIoc: string, n: number): Promise<number> {
  const target = await startSoftIoc(softIoc, { pvs: 1, fan: 0 });
  try {
    await new Promise((r) => setTimeout(r, 2000));
    const before = procFigures(target.pid).rssBytes;
    const conns = await openIdle(target.port, n);
    await new Promise((r) => setTimeout(r, 2000));
    const open = procFigures(target.pid).rssBytes;
    await closeAll(conns);
    return (open - before) / n;
  } finally {
    await target.stop();
  }
}

function row(label: string, ours: number, anchor: number, digits = 0): string[] {
  const ratio = anchor > 0 ? (ours / anchor).toFixed(2) : "-";
  return [label, ours.toFixed(digits), anchor.toFixed(digits), ratio];
}

async function main(): Promise<void> {
  console.error("ca_conn_bench: measuring CaServer");
  const ours = await measure(false);
  console.error("ca_conn_bench: measuring the bare Deno TCP server (anchor)");
  const bare = await measure(true);
  const mib = 2 ** 20;
  const rows = [
    ["metric", "CaServer", "bare Deno", "ratio"],
    row("RSS at start (MiB)", ours.start / mib, bare.start / mib, 1),
    ...COUNTS.flatMap((n) => {
      const o = ours.perConn.get(n)!;
      const b = bare.perConn.get(n)!;
      return [
        row(`bytes per idle connection (RSS), N=${n}`, o.rss, b.rss),
        row(`  of which V8 heap`, o.heap, b.heap),
        row(`  of which buffers`, o.external, b.external),
      ];
    }),
    ...ours.rounds.map((rss, i) =>
      row(
        `RSS after round ${i + 1} of ${ROUND_SIZE} come-and-go (MiB)`,
        rss / mib,
        bare.rounds[i]! / mib,
        1,
      )
    ),
    row(
      `RSS ${(IDLE_MS + TRIM_WAIT_MS) / 1000} s later, no clients (MiB)`,
      ours.idle / mib,
      bare.idle / mib,
      1,
    ),
    row("RSS then ÷ RSS at start", ours.idle / ours.start, bare.idle / bare.start, 2),
  ];
  const softIoc = findOnPath("softIoc");
  if (softIoc) {
    console.error("ca_conn_bench: measuring softIoc (RSRV)");
    const n = COUNTS[COUNTS.length - 1]!;
    rows.push(
      row(
        `RSRV bytes per idle connection, N=${n}`,
        ours.perConn.get(n)!.rss,
        await measureRsrv(softIoc, n),
      ),
    );
  } else {
    console.error("ca_conn_bench: softIoc not on PATH: no RSRV figure");
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  console.log("CA idle-connection benchmark (raw TCP clients, loopback; RSS after a full GC)");
  for (const r of rows) {
    console.log(
      r.map((cell, c) => c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)).join("  "),
    );
  }
}

if (import.meta.main) await main();
