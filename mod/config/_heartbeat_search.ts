/**
 * The one-host search trap (design.md §5a). On a real host the manager and every IOC are CA
 * servers sharing UDP port 5064; the kernel hands a unicast datagram to only one of the sockets
 * bound to that port, so a heartbeat search sent to 127.0.0.1 (or another address of this host)
 * reaches the manager or one IOC, never all of them. Only a broadcast reaches every socket.
 *
 * @module
 */
import type { GeneralSettings, IocSettings } from "./types.ts";
import type { HostFacts } from "./host.ts";
import type { Source } from "./_source.ts";

const DEFAULT_CA_PORT = 5064;
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Where the heartbeat search list came from, for positions and wording. */
export interface SearchListSource {
  /** The `general.epics_addr_list` value node, or undefined when it is absent. */
  node: unknown;
  /** The list item nodes when the value is a YAML list (one per word), else empty. */
  items: readonly unknown[];
  /** Key node of each IOC by name: where the warning goes when the list comes from the env. */
  iocKeys: ReadonlyMap<string, unknown>;
}

/**
 * Warn when a heartbeat search goes by unicast to this host while several CA servers share the
 * port it goes to: the manager and an IOC with a heartbeat PV, or two such IOCs.
 *
 * @param src The document being read (warnings go here).
 * @param settings The general settings and the valid IOCs.
 * @param where Nodes for positions.
 * @param host The environment and this host's addresses.
 */
export function checkHeartbeatSearch(
  src: Source,
  settings: { general: GeneralSettings; iocs: readonly IocSettings[] },
  where: SearchListSource,
  host: HostFacts,
): void {
  const { general, iocs } = settings;
  // pva:// heartbeats are searched over pvAccess (EPICS_PVA_*), not on the CA list.
  const watched = iocs.filter((ioc) =>
    ioc.heartbeatPv !== undefined && !ioc.heartbeatPv.startsWith("pva://")
  );
  const fromSettings = general.epicsAddrList !== undefined;
  const list = general.epicsAddrList ?? host.env.EPICS_CA_ADDR_LIST;
  if (watched.length === 0 || list === undefined) return;
  const managerPort = general.ca === false ? undefined : general.ca.port ?? serverPort(host.env);
  // The manager's CA client sends to entries without a port at EPICS_CA_SERVER_PORT.
  const searchPort = port(host.env.EPICS_CA_SERVER_PORT) ?? DEFAULT_CA_PORT;
  list.split(/\s+/).filter((w) => w !== "").forEach((entry, index) => {
    const match = /^([^:]+)(?::(\d+))?$/.exec(entry);
    const address = match?.[1];
    if (address === undefined || !isUnicastHere(address, host.localAddresses)) return;
    const target = match?.[2] === undefined ? searchPort : Number(match[2]);
    const sharing = watched.filter((ioc) => serverPort({ ...host.env, ...ioc.env }) === target);
    const withManager = managerPort === target;
    if (sharing.length === 0 || (!withManager && sharing.length < 2)) return;
    const names = listNames(sharing.map((ioc) => JSON.stringify(ioc.name)));
    const who = sharing.length === 1 ? `IOC ${names} serves` : `IOCs ${names} serve`;
    const what = fromSettings
      ? `heartbeat search list entry ${JSON.stringify(entry)}`
      : `EPICS_CA_ADDR_LIST entry ${JSON.stringify(entry)} (the heartbeat search list, as ` +
        `general.epics_addr_list is not set)`;
    const at = fromSettings
      ? where.items[index] ?? where.node
      : where.iocKeys.get(sharing[0]?.name ?? "");
    src.warn(
      at,
      `${what} is a unicast address of this host, and ${who} CA on ` +
        `${withManager ? "the manager's" : "the same"} port ${target}: a unicast search ` +
        `reaches only one of them; use the broadcast address (127.255.255.255 on loopback, or ` +
        `the subnet broadcast)`,
    );
  });
}

/** The port a CA server started with this environment listens on. */
function serverPort(env: Readonly<Record<string, string>>): number {
  return port(env.EPICS_CAS_SERVER_PORT) ?? port(env.EPICS_CA_SERVER_PORT) ?? DEFAULT_CA_PORT;
}

function port(value: string | undefined): number | undefined {
  const n = Number(value);
  return value !== undefined && /^\s*\d+\s*$/.test(value) && n > 0 && n <= 65535 ? n : undefined;
}

/** True for an address that names this host and is not a broadcast address. */
function isUnicastHere(address: string, local: readonly string[]): boolean {
  if (address === "localhost") return true;
  if (address === "127.255.255.255") return false;
  if (IPV4.test(address) && address.startsWith("127.")) return true;
  return local.includes(address);
}

/** `"a"`, `"a" and "b"`, `"a", "b" and 3 more`. */
function listNames(names: string[]): string {
  if (names.length <= 2) return names.join(" and ");
  return `${names.slice(0, 2).join(", ")} and ${names.length - 2} more`;
}
