/**
 * One IOC: every top-level key except `general`. The IOC's own device keys (module, ip,
 * channels, records …) are ignored, never rejected.
 *
 * @module
 */
import { isMap, isScalar } from "yaml";
import { isAbsolute, resolve } from "node:path";
import type { AutoRestart, GeneralSettings, IocSettings } from "./types.ts";
import { describe, type Entry, isAbsent, type Source } from "./_source.ts";
import { hasControlChars, readBool, readInt, readString } from "./_values.ts";
import { expandTemplate } from "./template.ts";
import { shellQuote } from "./shell_quote.ts";

const SIGNALS: ReadonlySet<string> = new Set([
  "TERM",
  "INT",
  "QUIT",
  "KILL",
  "HUP",
  "USR1",
  "USR2",
]);
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PV_NAME = /^[\x21-\x7e]+$/;

/** What an IOC's templates may refer to besides its own values. */
export interface IocContext {
  /** The `general` settings (prefix, default command and heartbeat PV). */
  general: GeneralSettings;
  /** Absolute folder of the settings file. */
  dir: string;
  /** The `general.command` value node, or undefined when the file sets none. */
  generalCommandNode: unknown;
}

/**
 * Read one IOC entry whose name has already been checked.
 *
 * @param src The document being read.
 * @param entry The IOC's top-level entry.
 * @param context General settings and the settings folder.
 * @returns The IOC, or undefined when it has problems (recorded in `src`).
 */
export function readIoc(src: Source, entry: Entry, context: IocContext): IocSettings | undefined {
  const name = entry.key ?? "";
  const where = `IOC ${JSON.stringify(name)}`;
  if (!isMap(entry.value)) {
    src.error(
      isAbsent(entry.value) ? entry.keyNode : entry.value,
      `${where} must be a map of settings, got ${describe(entry.value)}`,
    );
    return undefined;
  }
  const issuesBefore = src.count;
  const { line, col } = src.position(entry.keyNode);
  const ioc: IocSettings = {
    name,
    command: "",
    directory: context.dir,
    env: {},
    autostart: false,
    autorestart: "unexpected",
    startsecs: 1,
    stopsignal: "TERM",
    stopwaitsecs: 10,
    description: "",
    heartbeatPv: undefined,
    position: { line, col },
  };
  let commandTemplate = context.general.command;
  let commandNode = context.generalCommandNode;
  let commandGiven = commandNode !== undefined;
  let heartbeatTemplate = context.general.heartbeatPv;
  let heartbeatNode: unknown = undefined;
  for (const { key, value } of src.entries(entry.value)) {
    if (isAbsent(value)) continue;
    const label = `${where}: ${key}`;
    switch (key) {
      case "command":
        commandTemplate = readString(src, value, label, { allowEmpty: true });
        commandNode = value;
        commandGiven = true;
        break;
      case "directory": {
        const directory = readString(src, value, label);
        if (directory?.startsWith("~")) {
          src.error(
            value,
            `${label} must be absolute or relative to the settings file: "~" is not expanded`,
          );
        } else if (directory !== undefined) {
          ioc.directory = isAbsolute(directory) ? directory : resolve(context.dir, directory);
        }
        break;
      }
      case "env":
        ioc.env = readEnv(src, value, label) ?? {};
        break;
      case "autostart":
        ioc.autostart = readBool(src, value, label) ?? false;
        break;
      case "autorestart":
        ioc.autorestart = readAutoRestart(src, value, label) ?? "unexpected";
        break;
      case "startsecs":
        ioc.startsecs = readInt(src, value, label, { min: 0 }) ?? 1;
        break;
      case "stopsignal":
        ioc.stopsignal = readSignal(src, value, label) ?? "TERM";
        break;
      case "stopwaitsecs":
        ioc.stopwaitsecs = readInt(src, value, label, { min: 1 }) ?? 10;
        break;
      case "description":
        ioc.description = readString(src, value, label, { allowEmpty: true }) ?? "";
        break;
      case "heartbeat_pv":
        heartbeatNode = value;
        heartbeatTemplate = isScalar(value) && value.value === false
          ? ""
          : readString(src, value, label, { allowEmpty: true });
        break;
    }
  }
  const vars = { name, dir: shellQuote(context.dir), prefix: context.general.prefix };
  if (commandTemplate === undefined) {
    if (!commandGiven) {
      src.error(
        entry.keyNode,
        `${where} has no command: set "command" on it or "general.command" ` +
          `(e.g. "python master_ioc.py -i {name}")`,
      );
    }
  } else {
    ioc.command = expandTemplate(commandTemplate, vars).trim();
    if (ioc.command === "") {
      src.error(commandNode ?? entry.keyNode, `${where}: command must not be empty`);
    }
  }
  if (heartbeatTemplate !== undefined && heartbeatTemplate.trim() !== "") {
    const pv = expandTemplate(heartbeatTemplate, vars);
    if (PV_NAME.test(pv)) {
      ioc.heartbeatPv = pv;
    } else {
      src.error(
        heartbeatNode ?? entry.keyNode,
        `${where}: heartbeat PV ${
          JSON.stringify(pv)
        } must not contain spaces or control characters`,
      );
    }
  }
  if (hasControlChars(ioc.directory)) {
    src.error(
      entry.keyNode,
      `${where}: directory must not contain newlines or other control characters`,
    );
  }
  return src.count === issuesBefore ? ioc : undefined;
}

