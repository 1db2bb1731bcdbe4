/**
 * `iocsup restart`: stop (if running), then start-daemon.
 *
 * @module
 */
import { COMMON_OPTIONS_HELP, parseCommandArgs } from "./_common.ts";
import { loadContext } from "./_context.ts";
import { startDaemonAndWait } from "./start_daemon.ts";
import { stopIfRunning } from "./stop.ts";

/** Help text. */
export const help = `iocsup restart: stop everything, then start-daemon

USAGE
  iocsup restart

A new supervisord starts every autostart IOC. IOCs left running by a supervisord that died are
stopped too, one line each. To apply settings changes without touching
unchanged IOCs use "iocsup reload" instead.

OPTIONS
${COMMON_OPTIONS_HELP}
`;

/** Run the command. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(args);
  const ctx = await loadContext(parsed);
  await stopIfRunning(ctx.paths);
  return startDaemonAndWait(ctx);
}
