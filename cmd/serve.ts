/**
 * `iocsup serve`: the manager. supervisord runs it as `[eventlistener:iocsup-manager]`: stdin and
 * stdout carry the event-listener protocol, logs go to stderr (logs/manager.log). It serves the
 * PVs over Channel Access and pvAccess (one `Pv` per PV, handed to both servers) until
 * supervisord closes its stdin. SIGHUP re-reads the settings.
 *
 * It never exits because settings.yaml is invalid: supervisord restarts it whenever it dies, maybe
 * while the file is half edited, so it then logs the problems and serves the settings it last
 * applied (`<state>/manager-settings.yaml`, see mod/manager/settings_snapshot.ts).
 *
 * @module
 */
import denoJson from "../deno.json" with { type: "json" };
import { join } from "node:path";
import type { Settings } from "../mod/config/types.ts";
import { ConfigError, formatIssue } from "../mod/errors.ts";
import { CaServer } from "../mod/ca/mod.ts";
import { PvaServer } from "../mod/pva/mod.ts";
import type { PvServer } from "../mod/pv/mod.ts";
import { getLogger } from "../mod/log.ts";
import { CaHeartbeats } from "../mod/manager/heartbeat.ts";
import { Manager } from "../mod/manager/manager.ts";
import { managerRestartReasons } from "../mod/manager/restart_reasons.ts";
import {
  readSettingsSnapshot,
  readSettingsWithText,
  saveSettingsSnapshot,
  settingsSnapshotPath,
  type SettingsWithText,
} from "../mod/manager/settings_snapshot.ts";
import { processStateEvent, runEventListener, SupervisorClient } from "../mod/supervisor/mod.ts";
import { resolveStateDir, statePaths } from "../mod/state_dir.ts";
import { COMMON_OPTIONS_HELP, parseCommandArgs, stringFlag } from "./_common.ts";

/** Help text. */
export const help = `iocsup serve: the manager (run by supervisord, not by hand)

USAGE
  iocsup serve --config FILE --state-dir DIR

supervisord starts it as [eventlistener:iocsup-manager]. It serves {prefix}:MAN:* over Channel
Access (general.ca) and pvAccess (general.pva), follows PROCESS_STATE events on stdin and polls supervisord every few seconds. stdout is
the event-listener protocol; logs go to stderr. SIGHUP re-reads the settings ("iocsup reload").
When the settings file is invalid at start it logs why (file:line:col) and serves the settings
it last applied, kept in <state-dir>/manager-settings.yaml.

OPTIONS
${COMMON_OPTIONS_HELP}
`;

const log = getLogger("serve");

/** CA server options from settings; the EPICS_CAS_* environment fills what settings omit. */
function caOptions(settings: Settings) {
  const ca = settings.general.ca;
  if (ca === false) return undefined;
  const beacons = [
    ...ca.beacons,
    ...(settings.general.epicsBeaconAddrList?.split(/\s+/).filter(Boolean) ?? []),
  ];
  return {
    ...(ca.port !== undefined ? { port: ca.port } : {}),
    ...(ca.interfaces.length > 0 ? { interfaces: ca.interfaces } : {}),
    ...(beacons.length > 0 ? { beaconAddrs: beacons } : {}),
    ...(ca.autoBeacons !== undefined ? { autoBeacons: ca.autoBeacons } : {}),
  };
}

/** PVA server options from settings; the EPICS_PVAS_* environment fills what settings omit. */
function pvaOptions(settings: Settings) {
  const pva = settings.general.pva;
  if (pva === false) return undefined;
  return {
    ...(pva.port !== undefined ? { tcpPort: pva.port } : {}),
    ...(pva.udpPort !== undefined ? { udpPort: pva.udpPort } : {}),
    ...(pva.interfaces.length > 0 ? { interfaces: pva.interfaces } : {}),
    ...(pva.beacons.length > 0 ? { beaconAddrs: pva.beacons } : {}),
    ...(pva.autoBeacons !== undefined ? { autoBeacons: pva.autoBeacons } : {}),
  };
}

/** Log every problem of an invalid settings file, one `file:line:col: message` per line. */
function logConfigError(what: string, error: unknown): void {
  log.error(what);
  const lines = error instanceof ConfigError ? error.issues.map(formatIssue) : [String(error)];
  for (const line of lines) log.error(line);
}

/**
 * The settings to start with: the settings file, or when it is invalid the snapshot of the
 * last applied settings. `fromFile` says whether the snapshot needs writing once they apply.
 */
