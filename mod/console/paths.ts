/**
 * Where a console IOC's files live in the state directory (`<state>/run/console/`). One place names
 * them, so the conf renderer, the wrapper script and `iocsup attach` agree.
 *
 * @module
 */
import { join } from "node:path";

/**
 * The directory of every console socket and status file: `<state>/run/console`.
 *
 * @param stateDir Absolute state directory.
 * @returns The directory path.
 * @example Usage
 * ```ts
 * import { consoleDir } from "./paths.ts";
 * consoleDir("/srv/ioc-supervisor"); // "/srv/ioc-supervisor/run/console"
 * ```
 */
export function consoleDir(stateDir: string): string {
  return join(stateDir, "run", "console");
}

/**
 * The read-write console socket of an IOC (procServ's `-P unix:…` endpoint; telnet on a unix
 * socket, mode 0600, or 0660 with `general.console_group`).
 *
 * @param stateDir Absolute state directory.
 * @param ioc The IOC name.
 * @returns `<state>/run/console/<ioc>.sock`.
 * @example Usage
 * ```ts
 * import { consoleSocketPath } from "./paths.ts";
 * consoleSocketPath("/srv/ioc-supervisor", "ioc1"); // "/srv/ioc-supervisor/run/console/ioc1.sock"
 * ```
 */
export function consoleSocketPath(stateDir: string, ioc: string): string {
  return join(consoleDir(stateDir), `${ioc}.sock`);
}

/**
 * The read-only console socket of an IOC (procServ's `--logport unix:…` endpoint: what is typed
 * there is dropped, every session's output is seen). Same mode and group as the read-write one.
 *
 * @param stateDir Absolute state directory.
 * @param ioc The IOC name.
 * @returns `<state>/run/console/<ioc>.ro.sock`.
 * @example Usage
 * ```ts
 * import { consoleReadOnlySocketPath } from "./paths.ts";
 * consoleReadOnlySocketPath("/srv/ioc-supervisor", "ioc1"); // ".../run/console/ioc1.ro.sock"
 * ```
 */
export function consoleReadOnlySocketPath(stateDir: string, ioc: string): string {
  return join(consoleDir(stateDir), `${ioc}.ro.sock`);
}
