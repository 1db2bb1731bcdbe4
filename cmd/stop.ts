/**
 * `iocsup stop`: stop every IOC gracefully, then supervisord; return once its process is gone.
 * Then stop what a supervisord killed earlier left behind (orphaned IOCs and manager).
 *
 * @module
 */
import {
  isRunning,
  shutdownAndWait,
  summarizeConf,
  supervisorClient,
} from "../mod/supervisor/mod.ts";
import type { StatePaths } from "../mod/state_dir.ts";
import { COMMON_OPTIONS_HELP, parseCommandArgs } from "./_common.ts";
import { note, out } from "./_output.ts";
import { pathsFromFlags } from "./_paths.ts";
import { stopAllOrphans } from "./_orphans.ts";

/** Help text. */
export const help = `iocsup stop: stop every IOC and supervisord

USAGE
  iocsup stop

Asks supervisord to shut down (each IOC gets its stopsignal, then SIGKILL after stopwaitsecs) and
waits until supervisord's process is gone. When it is not running, says so and exits 0. It needs
only the state directory, so it works even while settings.yaml is being edited and is invalid.

IOCs (and the manager) left running by a supervisord that was killed are stopped the same way:
their stopsignal to the process group, SIGKILL after stopwaitsecs. One line says what happened
to each.

OPTIONS
${COMMON_OPTIONS_HELP}
`;

/** Options for {@linkcode stopIfRunning}. */
export interface StopOptions {
  /** Where to say what happened to each orphan. @default note (stderr) */
  say?: (line: string) => void;
}

/**
 * Stop supervisord if it runs, allowing the longest stopwaitsecs in its conf; then stop any
 * orphans of the state directory.
 *
 * @param paths State directory paths.
 * @param options Where orphan lines go.
 * @returns True if supervisord was running.
 * @throws {SupervisorTimeoutError} When supervisord does not answer.
 * @throws {Error} When an orphan survives SIGKILL.
 */
export async function stopIfRunning(
  paths: StatePaths,
  options: StopOptions = {},
): Promise<boolean> {
  const running = await isRunning(paths);
  if (running) {
    const conf = summarizeConf(await Deno.readTextFile(paths.conf).catch(() => ""));
    const maxStopWait = Math.max(10, ...conf.programs.map((program) => program.stopwaitsecs));
    if (Deno.stderr.isTerminal()) note("Stopping IOCs and supervisord…");
    await shutdownAndWait(supervisorClient(paths), paths.pidFile, {
      timeoutMs: (maxStopWait + 30) * 1000,
    });
  }
  // Once supervisord is gone, whatever still carries its marker is an orphan.
  await stopAllOrphans(paths, options.say ?? note);
  return running;
}

/** Run the command. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(args);
  const paths = pathsFromFlags(parsed);
  const lines: string[] = [];
  const running = await stopIfRunning(paths, { say: (line) => lines.push(line) });
  if (running) out("stopped\n");
  else out("supervisord is not running\n");
  for (const line of lines) out(`${line}\n`);
  return 0;
}
