/**
 * Server settings from options and the EPICS environment (options win).
 *
 * @module
 */

/** A beacon destination. */
export interface BeaconTarget {
  /** IPv4 address. */
  host: string;
  /** UDP port. */
  port: number;
}

/** Options of {@linkcode CaServer.start}; each overrides its environment variable. */
export interface CaServerOptions {
  /** UDP search port and preferred TCP port (EPICS_CAS_SERVER_PORT / EPICS_CA_SERVER_PORT). @default 5064 */
  port?: number;
  /** Interface addresses to bind (EPICS_CAS_INTF_ADDR_LIST). @default ["0.0.0.0"] */
  interfaces?: readonly string[];
  /** Extra beacon destinations `host[:port]` (EPICS_CAS_BEACON_ADDR_LIST). */
  beaconAddrs?: readonly string[];
  /** Add interface broadcast addresses to the beacon list (EPICS_CAS_AUTO_BEACON_ADDR_LIST). @default true */
  autoBeacons?: boolean;
  /** Steady-state beacon period in seconds (EPICS_CAS_BEACON_PERIOD / EPICS_CA_BEACON_PERIOD). @default 15 */
  beaconPeriod?: number;
  /** Largest accepted request payload (EPICS_CA_MAX_ARRAY_BYTES). @default 16384 */
  maxArrayBytes?: number;
  /**
   * Most client connections at once (IOCSUP_CA_MAX_CONNECTIONS); further ones are closed at once.
   * Lowered to fit the process's open-file limit. @default 4096
   */
  maxConnections?: number;
  /** Environment to read instead of the process environment. */
  env?: Readonly<Record<string, string>>;
}

/** Settings after applying defaults, environment and options. */
export interface ServerConfig {
  /** UDP port (and preferred TCP port). */
  port: number;
  /** Interface addresses; `["0.0.0.0"]` when unset. */
  interfaces: string[];
  /** Beacon destinations from the address list. */
  beaconAddrs: BeaconTarget[];
  /** Whether to add interface broadcast addresses. */
  autoBeacons: boolean;
  /** Default beacon destination port. */
  beaconPort: number;
  /** Beacon period in seconds. */
  beaconPeriod: number;
  /** Largest accepted request payload. */
  maxArrayBytes: number;
  /** Most client connections at once. */
  maxConnections: number;
}

/** Default of {@linkcode CaServerOptions.maxConnections}. */
export const DEFAULT_MAX_CONNECTIONS = 4096;

function num(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

function list(value: string | undefined): string[] {
  return (value ?? "").split(/\s+/).filter((s) => s !== "");
}

/**
 * Parse `host[:port]` entries.
 *
 * @param entries Entries.
 * @param defaultPort Port when none is given.
 * @returns Targets.
 */
export function parseTargets(entries: readonly string[], defaultPort: number): BeaconTarget[] {
  return entries.map((e) => {
    const [host, port] = e.split(":");
    return { host: host!, port: num(port) ?? defaultPort };
  });
}

/**
 * Combine options, environment and defaults.
 *
 * @param options Server options.
 * @param env Environment variables.
 * @returns The effective settings.
 * @example Usage
 * ```ts
 * import { resolveConfig } from "./_config.ts";
 * resolveConfig({}, { EPICS_CA_SERVER_PORT: "6064" }).port; // 6064
 * ```
 */
export function resolveConfig(
  options: CaServerOptions,
  env: Readonly<Record<string, string>>,
): ServerConfig {
  const port = options.port ?? num(env.EPICS_CAS_SERVER_PORT) ?? num(env.EPICS_CA_SERVER_PORT) ??
    5064;
  const beaconPort = num(env.EPICS_CAS_BEACON_PORT) ?? num(env.EPICS_CA_REPEATER_PORT) ?? 5065;
  const period = options.beaconPeriod ?? num(env.EPICS_CAS_BEACON_PERIOD) ??
    num(env.EPICS_CA_BEACON_PERIOD);
  const interfaces = [...(options.interfaces ?? list(env.EPICS_CAS_INTF_ADDR_LIST))];
  const auto = options.autoBeacons ??
    (env.EPICS_CAS_AUTO_BEACON_ADDR_LIST ?? "YES").trim().toUpperCase() !== "NO";
  return {
    port,
    interfaces: interfaces.length > 0 ? interfaces : ["0.0.0.0"],
    beaconAddrs: parseTargets(
      options.beaconAddrs ?? list(env.EPICS_CAS_BEACON_ADDR_LIST),
      beaconPort,
    ),
    autoBeacons: auto,
    beaconPort,
    beaconPeriod: period !== undefined && period > 0 ? period : 15,
    maxArrayBytes: options.maxArrayBytes ?? num(env.EPICS_CA_MAX_ARRAY_BYTES) ?? 16384,
    maxConnections: Math.max(
      1,
      Math.trunc(
        options.maxConnections ?? num(env.IOCSUP_CA_MAX_CONNECTIONS) ?? DEFAULT_MAX_CONNECTIONS,
      ),
    ),
  };
}
