/**
 * Settings of a `PvaClient`: its options, with the EPICS_PVA_* environment as fallback (§0), and
 * the search destinations they name.
 *
 * @module
 */

import os from "node:os";
import { getLogger } from "../../log.ts";

const log = getLogger("pva-client");

/** Options of `PvaClient`; each overrides its environment variable. */
export interface PvaClientOptions {
  /** Search destinations, space-separated `host[:port]` (EPICS_PVA_ADDR_LIST). */
  addrList?: string | undefined;
  /** Also search the broadcast address of every interface (EPICS_PVA_AUTO_ADDR_LIST != "NO"). */
  autoAddrList?: boolean;
  /** UDP port for entries without one (EPICS_PVA_BROADCAST_PORT). @default 5076 */
  broadcastPort?: number;
  /** Period of the keepalive ECHO, ms (pvxs: min(15, EPICS_PVA_CONN_TMO × 3/8) s). @default 15000 */
  echoPeriodMs?: number;
  /** Silence after which a connection counts as dead, ms (EPICS_PVA_CONN_TMO × 4/3). @default 40000 */
  idleTimeoutMs?: number;
  /** Longest gap between two searches for a missing name, ms. @default 5000 */
  maxSearchPeriodMs?: number;
  /** Environment to read instead of the process environment. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** A search destination. */
export interface SearchTarget {
  /** IPv4 address or host name. */
  host: string;
  /** UDP port. */
  port: number;
  /** Whether searches to it carry the unicast flag (§3.2): not a broadcast address. */
  unicast: boolean;
}

/** Client settings with every default applied. */
export interface PvaClientConfig {
  /** Where to send searches. */
  targets: SearchTarget[];
  /** Keepalive ECHO period, ms. */
  echoPeriodMs: number;
  /** Silence after which a connection is dropped, ms. */
  idleTimeoutMs: number;
  /** Longest gap between two searches for one name, ms. */
  maxSearchPeriodMs: number;
}

/**
 * Apply the environment and the defaults to client options.
 *
 * @param options The options given to the client.
 * @returns The settings; a bad address list entry is logged and skipped.
 * @example Usage
 * ```ts
 * import { pvaClientConfig } from "./_config.ts";
 * pvaClientConfig({ addrList: "127.0.0.1 127.255.255.255:5080", autoAddrList: false, env: {} }).targets;
 * // [{ host: "127.0.0.1", port: 5076, unicast: true }, { host: "127.255.255.255", port: 5080, unicast: false }]
 * ```
 */
export function pvaClientConfig(options: PvaClientOptions): PvaClientConfig {
  const env = options.env ?? Deno.env.toObject();
  const port = options.broadcastPort ?? envNumber(env.EPICS_PVA_BROADCAST_PORT) ?? 5076;
  const broadcasts = broadcastAddresses();
  const targets: SearchTarget[] = [];
  for (const entry of (options.addrList ?? env.EPICS_PVA_ADDR_LIST ?? "").split(/\s+/)) {
    if (entry === "") continue;
    const [host, p] = entry.split(":");
    const n = p === undefined ? port : Number(p);
    if (!host || !Number.isInteger(n) || n <= 0 || n > 65535) {
      log.warn(`Cannot use PVA address "${entry}": expected host[:port]`);
      continue;
    }
    targets.push({ host, port: n, unicast: !isBroadcast(host, broadcasts) });
  }
  // EPICS_PVA_AUTO_ADDR_LIST is YES unless it says NO, as in pvxs.
  const auto = options.autoAddrList ??
    (env.EPICS_PVA_AUTO_ADDR_LIST ?? "YES").trim().toUpperCase() !== "NO";
  if (auto) { for (const host of broadcasts) targets.push({ host, port, unicast: false }); }
  if (targets.length === 0) log.warn("No PVA search addresses: no PV will be found");
  const tmo = envNumber(env.EPICS_PVA_CONN_TMO) ?? 30;
  return {
    targets,
    echoPeriodMs: options.echoPeriodMs ?? Math.min(15, tmo * 3 / 8) * 1000,
    idleTimeoutMs: options.idleTimeoutMs ?? tmo * 4 / 3 * 1000,
    maxSearchPeriodMs: options.maxSearchPeriodMs ?? 5000,
  };
}

function envNumber(value: string | undefined): number | undefined {
  const n = Number(value);
  return value !== undefined && value.trim() !== "" && Number.isFinite(n) && n > 0 ? n : undefined;
}

function isBroadcast(host: string, broadcasts: readonly string[]): boolean {
  // x.x.x.255 covers 127.255.255.255 and the usual /24 subnets when no interface lists them.
  return host === "255.255.255.255" || broadcasts.includes(host) || /\.255$/.test(host);
}

function broadcastAddresses(): string[] {
  const out: string[] = [];
  for (const list of Object.values(os.networkInterfaces())) {
    for (const i of list ?? []) {
      if (i.family !== "IPv4" || i.internal) continue;
      const ip = i.address.split(".").reduce((a, b) => a * 256 + Number(b), 0);
      const mask = i.netmask.split(".").reduce((a, b) => a * 256 + Number(b), 0);
      const b = (ip | ~mask) >>> 0;
      out.push([b >>> 24, (b >>> 16) & 255, (b >>> 8) & 255, b & 255].join("."));
    }
  }
  return out;
}
