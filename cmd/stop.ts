/**
 * `iocsup stop`: stop every IOC gracefully, then supervisord; return once its process is gone.
 *
 * @module
 */
import {
  isRunning,
  shutdownAndWait,
  summarizeConf,
  SupervisorClient,
} from "../mod/supervisor/mod.ts";
import type { StatePaths } from "../mod/state_dir.ts";
import { COMMON_OPTIONS_HELP, parseCommandArgs } from "./_common.ts";
import { note, out } from "./_output.ts";
import { pathsFromFlags } from "./_paths.ts";

/** Help text. */
export const help = `iocsup stop: stop every IOC and supervisord

USAGE
  iocsup stop

Asks supervisord to shut down (each IOC gets its stopsignal, then SIGKILL after stopwaitsecs) and
waits until supervisord's process is gone. When it is not running, says so and exits 0. It needs
only the state directory, so it works even while settings.yaml is being edited and is invalid.

OPTIONS
${COMMON_OPTIONS_HELP}
`;

/**
 * Stop supervisord if it runs, allowing the longest stopwaitsecs in its conf.
 *
 * @param paths State directory paths.
 * @returns True if it was running.
 */
export async function stopIfRunning(paths: StatePaths): Promise<boolean> {
  if (!(await isRunning(paths))) return false;
  const conf = summarizeConf(await Deno.readTextFile(paths.conf).catch(() => ""));
  const maxStopWait = Math.max(10, ...conf.programs.map((program) => program.stopwaitsecs));
  if (Deno.stderr.isTerminal()) note("Stopping IOCs and supervisord…");
  await shutdownAndWait(new SupervisorClient(paths.socket), paths.pidFile, {
    timeoutMs: (maxStopWait + 30) * 1000,
  });
  return true;
}

/** Run the command. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(args);
  out((await stopIfRunning(pathsFromFlags(parsed))) ? "stopped\n" : "supervisord is not running\n");
  return 0;
}
