/**
 * `iocsup start-daemon`: render supervisord.conf, start supervisord in the background and return
 * once each autostart IOC is RUNNING or has failed. Exit 1 if any failed.
 *
 * @module
 */
import {
  isRunning,
  MANAGER_LISTENER_NAME,
  startDaemon,
  SupervisorClient,
} from "../mod/supervisor/mod.ts";
import { COMMON_OPTIONS_HELP, parseCommandArgs } from "./_common.ts";
import { type Context, loadContext } from "./_context.ts";
import { note, out, paint, table } from "./_output.ts";
import { prepareStateDir } from "./_prepare.ts";
import { waitForSettled } from "./_wait_iocs.ts";

/** Help text. */
export const help = `iocsup start-daemon: start supervisord in the background

USAGE
  iocsup start-daemon

Renders supervisord.conf, starts supervisord (which daemonizes) and waits until every autostart
IOC has reached RUNNING or failed. Prints one line per IOC. If supervisord is already running for
this state directory it says so and changes nothing.

OPTIONS
${COMMON_OPTIONS_HELP}

EXIT CODES
  0 all autostart IOCs running (or already running), 1 an IOC failed to start

EXAMPLES
  iocsup start-daemon && iocsup status
`;

/**
 * Start supervisord in the background and wait for the autostart IOCs.
 *
 * @param ctx Settings and paths.
 * @returns The exit code.
 */
export async function startDaemonAndWait(ctx: Context): Promise<number> {
  if (await isRunning(ctx.paths)) {
    out(`supervisord is already running for ${ctx.paths.dir}; nothing changed\n`);
    return 0;
  }
  const web = await prepareStateDir(ctx);
  if (ctx.demo) note("No settings.yaml here: running the embedded demo (prefix DEMO)");
  await startDaemon(ctx.paths);
  const client = new SupervisorClient(ctx.paths.socket);
  const autostart = ctx.settings.iocs.filter((ioc) => ioc.autostart);
  const maxStartSecs = Math.max(1, ...autostart.map((ioc) => ioc.startsecs));
  // supervisord retries 3 times with 1+2+3 s of back-off before FATAL.
  const infos = await waitForSettled(
    client,
    [MANAGER_LISTENER_NAME, ...autostart.map((ioc) => ioc.name)],
    30_000 + 4_000 * maxStartSecs,
  );
  let failed = 0;
  const rows = autostart.map((ioc) => {
    const info = infos.get(ioc.name);
    const state = info?.statename ?? "UNKNOWN";
    const ok = state === "RUNNING";
    if (!ok) failed++;
    return [
      ioc.name,
      ok ? paint(state, "green") : paint(state, "red"),
      ok ? `pid ${info?.pid}` : (info?.spawnerr || info?.description || ""),
    ];
  });
  out(table(["IOC", "STATE", "DETAIL"], rows));
  const manager = infos.get(MANAGER_LISTENER_NAME);
  if (manager && manager.statename !== "RUNNING") {
    note(`The manager is ${manager.statename}: see "iocsup logs manager"`);
    failed++;
  }
  if (web) out(`web UI ${web.url}  user ${web.username}  password ${web.password}\n`);
  if (failed > 0) note(`${failed} failed to start: see "iocsup logs <ioc> --stderr"`);
  return failed > 0 ? 1 : 0;
}

/** Run the command. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(args);
  return startDaemonAndWait(await loadContext(parsed));
}
