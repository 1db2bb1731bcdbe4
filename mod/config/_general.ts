/**
 * The `general:` map. Keys iocsup does not know are ignored with a warning (the Python tool's
 * files may carry others; a typo should not pass unseen).
 *
 * @module
 */
import { isMap, isScalar } from "yaml";
import type {
  AccessSettings,
  CaSettings,
  GeneralSettings,
  PvaSettings,
  WebSettings,
} from "./types.ts";
import { describe, type Entry, isAbsent, type Source } from "./_source.ts";
import { warnUnknownKey } from "./_keys.ts";
import { confValueProblem } from "./conf_value.ts";
import {
  checkWords,
  readBool,
  readByteSize,
  readInt,
  readPositiveNumber,
  readString,
  readWords,
} from "./_values.ts";

const PREFIX = /^[A-Za-z0-9_:.-]+$/;
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const HOST = /^[A-Za-z0-9.-]+$/;
/** A group name procServ's `unix:USER:GROUP:MODE:PATH` endpoint can carry (no ":"). */
const GROUP_NAME = /^[A-Za-z0-9_.][A-Za-z0-9_.-]*\$?$/;

/** `general.log_lines` unless set. */
const DEFAULT_LOG_LINES = 20;
/**
 * Most `general.log_lines`: `_log` is 128 bytes a line, and CA clients refuse arrays larger than
 * EPICS_CA_MAX_ARRAY_BYTES (16384 by default, so 20 lines pass and 100 need a raised limit).
 */
const MAX_LOG_LINES = 1000;

/** Keys iocsup reads in `general`. */
export const GENERAL_KEYS: readonly string[] = [
  "prefix",
  "log_dir",
  "epics_addr_list",
  "epics_beacon_addr_list",
  "delay",
  "command",
  "heartbeat_pv",
  "ca",
  "pva",
  "web",
  "log_maxbytes",
  "log_backups",
  "log_lines",
  "timestamps",
  "console",
  "console_group",
  "access",
];
const CA_KEYS: readonly string[] = ["interfaces", "port", "beacons", "auto_beacons"];
const PVA_KEYS: readonly string[] = [
  "interfaces",
  "port",
  "udp_port",
  "beacons",
  "auto_beacons",
];
const WEB_KEYS: readonly string[] = ["listen", "username", "password"];
const ACCESS_KEYS: readonly string[] = ["write_hosts", "write_users"];

/** Defaults of every `general` value. */
function defaults(): GeneralSettings {
  return {
    prefix: "",
    logDir: "logs",
    epicsAddrList: undefined,
    epicsBeaconAddrList: undefined,
    delay: 0.5,
    command: undefined,
    heartbeatPv: undefined,
    ca: { interfaces: [], port: undefined, beacons: [], autoBeacons: undefined },
    pva: noPva(),
    web: { listen: "127.0.0.1:9001", username: "iocsup", password: undefined },
    logMaxBytes: 10 * 1024 * 1024,
    logBackups: 5,
    logLines: DEFAULT_LOG_LINES,
    timestamps: true,
    console: false,
    consoleGroup: undefined,
    access: undefined,
  };
}

function noPva(): PvaSettings {
  return {
    interfaces: [],
    port: undefined,
    udpPort: undefined,
    beacons: [],
    autoBeacons: undefined,
  };
}

/** The `general` settings plus what IOCs need to know about where they came from. */
export interface GeneralRead {
  /** The settings with defaults applied. */
  general: GeneralSettings;
  /** The `general.command` value node, or undefined when the file sets none. */
  commandNode: unknown;
  /** The `general.epics_addr_list` value node, or undefined when the file sets none. */
  addrListNode: unknown;
  /** The `general.console_group` value node, or undefined when the file sets none. */
  consoleGroupNode?: unknown;
}

/**
 * Read the `general` entry (or its absence) with defaults applied. Problems are recorded in
 * `src`; the result is still complete so that IOCs can be checked in the same pass.
 *
 * @param src The document being read.
 * @param entry The `general` entry, or undefined when the file has none.
 * @returns The general settings.
 */
