/**
 * `iocsup stop`: stop every IOC gracefully, then supervisord; return once its process is gone.
 *
 * @module
 */
import { isRunning, shutdownAndWait, SupervisorClient } from "../mod/supervisor/mod.ts";
import { COMMON_OPTIONS_HELP, parseCommandArgs } from "./_common.ts";
import { type Context, loadContext } from "./_context.ts";
import { note, out } from "./_output.ts";

/** Help text. */
export const help = `iocsup stop: stop every IOC and supervisord

USAGE
  iocsup stop

Asks supervisord to shut down (each IOC gets its stopsignal, then SIGKILL after stopwaitsecs) and
waits until supervisord's process is gone. When it is not running, says so and exits 0.

OPTIONS
${COMMON_OPTIONS_HELP}
`;

/**
 * Stop supervisord if it runs.
 *
 * @param ctx Settings and paths.
 * @returns True if it was running.
 */
export async function stopIfRunning(ctx: Context): Promise<boolean> {
  if (!(await isRunning(ctx.paths))) return false;
  const maxStopWait = Math.max(10, ...ctx.settings.iocs.map((ioc) => ioc.stopwaitsecs));
  if (Deno.stderr.isTerminal()) note("Stopping IOCs and supervisord…");
  await shutdownAndWait(new SupervisorClient(ctx.paths.socket), ctx.paths.pidFile, {
    timeoutMs: (maxStopWait + 30) * 1000,
  });
  return true;
}

/** Run the command. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(args);
  const ctx = await loadContext(parsed);
  out((await stopIfRunning(ctx)) ? "stopped\n" : "supervisord is not running\n");
  return 0;
}
