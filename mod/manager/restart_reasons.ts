/**
 * Which settings a running manager cannot take over on SIGHUP: its CA and pvAccess servers (bound
 * sockets, beacons), its CA client for heartbeat PVs, the PV prefix, the refresh timer and the
 * size of the `_log` PVs are set up once at start. `reload` restarts the manager when one of them changed.
 *
 * @module
 */
import type { Settings } from "../config/types.ts";

const ca = (s: Settings) => s.general.ca || undefined;
const pva = (s: Settings) => s.general.pva || undefined;

/** Each setting (as named in settings.yaml) and how to read it from the model. */
const START_ONLY: readonly [string, (s: Settings) => unknown][] = [
  ["general.prefix", (s) => s.general.prefix],
  ["general.delay", (s) => s.general.delay],
  ["general.log_lines", (s) => s.general.logLines],
  ["general.ca", (s) => s.general.ca !== false],
  ["general.ca.interfaces", (s) => ca(s)?.interfaces],
  ["general.ca.port", (s) => ca(s)?.port],
  ["general.ca.beacons", (s) => ca(s)?.beacons],
  ["general.ca.auto_beacons", (s) => ca(s)?.autoBeacons],
  ["general.pva", (s) => s.general.pva !== false],
  ["general.pva.interfaces", (s) => pva(s)?.interfaces],
  ["general.pva.port", (s) => pva(s)?.port],
  ["general.pva.udp_port", (s) => pva(s)?.udpPort],
  ["general.pva.beacons", (s) => pva(s)?.beacons],
  ["general.pva.auto_beacons", (s) => pva(s)?.autoBeacons],
  ["general.epics_addr_list", (s) => s.general.epicsAddrList],
  ["general.epics_beacon_addr_list", (s) => s.general.epicsBeaconAddrList],
];

/**
 * The settings that differ between what the manager applied and the new settings and that take
 * effect only when the manager starts.
 *
 * @param applied The settings the manager runs with.
 * @param next The new settings.
 * @returns Setting names as written in settings.yaml (e.g. `general.ca.port`), in a fixed order;
 *   empty when a SIGHUP is enough.
 * @example Usage
 * ```ts ignore
 * managerRestartReasons(applied, next); // ["general.ca.port"]
 * ```
 */
export function managerRestartReasons(applied: Settings, next: Settings): string[] {
  return START_ONLY
    .filter(([, read]) => JSON.stringify(read(applied)) !== JSON.stringify(read(next)))
    .map(([name]) => name);
}
