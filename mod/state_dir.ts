/**
 * The files iocsup keeps in its state directory (design.md §2). One place names them all, so
 * `clean`, `logs` and the conf renderer agree.
 *
 * @module
 */
import { dirname, isAbsolute, join, resolve } from "node:path";

/** Absolute paths of everything in a state directory. */
export interface StatePaths {
  /** The state directory itself. */
  dir: string;
  /** Generated supervisord configuration. */
  conf: string;
  /** supervisord's unix socket (XML-RPC). */
  socket: string;
  /** supervisord's pid file. */
  pidFile: string;
  /** Directory of all log files. */
  logDir: string;
  /** supervisord's own log. */
  supervisordLog: string;
  /** The manager's stderr. */
  managerLog: string;
  /** Web UI credentials (mode 0600). */
  webCredentials: string;
}

/**
 * Resolve the state directory: `--state-dir` if given, else `ioc-supervisor/` beside the
 * settings file.
 *
 * @param settingsFile Path of settings.yaml (need not exist).
 * @param stateDir The `--state-dir` flag, if any.
 * @returns An absolute directory path.
 */
export function resolveStateDir(settingsFile: string, stateDir?: string): string {
  if (stateDir !== undefined && stateDir !== "") return resolve(stateDir);
  return join(dirname(resolve(settingsFile)), "ioc-supervisor");
}

/**
 * The paths inside a state directory.
 *
 * @param dir Absolute state directory.
 * @param logDir Log directory from settings (`general.log_dir`), relative to `dir` unless absolute.
 * @returns Every path iocsup uses there.
 * @example Usage
 * ```ts
 * import { statePaths } from "./state_dir.ts";
 * statePaths("/srv/iocs/ioc-supervisor").socket; // "/srv/iocs/ioc-supervisor/supervisor.sock"
 * ```
 */
export function statePaths(dir: string, logDir = "logs"): StatePaths {
  const logs = isAbsolute(logDir) ? logDir : join(dir, logDir);
  return {
    dir,
    conf: join(dir, "supervisord.conf"),
    socket: join(dir, "supervisor.sock"),
    pidFile: join(dir, "supervisord.pid"),
    logDir: logs,
    supervisordLog: join(logs, "supervisord.log"),
    managerLog: join(logs, "manager.log"),
    webCredentials: join(dir, "web-credentials"),
  };
}

/**
 * Names of the files iocsup (and supervisord, for iocsup) writes in the state directory. `clean`
 * removes exactly these there, plus temporary files of interrupted atomic writes and the record
 * of created directories; anything else in the directory belongs to someone else.
 */
export const GENERATED_FILES: readonly string[] = [
  "supervisord.conf",
  "supervisor.sock",
  "supervisord.pid",
  "web-credentials",
  "manager-state.json",
  "manager-settings.yaml",
  "demo-settings.yaml",
  "console.sh",
  "console-inputrc",
];

/**
 * Base names of the logs of one program (`<ioc>.log`, `<ioc>_error.log`), or of `supervisord` and
 * `manager` (one file each). Rotated copies add `.1` … `.N`.
 *
 * @param program An IOC name, `supervisord` or `manager`.
 * @returns The current log file names.
 * @example Usage
 * ```ts
 * import { logFileNames } from "./state_dir.ts";
 * logFileNames("pump"); // ["pump.log", "pump_error.log"]
 * ```
 */
export function logFileNames(program: string): string[] {
  if (program === "supervisord" || program === "manager") return [`${program}.log`];
  return [`${program}.log`, `${program}_error.log`];
}

/** Path of an IOC's stdout log (`<ioc>.log`) or stderr log (`<ioc>_error.log`). */
export function iocLogPath(paths: StatePaths, ioc: string, stream: "stdout" | "stderr"): string {
  return join(paths.logDir, stream === "stdout" ? `${ioc}.log` : `${ioc}_error.log`);
}
