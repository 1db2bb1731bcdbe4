/**
 * The two CA servers the CA benchmarks compare, serving the same PVs on loopback: iocsup's CaServer
 * (bench/ca_bench_server.ts in its own process, so /proc shows its CPU and memory) and EPICS base's
 * `softIoc` with equivalent records, and the ratio table.
 *
 * @module
 */

import { MANAGER_V8_FLAGS } from "../mod/supervisor/conf_render.ts";
import { join } from "node:path";
import { caLoopbackEnv } from "../tests/helpers/ca_env.ts";
import { freeCaPort } from "../tests/helpers/ports.ts";
import { JsonLineProcess, pyClientEnv } from "../tests/helpers/pyepics.ts";

export { findOnPath } from "../tests/helpers/epics_base.ts";

/** What both servers serve: `BENCH:PV:0…pvs-1`, `BENCH:FAN:0…fan-1`, `BENCH:FANON`, `BENCH:SP`. */
export interface BenchPvs {
  /** Read-only doubles `BENCH:PV:<i>` with value i. */
  pvs: number;
  /** Counters `BENCH:FAN:<i>` incremented at 10 Hz while `BENCH:FANON` is non-zero. */
  fan: number;
}

/** A server under benchmark: its CA port, its pid for /proc, and how to stop it. */
export interface Target {
  /** UDP and TCP port. */
  readonly port: number;
  /** Process id. */
  readonly pid: number;
  /** Stop the server and remove its files. */
  stop(): Promise<void>;
}

/**
 * Start iocsup's CA server in its own process and wait until it serves.
 *
 * @param pvs What to serve.
 * @returns The running server.
 */
export async function startOurs(pvs: BenchPvs): Promise<Target> {
  const port = await freeCaPort();
  const server = new JsonLineProcess(Deno.execPath(), {
    args: [
      "run",
      "-A",
      // As the manager runs (mod/supervisor/conf_render.ts).
      `--v8-flags=${MANAGER_V8_FLAGS}`,
      "--quiet",
      new URL("./ca_bench_server.ts", import.meta.url).pathname,
      "--pvs",
      String(pvs.pvs),
      "--fan",
      String(pvs.fan),
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

/**
 * The records softIoc serves for {@linkcode BenchPvs}: ao for doubles, a longout switch, calc
 * counters scanned at 10 Hz and disabled while the switch is 0.
 *
 * @param pvs What to serve.
 * @returns The database file's text.
 */
export function softIocDb(pvs: BenchPvs): string {
  const lines = [
    `record(longout, "BENCH:FANON") { field(VAL, "0") }`,
    `record(ao, "BENCH:SP") { field(VAL, "0") }`,
  ];
  for (let i = 0; i < pvs.pvs; i++) {
    lines.push(`record(ao, "BENCH:PV:${i}") { field(VAL, "${i}") }`);
  }
  for (let i = 0; i < pvs.fan; i++) {
    lines.push(
      `record(calc, "BENCH:FAN:${i}") { field(SCAN, ".1 second") field(SDIS, "BENCH:FANON") ` +
        `field(DISV, "0") field(INPA, "BENCH:FAN:${i} NPP") field(CALC, "A+1") }`,
    );
  }
  return lines.join("\n") + "\n";
}

/**
 * Start EPICS base's softIoc serving {@linkcode softIocDb} from a temporary directory, and wait
 * until it answers a search.
 *
 * @param softIoc Path of the softIoc executable.
 * @param pvs What to serve.
 * @returns The running IOC.
 */
export async function startSoftIoc(softIoc: string, pvs: BenchPvs): Promise<Target> {
  const port = await freeCaPort();
  const dir = await Deno.makeTempDir({ prefix: "ca_bench_" });
  const db = join(dir, "bench.db");
  await Deno.writeTextFile(db, softIocDb(pvs));
  const child = new Deno.Command(softIoc, {
    args: ["-S", "-d", db],
    env: pyClientEnv(port),
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const target: Target = {
    port,
    pid: child.pid,
    stop: async () => {
      try {
        child.kill("SIGTERM");
      } catch {
        // Already exited.
      }
      await child.status;
      await Deno.remove(dir, { recursive: true });
    },
  };
  return target;
}

/** One row of a comparison: a label, our figure and the anchor's (absent without softIoc). */
export interface Row {
  /** What was measured, with its unit. */
  label: string;
  /** iocsup's figure. */
  ours: number;
  /** softIoc's figure from the same run. */
  anchor: number | undefined;
  /** Decimals to print. */
  digits: number;
}

/**
 * An aligned table of figures and ratios (ours ÷ the anchor's).
 *
 * @param rows The rows.
 * @param anchorName The anchor's column title. @default "softIoc"
 * @returns The table text, without a final newline.
 */
export function ratioTable(rows: readonly Row[], anchorName = "softIoc"): string {
  const withAnchor = rows.some((r) => r.anchor !== undefined);
  const header = ["metric", "iocsup", withAnchor ? anchorName : "", withAnchor ? "ratio" : ""];
  const cells = rows.map(({ label, ours, anchor, digits }) => {
    const ratio = anchor === undefined
      ? ""
      : anchor === 0
      ? (ours === 0 ? "1.00" : "-")
      : (ours / anchor).toFixed(2);
    return [label, ours.toFixed(digits), anchor?.toFixed(digits) ?? "", ratio];
  });
  const widths = header.map((_, c) =>
    Math.max(...[header, ...cells].map((r) => r[c]?.length ?? 0))
  );
  return [header, ...cells]
    .map((r) =>
      r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0)))
        .join("  ").trimEnd()
    )
    .join("\n");
}
