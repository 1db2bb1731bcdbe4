/**
 * PVA server settings from options and the EPICS environment (pva-protocol.md §0; options win).
 *
 * @module
 */

/** A UDP destination. */
export interface UdpTarget {
  /** IPv4 address. */
  host: string;
  /** UDP port. */
  port: number;
}

/** Options of {@linkcode PvaServer.start}; each overrides its environment variable. */
export interface PvaServerOptions {
  /**
   * Preferred TCP port (EPICS_PVAS_SERVER_PORT, else EPICS_PVA_SERVER_PORT); an ephemeral port is
   * used when it is taken. @default 5075
   */
  tcpPort?: number;
  /** UDP search port, shared with the host's other servers (EPICS_PVAS_BROADCAST_PORT, else EPICS_PVA_BROADCAST_PORT). @default 5076 */
  udpPort?: number;
  /** Interface addresses for the TCP listener (EPICS_PVAS_INTF_ADDR_LIST). @default ["0.0.0.0"] */
  interfaces?: readonly string[];
  /** Beacon destinations `host[:port]` (EPICS_PVAS_BEACON_ADDR_LIST, else EPICS_PVA_ADDR_LIST). */
  beaconAddrs?: readonly string[];
  /** Also beacon to every interface's broadcast address (EPICS_PVAS_AUTO_BEACON_ADDR_LIST, else EPICS_PVA_AUTO_ADDR_LIST). @default true */
  autoBeacons?: boolean;
  /** Most client connections at once; further ones are closed at once (IOCSUP_PVA_MAX_CONNECTIONS). @default 4096 */
  maxConnections?: number;
  /** Environment to read instead of the process environment. */
  env?: Readonly<Record<string, string>>;
}

/** Settings after applying defaults, environment and options. */
export interface PvaServerConfig {
  /** Preferred TCP port. */
  tcpPort: number;
  /** UDP port. */
  udpPort: number;
  /** TCP listen addresses. */
  interfaces: string[];
  /** Beacon destinations from the address list. */
  beaconAddrs: UdpTarget[];
  /** Whether to add interface broadcast addresses. */
  autoBeacons: boolean;
  /** Most client connections at once. */
  maxConnections: number;
}

function port(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new RangeError(`Cannot use ${name}="${value}": not a port number`);
  }
  return n;
}

function count(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(
      `Cannot use IOCSUP_PVA_MAX_CONNECTIONS="${value}": not a positive integer`,
    );
  }
  return n;
}

function list(value: string | undefined): string[] {
  return (value ?? "").split(/[\s,]+/).filter((s) => s !== "");
}

function yes(value: string | undefined): boolean | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  return !/^(no|false|0)$/i.test(value.trim());
}

/**
 * Parse `host[:port]` entries.
 *
 * @param entries Entries.
 * @param defaultPort Port when none is given.
 * @returns Targets.
 * @throws {RangeError} On a bad port.
 * @example Usage
 * ```ts
 * import { parseTargets } from "./_config.ts";
 * parseTargets(["127.0.0.1:5", "10.0.0.255"], 5076); // [{ host: "127.0.0.1", port: 5 }, { host: "10.0.0.255", port: 5076 }]
 * ```
 */
export function parseTargets(entries: readonly string[], defaultPort: number): UdpTarget[] {
  return entries.map((e) => {
    const [host = "", p] = e.split(":");
    return { host, port: port(p, `address "${e}"`) ?? defaultPort };
  });
}

/**
 * Resolve the settings: options, else the PVAS variable, else the PVA one, else the default.
 *
 * @param options Code options.
 * @param env Environment.
 * @returns The settings.
 * @throws {RangeError} On a bad port in the environment.
 * @example Usage
 * ```ts
 * import { resolvePvaConfig } from "./_config.ts";
 * resolvePvaConfig({}, { EPICS_PVA_SERVER_PORT: "6075" }).tcpPort; // 6075
 * ```
 */
export function resolvePvaConfig(
  options: PvaServerOptions,
  env: Readonly<Record<string, string>>,
): PvaServerConfig {
  const pick = (a: string, b: string) => env[a]?.trim() ? env[a] : env[b];
  const tcpPort = options.tcpPort ??
    port(pick("EPICS_PVAS_SERVER_PORT", "EPICS_PVA_SERVER_PORT"), "EPICS_PVA(S)_SERVER_PORT") ??
    5075;
  const udpPort = options.udpPort ??
    port(
      pick("EPICS_PVAS_BROADCAST_PORT", "EPICS_PVA_BROADCAST_PORT"),
      "EPICS_PVA(S)_BROADCAST_PORT",
    ) ?? 5076;
  const interfaces = [...(options.interfaces ?? list(env["EPICS_PVAS_INTF_ADDR_LIST"]))];
  const beacons = options.beaconAddrs ??
    list(pick("EPICS_PVAS_BEACON_ADDR_LIST", "EPICS_PVA_ADDR_LIST"));
  return {
    tcpPort,
    udpPort,
    interfaces: interfaces.length > 0 ? interfaces : ["0.0.0.0"],
    beaconAddrs: parseTargets(beacons, udpPort),
    autoBeacons: options.autoBeacons ??
      yes(pick("EPICS_PVAS_AUTO_BEACON_ADDR_LIST", "EPICS_PVA_AUTO_ADDR_LIST")) ?? true,
    maxConnections: options.maxConnections ?? count(env["IOCSUP_PVA_MAX_CONNECTIONS"]) ?? 4096,
  };
}
