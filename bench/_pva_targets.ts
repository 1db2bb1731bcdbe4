/**
 * The two pvAccess servers bench/pva_bench.ts compares, serving the same PVs on loopback ports of
 * their own: iocsup's PvaServer (bench/pva_bench_server.ts in its own process, so /proc shows its
 * CPU and memory) and pvxs's `softIocPVX` with equivalent records.
 *
 * @module
 */

import { MANAGER_V8_FLAGS } from "../mod/supervisor/conf_render.ts";
import { join } from "node:path";
import { freeCaPort, freeTcpPort } from "../tests/helpers/ports.ts";
import { JsonLineProcess } from "../tests/helpers/pyepics.ts";
import { waitFor } from "../tests/helpers/wait.ts";

/** What both servers serve: `BENCH:PV:0…pvs-1`, `BENCH:FAN:0…fan-1`, `BENCH:FANON`, `BENCH:SP`. */
export interface PvaBenchPvs {
  /** Read-only doubles `BENCH:PV:<i>` with value i. */
  pvs: number;
  /** Counters `BENCH:FAN:<i>` incremented at 10 Hz while `BENCH:FANON` is non-zero. */
  fan: number;
}

/** A server under benchmark: its pid for /proc, the client environment, and how to stop it. */
export interface PvaTarget {
  /** Name in reports. */
  readonly label: string;
  /** Process id. */
  readonly pid: number;
  /** The environment of a client that should find this server (and no other). */
  readonly clientEnv: Record<string, string>;
  /** The UDP search port. */
  readonly udpPort: number;
  /** Stop the server and remove its files. */
  stop(): Promise<void>;
}

/** The server-side EPICS_PVA* environment: loopback only, private ports. */
function serverEnv(tcpPort: number, udpPort: number): Record<string, string> {
  return {
    EPICS_PVAS_INTF_ADDR_LIST: "127.0.0.1",
    EPICS_PVA_AUTO_ADDR_LIST: "NO",
    EPICS_PVA_ADDR_LIST: "127.0.0.1",
    EPICS_PVA_SERVER_PORT: String(tcpPort),
    EPICS_PVA_BROADCAST_PORT: String(udpPort),
  };
}

/**
 * The environment of a pvAccess client searching only 127.0.0.1 on a UDP port.
 *
 * @param udpPort The server's search port.
 * @returns EPICS_PVA* variables.
 */
export function pvaClientEnv(udpPort: number): Record<string, string> {
  return {
    EPICS_PVA_ADDR_LIST: "127.0.0.1",
    EPICS_PVA_AUTO_ADDR_LIST: "NO",
    EPICS_PVA_BROADCAST_PORT: String(udpPort),
  };
}

/**
 * Start iocsup's PVA server in its own process and wait until it serves.
 *
 * @param pvs What to serve.
 * @returns The running server.
 */
export async function startOursPva(pvs: PvaBenchPvs): Promise<PvaTarget> {
  const udpPort = await freeCaPort();
  const server = new JsonLineProcess(Deno.execPath(), {
    args: [
      "run",
      "-A",
      // As the manager runs (mod/supervisor/conf_render.ts).
      `--v8-flags=${MANAGER_V8_FLAGS}`,
      "--quiet",
      new URL("./pva_bench_server.ts", import.meta.url).pathname,
      "--pvs",
      String(pvs.pvs),
      "--fan",
      String(pvs.fan),
    ],
    env: { ...serverEnv(freeTcpPort(), udpPort), IOCSUP_LOG_LEVEL: "warn" },
    label: "pva_bench_server.ts",
  });
  await server.waitForLine("the bench server", (l) => l.event === "ready", 60_000);
  return {
    label: "iocsup",
    pid: server.pid,
    clientEnv: pvaClientEnv(udpPort),
    udpPort,
    stop: async () => {
      await server.stop();
    },
  };
}

/**
 * The records softIocPVX serves for {@linkcode PvaBenchPvs}: ai for the read-only doubles, ao for
 * the set point, a longout switch, calc counters scanned at 10 Hz and disabled while it is 0.
 *
 * @param pvs What to serve.
 * @returns The database file's text.
 */
export function softIocPvxDb(pvs: PvaBenchPvs): string {
  const lines = [
    `record(longout, "BENCH:FANON") { field(VAL, "0") }`,
    `record(ao, "BENCH:SP") { field(VAL, "0") }`,
  ];
  for (let i = 0; i < pvs.pvs; i++) {
    lines.push(`record(ai, "BENCH:PV:${i}") { field(VAL, "${i}") }`);
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
 * Start pvxs's softIocPVX serving {@linkcode softIocPvxDb} from a temporary directory (its CA
 * server on a private loopback port too), and wait until its TCP port accepts.
 *
 * @param softIocPvx Path of the executable.
 * @param pvs What to serve.
 * @returns The running IOC.
 */
export async function startSoftIocPvx(softIocPvx: string, pvs: PvaBenchPvs): Promise<PvaTarget> {
  const tcpPort = freeTcpPort();
  const udpPort = await freeCaPort();
  const caPort = await freeCaPort();
  const dir = await Deno.makeTempDir({ prefix: "pva_bench_" });
  const db = join(dir, "bench.db");
  await Deno.writeTextFile(db, softIocPvxDb(pvs));
  const child = new Deno.Command(softIocPvx, {
    args: ["-S", "-d", db],
    env: {
      ...serverEnv(tcpPort, udpPort),
      EPICS_CAS_INTF_ADDR_LIST: "127.0.0.1",
      EPICS_CA_SERVER_PORT: String(caPort),
      EPICS_CA_AUTO_ADDR_LIST: "NO",
      EPICS_CA_ADDR_LIST: "127.0.0.1",
    },
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const target: PvaTarget = {
    label: "softIocPVX",
    pid: child.pid,
    clientEnv: pvaClientEnv(udpPort),
    udpPort,
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
  try {
    await waitFor(`softIocPVX on TCP ${tcpPort}`, async () => {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: tcpPort });
      conn.close();
      return true;
    }, { timeoutMs: 30_000 });
  } catch (error) {
    await target.stop();
    throw error;
  }
  return target;
}

/**
 * CPU time a process has used (user + system), from /proc/<pid>/stat.
 *
 * @param pid Process id.
 * @returns Seconds.
 */
export function cpuSeconds(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  // Fields after the command name (which may hold spaces) start at field 3 (state).
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in USER_HZ ticks
}

/**
 * Resident memory of a process, from /proc/<pid>/status.
 *
 * @param pid Process id.
 * @returns MiB.
 */
export function rssMiB(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const kb = Number(status.match(/^VmRSS:\s+(\d+) kB/m)?.[1] ?? NaN);
  return kb / 1024;
}
