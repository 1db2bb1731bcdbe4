/**
 * The `command=` of a console IOC: the wrapper (wrapper.ts) around procServ, which runs the IOC on
 * a pseudo-terminal reached only through unix sockets in `<state>/run/console/`.
 *
 * @module
 */
import { join } from "node:path";
import type { IocSettings } from "../config/types.ts";
import { consoleDir, consoleReadOnlySocketPath, consoleSocketPath } from "./paths.ts";
import { CONSOLE_SCRIPT_FILE, consoleChildScript } from "./wrapper.ts";
import type { ProcServInfo } from "./procserv.ts";

/** strftime format of procServ's `--logstamp`: the same stamp plain IOCs get (log_stamp.ts). */
const LOGSTAMP = "[%Y-%m-%dT%H:%M:%S%z] ";

/** Options of {@linkcode consoleArgv}. */
export interface ConsoleArgvOptions {
  /** Absolute state directory. */
  stateDir: string;
  /** The procServ to run. */
  procServ: ProcServInfo;
  /** Group allowed on the sockets (mode 0660); undefined: the owner only (0600). */
  group: string | undefined;
  /** Stamp each log line (`--logstamp`). */
  stamped: boolean;
}

/**
 * procServ's endpoint for a unix socket with owner, group and mode (`unix:USER:GROUP:MODE:PATH`,
 * accepted by procServ 2.7.0 though its help shows only `unix:PATH`, which would be mode 0666).
 *
 * @param path The socket path.
 * @param group The group, or undefined for the owner alone.
 * @returns The endpoint text.
 * @example Usage
 * ```ts
 * import { unixEndpoint } from "./command.ts";
 * unixEndpoint("/s/ioc1.sock", undefined); // "unix:::0600:/s/ioc1.sock"
 * ```
 */
export function unixEndpoint(path: string, group: string | undefined): string {
  return group === undefined ? `unix:::0600:${path}` : `unix::${group}:0660:${path}`;
}

/**
 * The argv before the IOC's own command (which supervisord splits, so it is appended as written).
 * No TCP port: both endpoints are unix sockets.
 *
 * @param ioc The IOC.
 * @param options State directory, procServ, socket group, stamping.
 * @returns The argv.
 * @example Usage
 * ```ts ignore
 * consoleArgv(ioc, { stateDir, procServ: findProcServ()!, group: undefined, stamped: true });
 * ```
 */
export function consoleArgv(ioc: IocSettings, options: ConsoleArgvOptions): string[] {
  const { stateDir, procServ, group } = options;
  const base = join(consoleDir(stateDir), ioc.name);
  return [
    "/bin/sh",
    join(stateDir, CONSOLE_SCRIPT_FILE),
    base,
    ioc.stopsignal,
    String(ioc.stopwaitsecs),
    procServ.path,
    "--foreground",
    // Each ends procServ with its child. Never both: procServ's options are one restart mode, and
    // a later --noautorestart would cancel --oneshot (measured with procServ 2.8.0).
    procServ.oneshot ? "--oneshot" : "--noautorestart",
    "--holdoff",
    "0",
    "--quiet",
    "--logfile",
    "-",
    ...(options.stamped ? [`--logstamp=${LOGSTAMP}`] : []),
    "--name",
    ioc.name,
    // ^X must be ignored too: with an empty --killcmd it would reach readline as its C-x prefix.
    "--ignore",
    "^C^X^T",
    "--killcmd",
    "",
    "--autorestartcmd",
    "",
    "--logoutcmd",
    "^D",
    "--port",
    unixEndpoint(consoleSocketPath(stateDir, ioc.name), group),
    "--logport",
    unixEndpoint(consoleReadOnlySocketPath(stateDir, ioc.name), group),
    "/bin/sh",
    "-c",
    consoleChildScript(),
    base,
  ];
}
