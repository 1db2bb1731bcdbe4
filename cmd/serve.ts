/**
 * `iocsup serve`: the manager. supervisord runs it as `[eventlistener:iocsup-manager]`: stdin and
 * stdout carry the event-listener protocol, logs go to stderr (logs/manager.log). It serves the
 * PVs over Channel Access until supervisord closes its stdin. SIGHUP re-reads the settings.
 *
 * @module
 */
import denoJson from "../deno.json" with { type: "json" };
import { join } from "node:path";
import { loadSettings } from "../mod/config/mod.ts";
import type { Settings } from "../mod/config/types.ts";
import { CaServer } from "../mod/ca/mod.ts";
import { getLogger } from "../mod/log.ts";
import { CaHeartbeats } from "../mod/manager/heartbeat.ts";
import { Manager } from "../mod/manager/manager.ts";
import { processStateEvent, runEventListener, SupervisorClient } from "../mod/supervisor/mod.ts";
import { resolveStateDir, statePaths } from "../mod/state_dir.ts";
import { COMMON_OPTIONS_HELP, parseCommandArgs, stringFlag } from "./_common.ts";

/** Help text. */
export const help = `iocsup serve: the manager (run by supervisord, not by hand)

USAGE
  iocsup serve --config FILE --state-dir DIR

supervisord starts it as [eventlistener:iocsup-manager]. It serves {prefix}:MAN:* over Channel
Access, follows PROCESS_STATE events on stdin and polls supervisord every few seconds. stdout is
the event-listener protocol; logs go to stderr. SIGHUP re-reads the settings ("iocsup reload").

OPTIONS
${COMMON_OPTIONS_HELP}
`;

const log = getLogger("serve");

/** CA server options from settings; the EPICS_CAS_* environment fills what settings omit. */
function caOptions(settings: Settings) {
  const ca = settings.general.ca;
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

/** Run the command. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(args);
  const file = stringFlag(parsed, "config") ?? "settings.yaml";
  const settings = await loadSettings(file);
  const paths = statePaths(
    resolveStateDir(settings.file, stringFlag(parsed, "state-dir")),
    settings.general.logDir,
  );
  const client = new SupervisorClient(paths.socket, { timeoutMs: 60_000 });
  const server = await CaServer.start(caOptions(settings));
  // Opens no socket until a heartbeat PV is watched (now, or after a reload adds one).
  const heartbeats = new CaHeartbeats({ addrList: settings.general.epicsAddrList });
  const manager = new Manager({
    settings,
    client,
    server,
    version: denoJson.version,
    heartbeats,
    stateFile: join(paths.dir, "manager-state.json"),
    supervisordLog: paths.supervisordLog,
  });
  await manager.start();
  log.info(`CA server on TCP ${server.tcpPort}, UDP ${server.udpPort}`);

  const reload = () => {
    loadSettings(file)
      .then((next) => manager.applySettings(next))
      .catch((error) => log.error(`Cannot reload settings: ${error.message ?? error}`));
  };
  Deno.addSignalListener("SIGHUP", reload);
  const { promise: terminated, resolve: terminate } = Promise.withResolvers<void>();
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
    await manager.close();
    await heartbeats.close();
    await server.close();
    log.info("stopped");
  }
  return 0;
}
