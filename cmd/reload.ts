/**
 * `iocsup reload`: re-read settings and apply added, removed and changed IOCs through
 * supervisord without touching unchanged ones; the manager then adds/removes their PVs. What
 * only a manager restart applies (CA server settings) restarts the manager; what only a
 * supervisord restart applies (the web UI) is kept as it is in force and named in the output.
 *
 * @module
 */
import { procServFor } from "../mod/console/procserv.ts";
import { writeConsoleFiles } from "../mod/console/wrapper.ts";
import { NotRunningError } from "../mod/errors.ts";
import { managerRestartReasons } from "../mod/manager/restart_reasons.ts";
import { readSettingsSnapshot, settingsSnapshotPath } from "../mod/manager/settings_snapshot.ts";
import {
  isRunning,
  loadTemplates,
  MANAGER_LISTENER_NAME,
  renderConf,
  RUNNING_STATES,
  STOPPED_STATES,
  summarizeConf,
  SupervisorClient,
  SupervisorFault,
  writeConf,
} from "../mod/supervisor/mod.ts";
import type { ProcessStateName } from "../mod/supervisor/states.ts";
import {
  daemonChanges,
  keepSection,
  webChanges,
  type WebLogin,
} from "../mod/supervisor/start_only_changes.ts";
import { ensureGeneratedPassword } from "../mod/web_credentials.ts";
import { boolFlag, COMMON_OPTIONS_HELP, parseCommandArgs } from "./_common.ts";
import { type Context, loadContext } from "./_context.ts";
import { out } from "./_output.ts";
import { managerCommand } from "./_prepare.ts";

/** Help text. */
export const help = `iocsup reload: apply changed settings without touching unchanged IOCs

USAGE
  iocsup reload [--json]

Validates the settings, rewrites supervisord.conf, and asks supervisord to reload it: new IOCs
are added (and started if autostart), removed IOCs are stopped and removed, changed IOCs are
restarted with their new settings (and run again if they ran before, whatever their
autostart). Unchanged IOCs keep running with the same pid. The manager then serves the PVs of
the new set; it is restarted when its CA or pvAccess settings (general.ca, general.pva, prefix,
delay, epics_addr_list, epics_beacon_addr_list) changed, and started when it was stopped or had given up (FATAL).

supervisord reads the web UI (general.web) and its own log (general.log_dir, log_maxbytes,
log_backups) only when it starts: those changes are not applied, what is in force stays (in
supervisord.conf too, so "iocsup status" shows the web login in force), and each such setting
is listed as needing "iocsup restart" (which restarts every IOC). IOC logs follow at once.

OPTIONS
      --json           print {"added", "changed", "removed", "startedAgain": […],
                       "manager": {"action", "reasons"}, "restartNeeded": […]}
${COMMON_OPTIONS_HELP}

EXIT CODES
  0 applied, 1 the manager did not start, 2 invalid settings (nothing changed),
  3 supervisord is not running
`;

/** What `reload --json` prints. */
export interface ReloadReport {
  /** IOCs added to supervisord. */
  added: string[];
  /** IOCs whose program section changed (restarted with the new one). */
  changed: string[];
  /** IOCs removed from supervisord. */
  removed: string[];
  /** Changed IOCs that were running before the reload and were started again. */
  startedAgain: string[];
  /** What happened to the manager. */
  manager: {
    /**
     * `reloaded` (SIGHUP), `restarted` (stop + start, to apply `reasons`), `started` (it was
     * STOPPED, EXITED or FATAL), `replaced` (its section changed: supervisord re-created it).
     */
    action: "reloaded" | "restarted" | "started" | "replaced";
    /** Settings whose change needed the restart. */
    reasons: string[];
    /** Why the manager could not be started, when it could not. */
    error?: string;
  };
  /** Changed settings that only `iocsup restart` applies; the old values stay in force. */
  restartNeeded: string[];
}

async function ignoreFault(call: Promise<unknown>, ...names: string[]): Promise<void> {
  try {
    await call;
  } catch (error) {
    if (!(error instanceof SupervisorFault && names.includes(error.faultName))) throw error;
  }
}

/** The web UI login the settings ask for (the generated password when none is set). */
async function wantedWeb(ctx: Context): Promise<WebLogin | undefined> {
  const web = ctx.settings.general.web;
  if (web === false) return undefined;
  const password = web.password ?? await ensureGeneratedPassword(ctx.paths.webCredentials);
  return { listen: web.listen, username: web.username, password };
}

/**
 * The settings the manager runs with, read from its snapshot; undefined when there is none (it
 * never applied settings, or an older iocsup runs it).
 */
async function appliedSettings(ctx: Context) {
  try {
    const snapshot = settingsSnapshotPath(ctx.paths.dir);
    return (await readSettingsSnapshot(snapshot, { file: ctx.settingsFileForChildren })).settings;
  } catch {
    return undefined;
  }
}

/**
 * Write the new conf with the `[inet_http_server]` and `[supervisord]` sections in force, so the
 * conf (which `status` reads) keeps saying what supervisord runs.
 *
 * @returns The settings whose change waits for `iocsup restart`.
 */
async function writeReloadConf(ctx: Context): Promise<string[]> {
  await Deno.mkdir(ctx.paths.logDir, { recursive: true });
  const current = await Deno.readTextFile(ctx.paths.conf).catch(() => undefined);
  const wanted = await wantedWeb(ctx);
  const inForce = current === undefined ? wanted : summarizeConf(current).web;
  const text = renderConf(ctx.settings, {
    paths: ctx.paths,
    templates: await loadTemplates(),
    web: inForce ?? false,
    managerCommand: managerCommand(ctx),
    procServ: procServFor(ctx.settings.iocs),
  });
  await writeConsoleFiles(ctx.settings, ctx.paths.dir);
  if (current === undefined) {
    await writeConf(ctx.paths.conf, text);
    return [];
  }
  await writeConf(ctx.paths.conf, keepSection(text, current, "supervisord"));
  return [...webChanges(inForce, wanted), ...daemonChanges(current, text)];
}

