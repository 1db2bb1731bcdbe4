/**
 * `iocsup start-daemon`: render supervisord.conf, start supervisord in the background and return
 * once each autostart IOC is RUNNING or has failed. Exit 1 if any failed. IOCs left running by a
 * supervisord that died are stopped first, so there is never a second copy of an IOC. When
 * supervisord already runs, a stopped or failed manager is started again.
 *
 * @module
 */
import { iocPidOf } from "../mod/console/ioc_pid.ts";
import {
  isRunning,
  MANAGER_LISTENER_NAME,
  type ProcessInfo,
  startDaemon,
  type SupervisorClient,
  supervisorClient,
  SupervisorFault,
} from "../mod/supervisor/mod.ts";
import { COMMON_OPTIONS_HELP, parseCommandArgs } from "./_common.ts";
import { type Context, loadContext } from "./_context.ts";
import { note, out, paint, table } from "./_output.ts";
import { stopAllOrphans } from "./_orphans.ts";
import { prepareStateDir } from "./_prepare.ts";
import { waitForSettled } from "./_wait_iocs.ts";

/** Help text. */
export const help = `iocsup start-daemon: start supervisord in the background

USAGE
  iocsup start-daemon

Renders supervisord.conf, starts supervisord (which daemonizes) and waits until every autostart
IOC has reached RUNNING or failed. Prints one line per IOC.

IOCs and a manager left running by a supervisord that died are stopped first (their stopsignal,
SIGKILL after stopwaitsecs), one line each, so no IOC ever runs twice.

If supervisord is already running for this state directory it changes nothing, except that a
manager that is not running (STOPPED, EXITED, FATAL, BACKOFF) is started again.

OPTIONS
${COMMON_OPTIONS_HELP}

EXIT CODES
  0 all autostart IOCs running (or already running)
  1 an IOC or the manager failed to start, or supervisord does not answer

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
  if (await isRunning(ctx.paths)) return alreadyRunning(ctx);
  // Before the conf is rendered again: the orphans stop the way the old conf says.
  await stopAllOrphans(ctx.paths, note);
  const web = await prepareStateDir(ctx);
  if (ctx.demo) note("No settings.yaml here: running the embedded demo (prefix DEMO)");
  await startDaemon(ctx.paths);
  const client = supervisorClient(ctx.paths);
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
      ok
        ? `pid ${iocPidOf(ctx.paths.dir, ioc.name, info?.pid ?? 0)}`
        : (info?.spawnerr || info?.description || ""),
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

/** Manager states in which supervisord will not run it again by itself. */
const MANAGER_DOWN = new Set(["STOPPED", "EXITED", "FATAL", "BACKOFF"]);

/**
 * supervisord runs already: leave the IOCs alone, but stop orphans from an earlier supervisord
 * and bring a manager that is down back.
 */
async function alreadyRunning(ctx: Context): Promise<number> {
  const client = supervisorClient(ctx.paths);
  const orphans = await stopAllOrphans(ctx.paths, note, await client.getPID());
  const manager = await managerInfo(client);
  if (manager === undefined || !MANAGER_DOWN.has(manager.statename)) {
    const what = orphans.length > 0 ? "otherwise nothing changed" : "nothing changed";
    out(`supervisord is already running for ${ctx.paths.dir}; ${what}\n`);
    return 0;
  }
  note(`The manager (${MANAGER_LISTENER_NAME}) was ${manager.statename}: starting it again`);
  if (manager.statename === "BACKOFF") {
    // supervisord refuses startProcess while it retries; stopping ends the retries.
    await client.stopProcess(MANAGER_LISTENER_NAME, true).catch(ignoreFault("NOT_RUNNING"));
  }
  await client.startProcess(MANAGER_LISTENER_NAME, false).catch(ignoreFault("ALREADY_STARTED"));
  const infos = await waitForSettled(client, [MANAGER_LISTENER_NAME], 30_000);
  const state = infos.get(MANAGER_LISTENER_NAME)?.statename ?? "UNKNOWN";
  out(`supervisord is already running for ${ctx.paths.dir}; manager ${state}\n`);
  if (state === "RUNNING") return 0;
  note(`The manager is ${state}: see "iocsup logs manager"`);
  return 1;
}

async function managerInfo(client: SupervisorClient): Promise<ProcessInfo | undefined> {
  try {
    return await client.getProcessInfo(MANAGER_LISTENER_NAME);
  } catch (error) {
    // A conf written without the manager.
    if (error instanceof SupervisorFault && error.faultName === "BAD_NAME") return undefined;
    throw error;
  }
}

function ignoreFault(name: string): (error: unknown) => void {
  return (error) => {
    if (!(error instanceof SupervisorFault && error.faultName === name)) throw error;
  };
}

/** Run the command. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(args);
  return startDaemonAndWait(await loadContext(parsed));
}