function readEnv(src: Source, node: unknown, label: string): Record<string, string> | undefined {
  if (!isMap(node)) {
    src.error(node, `${label} must be a map of NAME: value, got ${describe(node)}`);
    return undefined;
  }
  const env: Record<string, string> = {};
  for (const { key, keyNode, value } of src.entries(node)) {
    if (key === undefined || !ENV_KEY.test(key)) {
      src.error(
        keyNode,
        `${label}: cannot use variable name ${
          key === undefined ? describe(keyNode) : JSON.stringify(key)
        }: ` +
          `only letters, digits and "_" are allowed, not starting with a digit`,
      );
      continue;
    }
    const text = readString(src, value, `${label}.${key}`, { allowEmpty: true });
    if (text === undefined) continue;
    const problem = envValueProblem(text);
    if (problem) {
      src.error(value, `${label}.${key}: supervisord cannot pass this value: ${problem}`);
      continue;
    }
    env[key] = text;
  }
  return env;
}

/**
 * Why supervisord's `environment=` parser (non-posix shlex, no escapes) cannot carry a value
 * literally, or undefined when it can.
 */
function envValueProblem(value: string): string | undefined {
  if (/^['"]|['"]$/.test(value)) return "it starts or ends with a quote";
  if (value.includes("'") && value.includes('"')) return "it contains both ' and \"";
  if (/\s[;#]/.test(value)) return 'whitespace before ";" or "#" starts a comment';
  return undefined;
}

function readAutoRestart(src: Source, node: unknown, label: string): AutoRestart | undefined {
  const raw = (node as { value?: unknown }).value;
  if (typeof raw === "boolean") return raw ? "true" : "false";
  const text = typeof raw === "string" ? raw.toLowerCase() : undefined;
  if (text === "true" || text === "false" || text === "unexpected") return text;
  src.error(node, `${label} must be true, false or "unexpected", got ${describe(node)}`);
  return undefined;
}

function readSignal(src: Source, node: unknown, label: string): string | undefined {
  const raw = (node as { value?: unknown }).value;
  const signal = typeof raw === "string" ? raw.toUpperCase().replace(/^SIG/, "") : undefined;
  if (signal !== undefined && SIGNALS.has(signal)) return signal;
  src.error(
    node,
    `${label} must be one of ${[...SIGNALS].join(", ")}, got ${describe(node)}`,
  );
  return undefined;
}
