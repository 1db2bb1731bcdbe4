/**
 * The validated, defaulted settings model. Produced only by `loadSettings`/`parseSettings`;
 * everything downstream (conf rendering, the manager) reads this, never raw YAML.
 *
 * @module
 */
import type { ConfigIssue } from "../errors.ts";

/** supervisord's `autorestart` values. */
export type AutoRestart = "true" | "false" | "unexpected";

/** Channel Access server options of the manager (`general.ca`). */
export interface CaSettings {
  /** Interfaces to bind (EPICS_CAS_INTF_ADDR_LIST); empty = all. */
  interfaces: string[];
  /** UDP search / preferred TCP port. @default 5064 (or EPICS_CA_SERVER_PORT) */
  port: number | undefined;
  /** Beacon destinations `host[:port]` (EPICS_CAS_BEACON_ADDR_LIST). */
  beacons: string[];
  /** Add interfaces' broadcast addresses to the beacon list. @default true unless beacons given */
  autoBeacons: boolean | undefined;
}

/** pvAccess server options of the manager (`general.pva`); EPICS_PVAS_* fill what is absent. */
export interface PvaSettings {
  /** Interfaces the TCP listener binds (EPICS_PVAS_INTF_ADDR_LIST); empty = all. */
  interfaces: string[];
  /** Preferred TCP port. @default 5075 (or EPICS_PVAS_SERVER_PORT, EPICS_PVA_SERVER_PORT) */
  port: number | undefined;
  /** UDP search port. @default 5076 (or EPICS_PVAS_BROADCAST_PORT, EPICS_PVA_BROADCAST_PORT) */
  udpPort: number | undefined;
  /** Beacon destinations `host[:port]` (EPICS_PVAS_BEACON_ADDR_LIST). */
  beacons: string[];
  /** Add interfaces' broadcast addresses to the beacon list (EPICS_PVAS_AUTO_BEACON_ADDR_LIST). @default true */
  autoBeacons: boolean | undefined;
}

/** supervisord's web UI (`[inet_http_server]`), or `false` when turned off. */
export interface WebSettings {
  /** `host:port` to listen on. @default "127.0.0.1:9001" */
  listen: string;
  /** Login name. @default "iocsup" */
  username: string;
  /** Password from settings; when absent one is generated and kept in the state dir. */
  password: string | undefined;
}

/** Who may write the manager's writable PVs (`general.access`); absent = anyone. */
export interface AccessSettings {
  /** Client host names (as sent in HOST_NAME) allowed to write. Empty = any host. */
  writeHosts: string[];
  /** Client user names (as sent in CLIENT_NAME) allowed to write. Empty = any user. */
  writeUsers: string[];
}

/** The `general:` map. */
export interface GeneralSettings {
  /** PV prefix; PVs are `{prefix}:MAN:…`. */
  prefix: string;
  /** Log directory, relative to the state directory unless absolute. @default "logs" */
  logDir: string;
  /** Where the manager's CA client searches (heartbeat PVs), space separated. */
  epicsAddrList: string | undefined;
  /** Extra beacon destinations (Python tool's key). */
  epicsBeaconAddrList: string | undefined;
  /** Heartbeat refresh period in seconds. @default 0.5 */
  delay: number;
  /** Default command template (`{name}`, `{dir}`), for IOCs without their own `command`. */
  command: string | undefined;
  /** Default heartbeat PV template (`{prefix}`, `{name}`). */
  heartbeatPv: string | undefined;
  /** CA server options, or false to serve pvAccess only. */
  ca: CaSettings | false;
  /** pvAccess server options, or false to serve CA only. */
  pva: PvaSettings | false;
  /** Web UI, or false. */
  web: WebSettings | false;
  /** Rotation size of each IOC log, bytes. @default 10 MiB */
  logMaxBytes: number;
  /** Rotated copies kept. @default 5 */
  logBackups: number;
  /** Lines of output the `_log` PV holds; 0: no `_log` and `_lastline` PVs. @default 20 */
  logLines: number;
  /**
   * Prefix each line a plain IOC writes with its local time (`[2026-12-01T14:03:07+0000] `).
   * Optional so hand-built settings may omit it; undefined means true. @default true
   */
  timestamps?: boolean;
  /**
   * Run every IOC on a console (procServ on a pseudo-terminal, reached through a unix socket in
   * the state directory) unless the IOC says `console: false`. Undefined means false. @default false
   */
  console?: boolean;
  /**
   * Group allowed to use the console sockets (mode 0660 with this group); undefined: the owner
   * only (mode 0600).
   */
  consoleGroup?: string | undefined;
  /** Write access rules, or undefined for "anyone may write". */
  access: AccessSettings | undefined;
}

/** Where a value came from in the settings file (1-based). */
export interface SourcePosition {
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  col: number;
}

/** One IOC (every top-level key except `general`). */
export interface IocSettings {
  /** The key: supervisord program name, log file name, PV name part. */
  name: string;
  /** Shell-free command line (split by supervisord), with templates expanded. */
  command: string;
  /** Working directory (absolute). Defaults to the settings file's folder. */
  directory: string;
  /** Extra environment for the IOC. */
  env: Record<string, string>;
  /** Start with supervisord; member of `MAN:all`. */
  autostart: boolean;
  /** supervisord autorestart. @default "unexpected" */
  autorestart: AutoRestart;
  /** Seconds the process must stay up to count as started. @default 1 */
  startsecs: number;
  /** Signal name for stop (TERM, INT, QUIT, KILL, HUP, USR1, USR2). @default "TERM" */
  stopsignal: string;
  /** Seconds to wait after stopsignal before SIGKILL. @default 10 */
  stopwaitsecs: number;
  /** Free text, shown in status and `_desc`. @default "" */
  description: string;
  /** Heartbeat PV name (expanded), if any. */
  heartbeatPv: string | undefined;
  /** Stamp each log line; undefined means `general.timestamps`. */
  timestamps?: boolean;
  /** Run on a console (procServ); undefined means `general.console`. */
  console?: boolean;
  /** Position of the IOC's key in the file. */
  position: SourcePosition;
}

/** A loaded settings file. */
export interface Settings {
  /** Absolute path of the settings file, or "(demo)" for the embedded demo. */
  file: string;
  /** Absolute folder of the settings file (`{dir}` in templates). */
  dir: string;
  /** The `general:` map with defaults applied. */
  general: GeneralSettings;
  /** IOCs in file order. */
  iocs: IocSettings[];
  /**
   * What works but is probably not meant (unknown `general` keys, likely typos of iocsup keys,
   * a heartbeat search that cannot reach every server), each at its `file:line:col`, in file
   * order. Always set by `parseSettings`; absent in settings built by hand.
   */
  warnings?: ConfigIssue[];
}