export function readGeneral(src: Source, entry: Entry | undefined): GeneralRead {
  const general = defaults();
  const read: GeneralRead = { general, commandNode: undefined, addrListNode: undefined };
  if (entry === undefined) {
    src.error(undefined, `Missing "general" map: set at least "general.prefix"`);
    return read;
  }
  if (!isMap(entry.value)) {
    src.error(
      isAbsent(entry.value) ? entry.keyNode : entry.value,
      `general must be a map, got ${describe(entry.value)}`,
    );
    return read;
  }
  let prefixSeen = false;
  /** Where `ca: false` / `pva: false` were written, to point at when both are off. */
  const offNodes: unknown[] = [];
  for (const { key, keyNode, value } of src.entries(entry.value)) {
    if (key !== undefined && !GENERAL_KEYS.includes(key)) {
      warnUnknownKey(src, keyNode, key, "general", GENERAL_KEYS);
      continue;
    }
    if (isAbsent(value)) continue;
    const label = `general.${key}`;
    switch (key) {
      case "prefix": {
        prefixSeen = true;
        const prefix = readString(src, value, label);
        if (prefix !== undefined && !PREFIX.test(prefix)) {
          src.error(
            value,
            `Cannot use prefix ${JSON.stringify(prefix)}: only letters, digits, "_", ":", "." ` +
              `and "-" are allowed`,
          );
        } else if (prefix !== undefined) {
          general.prefix = prefix;
        }
        break;
      }
      case "log_dir":
        general.logDir = readConfString(src, value, label) ?? general.logDir;
        break;
      case "epics_addr_list":
        read.addrListNode = value;
        general.epicsAddrList = readWords(src, value, label)?.join(" ");
        break;
      case "epics_beacon_addr_list":
        general.epicsBeaconAddrList = readWords(src, value, label)?.join(" ");
        break;
      case "delay":
        general.delay = readPositiveNumber(src, value, label) ?? general.delay;
        break;
      case "command":
        read.commandNode = value;
        general.command = readString(src, value, label);
        break;
      case "heartbeat_pv":
        general.heartbeatPv = readString(src, value, label, { allowEmpty: true });
        break;
      case "ca": {
        const ca = readCa(src, value);
        if (ca === false) offNodes.push(value);
        general.ca = ca ?? general.ca;
        break;
      }
      case "pva": {
        const pva = readPva(src, value);
        if (pva === false) offNodes.push(value);
        general.pva = pva ?? general.pva;
        break;
      }
      case "web":
        general.web = readWeb(src, value) ?? general.web;
        break;
      case "log_maxbytes":
        general.logMaxBytes = readByteSize(src, value, label) ?? general.logMaxBytes;
        break;
      case "log_backups":
        general.logBackups = readInt(src, value, label, { min: 0 }) ?? general.logBackups;
        break;
      case "log_lines":
        general.logLines = readInt(src, value, label, { min: 0, max: MAX_LOG_LINES }) ??
          general.logLines;
        break;
      case "timestamps":
        general.timestamps = readBool(src, value, label) ?? true;
        break;
      case "console":
        general.console = readBool(src, value, label) ?? false;
        break;
      case "console_group": {
        read.consoleGroupNode = value;
        const group = readString(src, value, label);
        if (group !== undefined && !GROUP_NAME.test(group)) {
          src.error(
            value,
            `${label} must be a group name (letters, digits, "_", "." and "-"), got ${
              JSON.stringify(group)
            }`,
          );
        } else {
          general.consoleGroup = group;
        }
        break;
      }
      case "access":
        general.access = readAccess(src, value);
        break;
    }
  }
  if (general.ca === false && general.pva === false) {
    src.error(
      offNodes[1],
      `Cannot turn off both "general.ca" and "general.pva": the manager would serve no PVs`,
    );
  }
  if (!prefixSeen) {
    src.error(entry.keyNode, `Missing "general.prefix": PVs are named "<prefix>:MAN:…"`);
  }
  return read;
}

/** A string that supervisord.conf can hold as it is (`%` is fine: it is escaped). */
function readConfString(src: Source, node: unknown, label: string): string | undefined {
  const text = readString(src, node, label);
  const problem = text === undefined ? undefined : confValueProblem(text);
  if (problem === undefined) return text;
  src.error(node, `${label} cannot be written to supervisord.conf: ${problem}`);
  return undefined;
}

function isBoolean(node: unknown): boolean {
  return isScalar(node) && typeof node.value === "boolean";
}

/** `false` turns a server off; `true` keeps the defaults (`undefined`: nothing to change). */
function isOff(node: unknown): false | undefined {
  return isScalar(node) && node.value === false ? false : undefined;
}

function readCa(src: Source, node: unknown): CaSettings | false | undefined {
  if (!isMap(node)) {
    if (isBoolean(node)) return isOff(node);
    src.error(node, `general.ca must be a map or false, got ${describe(node)}`);
    return undefined;
  }
  const ca: CaSettings = { interfaces: [], port: undefined, beacons: [], autoBeacons: undefined };
  for (const { key, keyNode, value } of src.entries(node)) {
    if (key !== undefined && !CA_KEYS.includes(key)) {
      warnUnknownKey(src, keyNode, key, "general.ca", CA_KEYS);
      continue;
    }
    if (isAbsent(value)) continue;
    const label = `general.ca.${key}`;
    switch (key) {
      case "interfaces": {
        const words = readWords(src, value, label) ?? [];
        if (checkWords(src, value, words, (w) => ipv4Problem(label, w))) ca.interfaces = words;
        break;
      }
      case "port":
        ca.port = readInt(src, value, label, { min: 1, max: 65535 });
        break;
      case "beacons": {
        const words = readWords(src, value, label) ?? [];
        if (checkWords(src, value, words, (w) => beaconProblem(label, w))) ca.beacons = words;
        break;
      }
      case "auto_beacons":
        ca.autoBeacons = readBool(src, value, label);
        break;
    }
  }
  return ca;
}

