/**
 * Which settings a running manager cannot take over on SIGHUP: its CA server (bound sockets,
 * beacons), its CA client for heartbeat PVs, the PV prefix and the refresh timer are set up
 * once at start. `reload` restarts the manager when one of them changed.
 *
 * @module
 */
import type { Settings } from "../config/types.ts";

/** Each setting (as named in settings.yaml) and how to read it from the model. */
const START_ONLY: readonly [string, (s: Settings) => unknown][] = [
  ["general.prefix", (s) => s.general.prefix],
  ["general.delay", (s) => s.general.delay],
  ["general.ca.interfaces", (s) => s.general.ca.interfaces],
  ["general.ca.port", (s) => s.general.ca.port],
  ["general.ca.beacons", (s) => s.general.ca.beacons],
  ["general.ca.auto_beacons", (s) => s.general.ca.autoBeacons],
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
