/**
 * Process exits as supervisord logs them. supervisord forgets a process's exit status as soon as
 * it respawns it (`getProcessInfo().exitstatus` reads 0 again, and -1 for any signal), but it
 * writes every exit to supervisord.log first (process.py `finish()`, options.py
 * `decode_wait_status()`):
 *
 * ```
 * 2026-12-01 10:00:00,123 WARN exited: flaky (exit status 1; not expected)
 * 2026-12-01 10:00:00,123 INFO exited: flaky (exit status 0; expected)
 * 2026-12-01 10:00:00,123 WARN exited: flaky (terminated by SIGSEGV (core dumped); not expected)
 * 2026-12-01 10:00:00,123 INFO stopped: flaky (exit status 0)
 * 2026-12-01 10:00:00,123 WARN stopped: flaky (terminated by SIGKILL)
 * ```
 *
 * This module turns such a line into a {@linkcode ProcessExit}. Pure: no I/O.
 *
 * @module
 */

/** One exit of a process, from a supervisord.log line. */
export interface ProcessExit {
  /** Process name. */
  name: string;
  /** Exit status when the process exited by itself, else null. */
  status: number | null;
  /** Signal name (`SIGSEGV`, or `signal 34` when supervisord knows no name) when killed, else null. */
  signal: string | null;
  /** Whether supervisord expected the exit (`exitcodes`); null for a requested stop. */
  expected: boolean | null;
  /** True for `stopped:` (a stop request), false for `exited:` (the process ended by itself). */
  requested: boolean;
  /** The line's time stamp as supervisord wrote it (local time, `YYYY-MM-DD HH:MM:SS,mmm`). */
  time: string;
}

/** Linux signal numbers by name (aliases included), as Python's `signal` module names them. */
const LINUX_SIGNALS: Readonly<Record<string, number>> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGIOT: 6,
  SIGBUS: 7,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGSEGV: 11,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGSTKFLT: 16,
  SIGCHLD: 17,
  SIGCLD: 17,
  SIGCONT: 18,
  SIGSTOP: 19,
  SIGTSTP: 20,
  SIGTTIN: 21,
  SIGTTOU: 22,
  SIGURG: 23,
  SIGXCPU: 24,
  SIGXFSZ: 25,
  SIGVTALRM: 26,
  SIGPROF: 27,
  SIGWINCH: 28,
  SIGIO: 29,
  SIGPOLL: 29,
  SIGPWR: 30,
  SIGSYS: 31,
};

const LINE = /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) [A-Z]+ (exited|stopped): (\S+) \((.*)\)$/;
const CAUSE =
  /^(?:exit status (\d+)|terminated by (SIG[A-Z0-9]+|signal \d+)(?: \(core dumped\))?|unknown termination cause 0x[0-9a-f]+)(?:; (expected|not expected))?$/;

/**
 * Parse one supervisord.log line.
 *
 * @param line The line, without its newline.
 * @returns The exit, or undefined when the line reports no exit.
 * @example Usage
 * ```ts
 * import { parseExitLine } from "./exit_line.ts";
 * const exit = parseExitLine(
 *   "2026-12-01 10:00:00,123 WARN exited: flaky (exit status 3; not expected)",
 * );
 * console.assert(exit?.status === 3 && exit.expected === false);
 * ```
 */
export function parseExitLine(line: string): ProcessExit | undefined {
  const m = LINE.exec(line);
  if (!m) return undefined;
  const cause = CAUSE.exec(m[4]!);
  if (!cause) return undefined;
  const requested = m[2] === "stopped";
  return {
    name: m[3]!,
    status: cause[1] === undefined ? null : Number(cause[1]),
    // "unknown termination cause" is neither; call it a signal so it never reads as success.
    signal: cause[1] !== undefined ? null : cause[2] ?? "unknown",
    expected: requested ? null : cause[3] === "expected",
    requested,
    time: m[1]!,
  };
}

/**
 * The exit as one number, as shells report it: the exit status, or 128 + the signal number
 * for a process killed by a signal (SIGSEGV → 139, SIGKILL → 137). Signal numbers are Linux's.
 *
 * @param exit The exit.
 * @returns 0–255.
 * @example Usage
 * ```ts
 * import { exitCodeOf } from "./exit_line.ts";
 * const killed = { status: null, signal: "SIGSEGV" };
 * console.assert(exitCodeOf(killed) === 139);
 * ```
 */
export function exitCodeOf(exit: Pick<ProcessExit, "status" | "signal">): number {
  if (exit.status !== null) return exit.status;
  const signal = exit.signal ?? "";
  const number = LINUX_SIGNALS[signal] ?? Number(/^signal (\d+)$/.exec(signal)?.[1] ?? 0);
  return 128 + number;
}

/**
 * The exit for people: the status (`"3"`) or the signal name (`"SIGSEGV"`).
 *
 * @param exit The exit.
 * @returns The text.
 */
export function exitText(exit: Pick<ProcessExit, "status" | "signal">): string {
  return exit.status !== null ? String(exit.status) : exit.signal ?? "unknown";
}