function readPva(src: Source, node: unknown): PvaSettings | false | undefined {
  if (!isMap(node)) {
    if (isBoolean(node)) return isOff(node);
    src.error(node, `general.pva must be a map or false, got ${describe(node)}`);
    return undefined;
  }
  const pva = noPva();
  for (const { key, keyNode, value } of src.entries(node)) {
    if (key !== undefined && !PVA_KEYS.includes(key)) {
      warnUnknownKey(src, keyNode, key, "general.pva", PVA_KEYS);
      continue;
    }
    if (isAbsent(value)) continue;
    const label = `general.pva.${key}`;
    switch (key) {
      case "interfaces": {
        const words = readWords(src, value, label) ?? [];
        if (checkWords(src, value, words, (w) => ipv4Problem(label, w))) pva.interfaces = words;
        break;
      }
      case "port":
        pva.port = readInt(src, value, label, { min: 1, max: 65535 });
        break;
      case "udp_port":
        pva.udpPort = readInt(src, value, label, { min: 1, max: 65535 });
        break;
      case "beacons": {
        const words = readWords(src, value, label) ?? [];
        if (checkWords(src, value, words, (w) => beaconProblem(label, w))) pva.beacons = words;
        break;
      }
      case "auto_beacons":
        pva.autoBeacons = readBool(src, value, label);
        break;
    }
  }
  return pva;
}

function ipv4Problem(label: string, word: string): string | undefined {
  const parts = IPV4.exec(word)?.slice(1).map(Number);
  if (parts?.every((part) => part <= 255)) return undefined;
  return `${label} must hold IPv4 addresses, got ${JSON.stringify(word)}`;
}

function beaconProblem(label: string, word: string): string | undefined {
  const match = /^([^:]+)(?::(\d+))?$/.exec(word);
  const port = match?.[2] === undefined ? 1 : Number(match[2]);
  if (match?.[1] !== undefined && HOST.test(match[1]) && port >= 1 && port <= 65535) {
    return undefined;
  }
  return `${label} must hold "host" or "host:port" entries, got ${JSON.stringify(word)}`;
}

function readWeb(src: Source, node: unknown): WebSettings | false | undefined {
  const web: WebSettings = { listen: "127.0.0.1:9001", username: "iocsup", password: undefined };
  if (!isMap(node)) {
    const on = readBool(src, node, "general.web");
    return on === undefined ? undefined : on && web;
  }
  let listenNode: unknown;
  for (const { key, keyNode, value } of src.entries(node)) {
    if (key !== undefined && !WEB_KEYS.includes(key)) {
      warnUnknownKey(src, keyNode, key, "general.web", WEB_KEYS);
      continue;
    }
    if (isAbsent(value)) continue;
    const label = `general.web.${key}`;
    switch (key) {
      case "listen": {
        const listen = readString(src, value, label);
        if (listen === undefined) break;
        if (parseListen(listen) === undefined) {
          src.error(
            value,
            `${label} must be "host:port" with a port from 1 to 65535, got ${
              JSON.stringify(listen)
            }`,
          );
          break;
        }
        web.listen = listen;
        listenNode = value;
        break;
      }
      case "username":
        web.username = readConfString(src, value, label) ?? web.username;
        break;
      case "password":
        web.password = readConfString(src, value, label);
        break;
    }
  }
  const host = parseListen(web.listen)?.host;
  if (host !== undefined && !isLoopback(host) && web.password === undefined) {
    src.error(
      listenNode,
      `Cannot serve the web UI on ${JSON.stringify(web.listen)} without a password: set ` +
        `"general.web.password" or listen on 127.0.0.1`,
    );
  }
  return web;
}

/** Split `host:port`; an empty host or `*` means every interface, as in supervisord. */
function parseListen(listen: string): { host: string; port: number } | undefined {
  const match = /^(.*):(\d{1,5})$/.exec(listen);
  const port = Number(match?.[2]);
  if (match?.[1] === undefined || !(port >= 1 && port <= 65535)) return undefined;
  const host = match[1].replace(/^\[(.*)\]$/, "$1");
  return /\s/.test(host) ? undefined : { host, port };
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" ||
    (IPV4.test(host) && host.startsWith("127.") && ipv4Problem("", host) === undefined);
}

function readAccess(src: Source, node: unknown): AccessSettings | undefined {
  if (!isMap(node)) {
    src.error(node, `general.access must be a map, got ${describe(node)}`);
    return undefined;
  }
  const access: AccessSettings = { writeHosts: [], writeUsers: [] };
  for (const { key, keyNode, value } of src.entries(node)) {
    if (key !== undefined && !ACCESS_KEYS.includes(key)) {
      warnUnknownKey(src, keyNode, key, "general.access", ACCESS_KEYS);
      continue;
    }
    if (isAbsent(value)) continue;
    if (key === "write_hosts") {
      access.writeHosts = readWords(src, value, `general.access.${key}`) ?? [];
    } else if (key === "write_users") {
      access.writeUsers = readWords(src, value, `general.access.${key}`) ?? [];
    }
  }
  return access;
}
