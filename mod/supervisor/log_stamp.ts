/**
 * Timestamps on IOC log lines (console-notes.md §3). supervisord cannot stamp lines itself, so the
 * program runs `bash -c '<script>' <name> <stdout log> <stderr log> <max bytes> <backups> <ioc
 * argv…>`: the script points stdout and stderr at two small `perl` filters (one each, so the two
 * logs stay apart) and then `exec`s the IOC. The IOC thus keeps the pid supervisord started and
 * receives the stop signal itself; the filters end at EOF once it is gone. A Deno filter would
 * cost ~34 MB per IOC.
 *
 * The filters write the log files themselves, rotating them as supervisord would
 * (`logfile_maxbytes`, `logfile_backups`), instead of passing lines on through supervisord's pipe:
 * supervisord reads an exited process's pipes once and then closes them (process.py `finish()`),
 * so whatever a filter had not passed on by then — the last words of a crashing IOC — was lost
 * (measured: 8 of 20 last lines). supervisord keeps the same files as `stdout_logfile` and
 * `stderr_logfile`, so its web UI and `supervisorctl tail` still show them. perl writes each line
 * with one `write()` and formats the stamp once a second; each filter costs about 0.5 MB of private
 * memory.
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

// Arguments: the log file, its size limit (0: none) and how many rotated files to keep. The
// stamp is STAMP_FORMAT built from localtime/gmtime: `use POSIX` for strftime would cost 2 MB of
// private memory per filter. The rotation is supervisord's (loggers.py doRollover); the lock
// (flock 2 = LOCK_EX, 8 = LOCK_UN, without Fcntl for the same reason) and the inode check keep two
// filters of one file (an exited IOC's and its restarted successor's) from rotating twice.
const FILTER_PERL = [
  `my ($log, $max, $keep) = @ARGV; my ($t, $s, $out) = (-1, "");`,
  `sub reopen { open($out, ">>", $log) or die "iocsup: cannot write $log: $!\\n"; select $out; $| = 1 }`,
  `reopen();`,
  `while (<STDIN>) {`,
  `my $n = time;`,
  `if ($n != $t) {`,
  `$t = $n; my @l = localtime $n; my @g = gmtime $n;`,
  `my $m = ($l[2] - $g[2]) * 60 + $l[1] - $g[1] + 1440 * (($l[5] * 366 + $l[7]) <=> ($g[5] * 366 + $g[7]));`,
  `$s = sprintf("[%04d-%02d-%02dT%02d:%02d:%02d%s%02d%02d] ", $l[5] + 1900, $l[4] + 1, @l[3, 2, 1, 0],`,
  `$m < 0 ? "-" : "+", abs($m) / 60, abs($m) % 60);`,
  `}`,
  `print {$out} $s, $_;`,
  `next unless $max > 0 && tell($out) >= $max;`,
  `flock($out, 2); my @open = stat $out; my @named = stat $log;`,
  `if (@named && $open[1] == $named[1] && $named[7] >= $max) {`,
  `if ($keep > 0) {`,
  `for (my $i = $keep - 1; $i > 0; $i--) { rename "$log.$i", "$log." . ($i + 1) if -e "$log.$i" }`,
  `rename $log, "$log.1";`,
  `} else { truncate $log, 0 }`,
  `}`,
  `flock($out, 8); reopen();`,
  `}`,
].join(" ");

const filter = (logArg: string) => `exec perl -e '${FILTER_PERL}' "${logArg}" "$3" "$4"`;

/** The bash script run before the IOC: `$1`/`$2` are the stdout/stderr log files, `$3`/`$4` the
 * rotation size and backup count, and the IOC's argv follows as `"$@"`, never re-parsed. */
export const STAMP_SCRIPT = `trap '' ${FILTER_IGNORES}; ` +
  `exec > >(${filter("$1")}) 2> >(${filter("$2")}); ` +
  `trap - ${FILTER_IGNORES}; shift 4; exec "$@"`;

/** The log files the filters write, and their rotation. */
export interface StampedLogs {
  /** The IOC's stdout log file (`stdout_logfile`), unescaped. */
  stdout: string;
  /** The IOC's stderr log file (`stderr_logfile`), unescaped. */
  stderr: string;
  /** Rotate a file once it reaches this size (`logfile_maxbytes`; 0: never). */
  maxBytes: number;
  /** Rotated files to keep (`logfile_backups`). */
  backups: number;
}

/**
 * Wrap an IOC's `command=` value (already escaped for the conf) so its output is stamped.
 *
 * @param name The IOC name, used as `$0` of the script (shown by `ps` until the exec).
 * @param escapedCommand The IOC's command as written after `command=` (`%` already doubled).
 * @param logs The IOC's log files, which the filters write and rotate.
 * @returns The new `command=` value.
 * @example Usage
 * ```ts
 * import { stampedCommand } from "./log_stamp.ts";
 * const logs = { stdout: "/l/ioc1.log", stderr: "/l/ioc1_error.log", maxBytes: 1e7, backups: 5 };
 * stampedCommand("ioc1", "softIoc -d st.cmd", logs);
 * // "/bin/bash -c '…' ioc1 /l/ioc1.log /l/ioc1_error.log 10000000 5 softIoc -d st.cmd"
 * ```
 */
export function stampedCommand(name: string, escapedCommand: string, logs: StampedLogs): string {
  const args = [name, logs.stdout, logs.stderr, String(logs.maxBytes), String(logs.backups)];
  const prefix = ["/bin/bash", "-c", STAMP_SCRIPT, ...args].map(quoteArg).join(" ");
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
