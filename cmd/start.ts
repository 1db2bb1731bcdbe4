/**
 * `iocsup start`: render supervisord.conf and run supervisord in the foreground (the form
 * systemd runs). SIGINT/SIGTERM are forwarded; supervisord stops every IOC; we exit with its code.
 * IOCs left running by a supervisord that died are stopped first, so none runs twice.
 *
 * @module
 */
import { isRunning, spawnForeground } from "../mod/supervisor/mod.ts";
import { COMMON_OPTIONS_HELP, parseCommandArgs } from "./_common.ts";
import { loadContext } from "./_context.ts";
import { note } from "./_output.ts";
import { prepareStateDir } from "./_prepare.ts";
import { stopAllOrphans } from "./_orphans.ts";

/** Help text. */
export const help = `iocsup start: run supervisord and the IOCs in the foreground

USAGE
  iocsup start

Renders supervisord.conf into the state directory and runs supervisord in the foreground.
Ctrl-C (SIGINT) or SIGTERM stops every IOC cleanly, then iocsup exits with supervisord's status.
Without ./settings.yaml (and without --config) it runs the embedded demo. IOCs and a manager
left running by a supervisord that died are stopped first (one line each), so none runs twice.

OPTIONS
${COMMON_OPTIONS_HELP}

EXAMPLES
  iocsup start
  iocsup start --config /epics/settings.yaml --state-dir /var/lib/iocsup
`;

const FORWARDED: Deno.Signal[] = ["SIGINT", "SIGTERM"];

/** Run the command. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(args);
  const ctx = await loadContext(parsed);
  if (await isRunning(ctx.paths)) {
    note(`supervisord is already running for ${ctx.paths.dir}; run "iocsup stop" first`);
    return 1;
  }
  // Before the conf is rendered again: the orphans stop the way the old conf says.
  await stopAllOrphans(ctx.paths, note);
  const web = await prepareStateDir(ctx);
  if (ctx.demo) note("No settings.yaml here: running the embedded demo (prefix DEMO)");
  const autostart = ctx.settings.iocs.filter((ioc) => ioc.autostart).length;
  note(
    `Starting supervisord with ${ctx.settings.iocs.length} IOCs (${autostart} autostart), ` +
      `PVs ${ctx.settings.general.prefix}:MAN:*, state in ${ctx.paths.dir}`,
  );
  if (web) note(`Web UI ${web.url} user ${web.username} password ${web.password}`);
  note("Press Ctrl-C to stop every IOC and exit");

  const child = await spawnForeground(ctx.paths.conf);
  // SIGTERM is supervisord's "stop every program, then exit".
  const forward = () => {
    try {
      child.kill("SIGTERM");
    } catch {
      // Already gone.
    }
  };
  for (const signal of FORWARDED) Deno.addSignalListener(signal, forward);
  try {
    const status = await child.status;
    return status.signal ? 128 + signalNumber(status.signal) : status.code;
  } finally {
    for (const signal of FORWARDED) Deno.removeSignalListener(signal, forward);
  }
}

function signalNumber(signal: Deno.Signal): number {
  const numbers: Partial<Record<Deno.Signal, number>> = {
    SIGHUP: 1,
    SIGINT: 2,
    SIGKILL: 9,
    SIGTERM: 15,
  };
  return numbers[signal] ?? 1;
}