async function startSettings(
  file: string,
  snapshot: string,
): Promise<SettingsWithText & { fromFile: boolean }> {
  try {
    return { ...await readSettingsWithText(file), fromFile: true };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    let last: SettingsWithText;
    try {
      last = await readSettingsSnapshot(snapshot, { file });
    } catch (snapshotError) {
      // Nothing applied before: exit, and supervisord starts us again (the file may be fixed).
      logConfigError("Cannot load settings, and no applied settings to fall back on:", error);
      logConfigError(`Cannot use ${snapshot}:`, snapshotError);
      throw error;
    }
    logConfigError(
      `Cannot load settings: serving the last applied settings (${snapshot}) until ` +
        `"iocsup reload" succeeds`,
      error,
    );
    return { ...last, fromFile: false };
  }
}

/** Run the command. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(args);
  const file = stringFlag(parsed, "config") ?? "settings.yaml";
  const stateDir = resolveStateDir(file, stringFlag(parsed, "state-dir"));
  const snapshot = settingsSnapshotPath(stateDir);
  const initial = await startSettings(file, snapshot);
  const settings = initial.settings;
  const paths = statePaths(stateDir, settings.general.logDir);
  const client = new SupervisorClient(paths.socket, { timeoutMs: 60_000 });
  const ca = caOptions(settings);
  const pva = pvaOptions(settings);
  const caServer = ca && await CaServer.start(ca);
  let pvaServer: PvaServer | undefined;
  try {
    pvaServer = pva && await PvaServer.start(pva);
  } catch (error) {
    await caServer?.close();
    throw error;
  }
  const servers: PvServer[] = [caServer, pvaServer].filter((s) => s !== undefined);
  // Opens no socket until a heartbeat PV is watched (now, or after a reload adds one).
  const heartbeats = new CaHeartbeats({ addrList: settings.general.epicsAddrList });
  const manager = new Manager({
    settings,
    client,
    servers,
    version: denoJson.version,
    heartbeats,
    stateFile: join(paths.dir, "manager-state.json"),
    supervisordLog: paths.supervisordLog,
    logDir: paths.logDir,
    stateDir: paths.dir,
  });
  await manager.start();
  if (caServer) log.info(`CA server on TCP ${caServer.tcpPort}, UDP ${caServer.udpPort}`);
  if (pvaServer) log.info(`PVA server on TCP ${pvaServer.tcpPort}, UDP ${pvaServer.udpPort}`);
  const keep = (text: string) =>
    saveSettingsSnapshot(snapshot, text).catch((error) =>
      log.warn(`Cannot write ${snapshot}: ${error}`)
    );
  if (initial.fromFile) await keep(initial.text);

  const { promise: terminated, resolve: terminate } = Promise.withResolvers<void>();
  // One reload at a time, in signal order, so the snapshot is always the settings in force.
  let reloading = Promise.resolve();
  const reload = () => {
    reloading = reloading.then(async () => {
      let next: SettingsWithText;
      try {
        next = await readSettingsWithText(file);
      } catch (error) {
        logConfigError("Cannot reload settings: keeping the settings in force", error);
        return;
      }
      const reasons = managerRestartReasons(manager.settings, next.settings);
      if (reasons.length > 0) {
        // Sockets and timers are set up once: end, and supervisord (autorestart) starts a
        // manager that reads the new settings. "iocsup reload" restarts it itself instead.
        log.info(`exiting to apply ${reasons.join(", ")}: supervisord starts the manager again`);
        terminate();
        return;
      }
      try {
        await manager.applySettings(next.settings);
        await keep(next.text);
      } catch (error) {
        log.error(`Cannot apply reloaded settings: ${error}`);
      }
    });
  };
  Deno.addSignalListener("SIGHUP", reload);
  const onTerm = () => terminate();
  Deno.addSignalListener("SIGTERM", onTerm);
  Deno.addSignalListener("SIGINT", onTerm);
  try {
    // supervisord ends the listener by SIGTERM or by closing stdin; either ends serving.
    await Promise.race([
      terminated,
      runEventListener((event) => {
        const state = processStateEvent(event);
        if (state) return manager.handleEvent(state);
      }),
    ]);
  } finally {
    Deno.removeSignalListener("SIGHUP", reload);
    Deno.removeSignalListener("SIGTERM", onTerm);
    Deno.removeSignalListener("SIGINT", onTerm);
    await reloading;
    await manager.close();
    await heartbeats.close();
    await Promise.all([caServer?.close(), pvaServer?.close()]);
    log.info("stopped");
  }
  return 0;
}
