/**
 * The mark iocsup leaves on every process it has supervisord start, so that it finds them again
 * after supervisord has died (SIGKILL, OOM killer, a crash): two environment variables in each
 * `[program:…]` and `[eventlistener:…]` section, naming the absolute state directory and the
 * program.
 *
 * Why the environment:
 * - It is inherited across fork and exec, so an IOC's own children carry it too, and it survives
 *   re-parenting to pid 1 when supervisord dies; `/proc/<pid>/environ` shows it to the same user
 *   (and root) without any cooperation from the process.
 * - It names the state directory, so two iocsup installations on one host (or parallel tests)
 *   never mistake each other's IOCs, and the program, so each orphan is stopped with its own
 *   `stopsignal` and `stopwaitsecs` from the generated supervisord.conf.
 * - What it misses is covered by process groups: supervisord starts each program in its own
 *   group (`stopasgroup`/`killasgroup`), so a child that execs with a cleared environment is
 *   still found and signalled through the group of a marked process.
 *
 * Rejected: supervisord keeps pids only in memory (`getAllProcessInfo`), gone with it; matching
 * command lines is ambiguous (the same IOC may run by hand or under another state directory);
 * the parent pid and session of an orphan point to pid 1, not to the dead supervisord; pid files
 * written by iocsup would go stale and be reused by unrelated processes.
 *
 * @module
 */

/** Environment variable naming the absolute state directory that started the process. */
export const MARKER_STATE_DIR = "IOCSUP_STATE_DIR";

/** Environment variable naming the supervisord program (IOC name, or the manager's listener). */
export const MARKER_PROGRAM = "IOCSUP_PROGRAM";

/** Both marker variable names, for reading them back from `/proc/<pid>/environ`. */
export const MARKER_NAMES: readonly string[] = [MARKER_STATE_DIR, MARKER_PROGRAM];

/**
 * The marker variables for one program.
 *
 * @param stateDir Absolute state directory.
 * @param program supervisord program name.
 * @returns The variables to add to the program's `environment=`.
 * @example Usage
 * ```ts
 * import { markerEnv } from "./process_marker.ts";
 * markerEnv("/srv/ioc-supervisor", "ioc1");
 * // { IOCSUP_STATE_DIR: "/srv/ioc-supervisor", IOCSUP_PROGRAM: "ioc1" }
 * ```
 */
export function markerEnv(stateDir: string, program: string): Record<string, string> {
  return { [MARKER_STATE_DIR]: stateDir, [MARKER_PROGRAM]: program };
}