/**
 * Bring the manager in line with the new settings.
 *
 * @param client supervisord.
 * @param replaced supervisord re-created the manager's pool (its section changed).
 * @param reasons Settings that need a manager restart.
 * @returns What was done.
 */
async function applyToManager(
  client: SupervisorClient,
  replaced: boolean,
  reasons: string[],
): Promise<ReloadReport["manager"]> {
  // A manager that starts now reads the new settings: nothing else to apply.
  if (replaced) return { action: "replaced", reasons: [] };
  const state = (await client.getProcessInfo(MANAGER_LISTENER_NAME)).statename;
  // STOPPED, EXITED, FATAL: stopped by hand, or supervisord gave up on it.
  const stopped = STOPPED_STATES.has(state as ProcessStateName);
  if (!stopped && reasons.length === 0) {
    await ignoreFault(client.signalProcess(MANAGER_LISTENER_NAME, "HUP"), "NOT_RUNNING");
    return { action: "reloaded", reasons };
  }
  const outcome: ReloadReport["manager"] = stopped
    ? { action: "started", reasons: [] }
    : { action: "restarted", reasons };
  try {
    if (!stopped) {
      await ignoreFault(client.stopProcess(MANAGER_LISTENER_NAME, true), "NOT_RUNNING");
    }
    await ignoreFault(client.startProcess(MANAGER_LISTENER_NAME, true), "ALREADY_STARTED");
    return outcome;
  } catch (error) {
    return { ...outcome, error: error instanceof Error ? error.message : String(error) };
  }
}

function formatReport(report: ReloadReport, unchanged: number): string {
  const list = (names: string[]) => names.join(", ") || "-";
  const lines = [
    `added: ${list(report.added)}`,
    `changed: ${list(report.changed)}`,
    `removed: ${list(report.removed)}`,
    `unchanged: ${unchanged}`,
  ];
  if (report.startedAgain.length > 0) {
    lines.push(`started again (they ran before): ${list(report.startedAgain)}`);
  }
  const { action, reasons, error } = report.manager;
  const why = reasons.length > 0 ? ` to apply ${reasons.join(", ")}` : "";
  lines.push(
    error !== undefined
      ? `manager: cannot start: ${error} (see logs/manager.log; supervisord keeps trying)`
      : action === "reloaded"
      ? "manager: reloaded"
      : `manager: ${action}${why}`,
  );
  for (const setting of report.restartNeeded) {
    lines.push(
      `not applied: ${setting}: supervisord reads it only when it starts; what is in force ` +
        `stays until "iocsup restart" (which restarts every IOC)`,
    );
  }
  return lines.join("\n") + "\n";
}

/** Run the command. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(args, { json: { type: "boolean" } });
  const ctx = await loadContext(parsed);
  if (!(await isRunning(ctx.paths))) {
    throw new NotRunningError(
      `supervisord is not running for ${ctx.paths.dir}: use "iocsup start-daemon"`,
    );
  }
  // A stopProcess below waits up to the IOC's stopwaitsecs; a hung supervisord has already
  // failed isRunning's short timeout.
  const maxStopWait = Math.max(10, ...ctx.settings.iocs.map((ioc) => ioc.stopwaitsecs));
  const client = new SupervisorClient(ctx.paths.socket, { timeoutMs: (maxStopWait + 30) * 1000 });
  const applied = await appliedSettings(ctx);
  // No snapshot: the manager is still reading the settings file (it reads the new one), or has
  // never applied any.
  const reasons = applied ? managerRestartReasons(applied, ctx.settings) : [];
  const before = new Map(
    (await client.getAllProcessInfo()).map((info) => [info.name, info.statename]),
  );
  const restartNeeded = await writeReloadConf(ctx);
  const { added, changed, removed } = await client.reloadConfig();
  for (const name of [...removed, ...changed]) {
    await ignoreFault(client.stopProcess(name, true), "NOT_RUNNING", "BAD_NAME");
    await ignoreFault(client.removeProcessGroup(name), "BAD_NAME");
  }
  for (const name of [...changed, ...added]) {
    await ignoreFault(client.addProcessGroup(name), "ALREADY_ADDED");
  }
  const iocs = (list: string[]) => list.filter((name) => name !== MANAGER_LISTENER_NAME);
  // An operator started it (maybe with autostart false): a new program section must not stop it.
  const startedAgain = iocs(changed).filter((name) =>
    RUNNING_STATES.has(before.get(name) as ProcessStateName)
  );
  for (const name of startedAgain) {
    await ignoreFault(client.startProcess(name, false), "ALREADY_STARTED");
  }
  const manager = await applyToManager(
    client,
    [...added, ...changed].includes(MANAGER_LISTENER_NAME),
    reasons,
  );
  const report: ReloadReport = {
    added: iocs(added),
    changed: iocs(changed),
    removed: iocs(removed),
    startedAgain,
    manager,
    restartNeeded,
  };
  if (boolFlag(parsed, "json")) {
    out(JSON.stringify(report, null, 2) + "\n");
  } else {
    const unchanged = ctx.settings.iocs.length - report.added.length - report.changed.length;
    out(formatReport(report, unchanged));
  }
  return manager.error === undefined ? 0 : 1;
}
