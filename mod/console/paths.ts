/**
 * Where an IOC's console sockets live in the state directory.
 *
 * @module
 */
import { join } from "node:path";

/**
 * The read-write console socket of an IOC (procServ's control endpoint).
 *
 * @param stateDir Absolute state directory.
 * @param ioc IOC name.
 * @returns `<stateDir>/run/console/<ioc>.sock`.
 */
export function consoleSocketPath(stateDir: string, ioc: string): string {
  return join(stateDir, "run", "console", `${ioc}.sock`);
}

/**
 * The read-only console socket of an IOC (procServ's `--logport` endpoint).
 *
 * @param stateDir Absolute state directory.
 * @param ioc IOC name.
 * @returns `<stateDir>/run/console/<ioc>.ro.sock`.
 */
export function consoleReadOnlySocketPath(stateDir: string, ioc: string): string {
  return join(stateDir, "run", "console", `${ioc}.ro.sock`);
}
