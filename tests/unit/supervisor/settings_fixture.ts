/**
 * Settings objects built by hand for supervisor tests (the loader is tested elsewhere).
 *
 * @module
 */
import type { IocSettings, Settings } from "../../../mod/config/types.ts";

/** An IOC with defaults like the loader's; `overrides` replace fields. */
export function iocSettings(name: string, overrides: Partial<IocSettings> = {}): IocSettings {
  return {
    name,
    command: "sleep 1000",
    directory: "/tmp",
    env: {},
    autostart: true,
    autorestart: "unexpected",
    startsecs: 1,
    stopsignal: "TERM",
    stopwaitsecs: 10,
    description: "",
    heartbeatPv: undefined,
    position: { line: 1, col: 1 },
    ...overrides,
  };
}

/** Settings with the given IOCs; `web` false unless given. */
export function settingsWith(
  iocs: IocSettings[],
  options: { dir?: string; web?: Settings["general"]["web"] } = {},
): Settings {
  const dir = options.dir ?? "/srv/iocs";
  return {
    file: `${dir}/settings.yaml`,
    dir,
    general: {
      prefix: "TEST",
      logDir: "logs",
      epicsAddrList: undefined,
      epicsBeaconAddrList: undefined,
      delay: 0.5,
      command: undefined,
      heartbeatPv: undefined,
      ca: { interfaces: [], port: undefined, beacons: [], autoBeacons: undefined },
      pva: {
        interfaces: [],
        port: undefined,
        udpPort: undefined,
        beacons: [],
        autoBeacons: undefined,
      },
      web: options.web ?? false,
      logMaxBytes: 1048576,
      logBackups: 3,
      logLines: 20,
      access: undefined,
    },
    iocs,
  };
}
