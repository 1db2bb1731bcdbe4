/**
 * Timestamps on IOC log lines (console-notes.md §3). supervisord cannot stamp lines itself, so the
 * program runs `bash -c '<script>' <name> <ioc argv…>`: the script points stdout and stderr at two
 * small `mawk` filters (one each, so the two logs stay apart) and then `exec`s the IOC. The IOC
 * thus keeps the pid supervisord started, receives the stop signal itself, and the filters end at
 * EOF once it is gone. A Deno filter would cost ~34 MB per IOC; mawk costs ~2 MB.
 *
 * @module
 */
import { quoteArg } from "./conf_escape.ts";

/** strftime format of the stamp; whole seconds, as procServ's `--logstamp`. */
export const STAMP_FORMAT = "[%Y-%m-%dT%H:%M:%S%z] ";

/** A leading stamp as written by the filter (for `logs --since` and the log PVs). */
export const STAMP_PATTERN = /^\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4})\] /;

/** Signals the filters ignore, so a stop (`stopasgroup=true` signals the whole group) never ends
 * them before they have written the IOC's last lines; they end at EOF instead. */
const FILTER_IGNORES = "TERM INT HUP QUIT USR1 USR2";

// `-W interactive` flushes after every line (measured with mawk 1.3.4), so lines reach the log
// when written, not when a 4 KiB buffer fills.
const FILTER = `exec mawk -W interactive '{print strftime("${STAMP_FORMAT}") $0}'`;

/** The bash script run before the IOC; the IOC's argv follows as `"$@"`, never re-parsed. */
export const STAMP_SCRIPT = `trap '' ${FILTER_IGNORES}; ` +
  `exec > >(${FILTER}) 2> >(${FILTER} >&2); ` +
  `trap - ${FILTER_IGNORES}; exec "$@"`;

/**
 * Wrap an IOC's `command=` value (already escaped for the conf) so its output is stamped.
 *
 * @param name The IOC name, used as `$0` of the script (shown by `ps` until the exec).
 * @param escapedCommand The IOC's command as written after `command=` (`%` already doubled).
 * @returns The new `command=` value.
 * @example Usage
 * ```ts
 * import { stampedCommand } from "./log_stamp.ts";
 * stampedCommand("ioc1", "softIoc -d st.cmd"); // "/bin/bash -c '…' ioc1 softIoc -d st.cmd"
 * ```
 */
export function stampedCommand(name: string, escapedCommand: string): string {
  const prefix = ["/bin/bash", "-c", STAMP_SCRIPT, name].map(quoteArg).join(" ");
  return `${prefix.replaceAll("%", "%%")} ${escapedCommand}`;
}

/**
 * Whether an IOC command runs Python (its program is python/python3… or it names a `.py` file);
 * such IOCs get `PYTHONUNBUFFERED=1` so lines are stamped when written.
 *
 * @param command The IOC's command line.
 * @returns True for a Python IOC.
 * @example Usage
 * ```ts
 * import { isPythonCommand } from "./log_stamp.ts";
 * isPythonCommand("/usr/bin/python3 ioc.py"); // true
 * ```
 */
export function isPythonCommand(command: string): boolean {
  const program = command.trim().split(/\s+/)[0] ?? "";
  return /(^|\/)python[0-9.]*$/.test(program) || command.includes(".py");
}

/**
 * Remove a leading stamp from a log line.
 *
 * @param line One log line.
 * @returns The line without its stamp (unchanged when it has none).
 * @example Usage
 * ```ts
 * import { stripStamp } from "./log_stamp.ts";
 * stripStamp("[2026-12-01T14:03:07+0000] iocInit"); // "iocInit"
 * ```
 */
export function stripStamp(line: string): string {
  return line.replace(STAMP_PATTERN, "");
}
