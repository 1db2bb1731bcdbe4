/**
 * Settings of a `CaClient`: its options, with the EPICS_CA_* environment as fallback,
 * and the search destinations they name.
 *
 * @module
 */

import os from "node:os";
import { getLogger } from "../../log.ts";

const log = getLogger("ca-client");

/** Options of `CaClient`; each overrides its environment variable. */
export interface CaClientOptions {
  /** Search destinations, space-separated `host[:port]` (EPICS_CA_ADDR_LIST). */
  addrList?: string | undefined;
  /** Also search the broadcast address of every interface (EPICS_CA_AUTO_ADDR_LIST != "NO"). */
  autoAddrList?: boolean;
  /** Server port for entries without one (EPICS_CA_SERVER_PORT). @default 5064 */
  serverPort?: number;
  /** Idle time before probing a circuit with ECHO, ms (EPICS_CA_CONN_TMO in s). @default 30000 */
  echoIdleMs?: number;
  /** Time an ECHO may go unanswered before the circuit is dropped, ms. @default 5000 */
  echoTimeoutMs?: number;
  /** Longest gap between two searches for a missing name, ms. @default 5000 */
  maxSearchPeriodMs?: number;
  /** Environment to read instead of the process environment. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** A CA server or search destination. */
export interface Target {
  /** Host name or IPv4 address. */
  host: string;
  /** UDP or TCP port. */
  port: number;
}

/** Client settings with every default applied. */
export interface ClientConfig {
  /** Where to send searches. */
  targets: Target[];
  /** Server port for search replies of servers older than minor 5. */
  serverPort: number;
  /** Idle time before probing a circuit with ECHO, ms. */
  echoIdleMs: number;
  /** Time an ECHO may go unanswered before the circuit is dropped, ms. */
  echoTimeoutMs: number;
  /** Longest gap between two searches for a missing name, ms. */
  maxSearchPeriodMs: number;
}

/**
 * Apply the environment and the defaults to client options.
 *
 * @param options The options given to the client.
 * @returns The settings; a bad address list entry is logged and skipped.
 * @example Usage
 * ```ts
 * import { clientConfig } from "./_client_config.ts";
 * clientConfig({ addrList: "127.0.0.1:5070", autoAddrList: false, env: {} }).targets;
 * // [{ host: "127.0.0.1", port: 5070 }]
 * ```
 */
export function clientConfig(options: CaClientOptions): ClientConfig {
  const env = options.env ?? Deno.env.toObject();
  const serverPort = options.serverPort ?? envNumber(env.EPICS_CA_SERVER_PORT) ?? 5064;
  const targets = parseAddrList(options.addrList ?? env.EPICS_CA_ADDR_LIST ?? "", serverPort);
  // EPICS_CA_AUTO_ADDR_LIST is YES unless it says NO, as in libca.
  if (options.autoAddrList ?? envFlag(env.EPICS_CA_AUTO_ADDR_LIST)) {
    targets.push(...broadcastAddresses(serverPort));
  }
  if (targets.length === 0) log.warn("No CA search addresses: no PV will be found");
  const connTmo = envNumber(env.EPICS_CA_CONN_TMO);
  return {
    targets,
    serverPort,
    echoIdleMs: options.echoIdleMs ?? (connTmo === undefined ? 30_000 : connTmo * 1000),
    echoTimeoutMs: options.echoTimeoutMs ?? 5000,
    maxSearchPeriodMs: options.maxSearchPeriodMs ?? 5000,
  };
}

function envFlag(value: string | undefined): boolean {
  return (value ?? "YES").trim().toUpperCase() !== "NO";
}

function envNumber(value: string | undefined): number | undefined {
  const n = Number(value);
  return value !== undefined && value.trim() !== "" && Number.isFinite(n) && n > 0 ? n : undefined;
}

function parseAddrList(list: string, defaultPort: number): Target[] {
  const out: Target[] = [];
  for (const entry of list.split(/\s+/).filter((s) => s !== "")) {
    const [host, port] = entry.split(":");
    const n = port === undefined ? defaultPort : Number(port);
    if (!host || !Number.isInteger(n) || n <= 0 || n > 65535) {
      log.warn(`Cannot use CA address "${entry}": expected host[:port]`);
    } else out.push({ host, port: n });
  }
  return out;
}

function broadcastAddresses(port: number): Target[] {
  const out: Target[] = [];
  for (const list of Object.values(os.networkInterfaces())) {
    for (const i of list ?? []) {
      if (i.family !== "IPv4" || i.internal) continue;
      const ip = i.address.split(".").reduce((a, b) => a * 256 + Number(b), 0);
      const mask = i.netmask.split(".").reduce((a, b) => a * 256 + Number(b), 0);
      const b = (ip | ~mask) >>> 0;
      out.push({ host: [b >>> 24, (b >>> 16) & 255, (b >>> 8) & 255, b & 255].join("."), port });
    }
  }
  return out;
}
