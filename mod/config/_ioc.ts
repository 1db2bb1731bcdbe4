/**
 * One IOC: every top-level key except `general`. The IOC's own device keys (module, ip,
 * channels, records …) are ignored, never rejected; only a key that looks like a misspelt
 * iocsup key earns a warning.
 *
 * @module
 */
import { isMap, isScalar } from "yaml";
import { isAbsolute, resolve } from "node:path";
import type { AutoRestart, GeneralSettings, IocSettings } from "./types.ts";
import { describe, type Entry, isAbsent, type Source } from "./_source.ts";
import { hasControlChars, readBool, readInt, readString } from "./_values.ts";
import { expandTemplate } from "./template.ts";
import { shellQuote, shellSplit } from "./shell_quote.ts";
import { warnLikelyTypo } from "./_keys.ts";
import { confValueProblem } from "./conf_value.ts";
import type { HostFacts } from "./host.ts";

/** Keys iocsup reads in an IOC. */
export const IOC_KEYS: readonly string[] = [
  "command",
  "directory",
  "env",
  "autostart",
  "autorestart",
  "startsecs",
  "stopsignal",
  "stopwaitsecs",
  "description",
  "heartbeat_pv",
  "timestamps",
  "console",
];

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
  /** When given, `directory` must exist on this host. */
  host?: HostFacts | undefined;
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
    timestamps: context.general.timestamps ?? true,
    console: context.general.console ?? false,
    position: { line, col },
  };
  let commandTemplate = context.general.command;
  let commandNode = context.generalCommandNode;
  let commandGiven = commandNode !== undefined;
  let heartbeatTemplate = context.general.heartbeatPv;
  let heartbeatNode: unknown = undefined;
  for (const { key, keyNode, value } of src.entries(entry.value)) {
    if (key !== undefined && !IOC_KEYS.includes(key)) {
      warnLikelyTypo(src, keyNode, key, where, IOC_KEYS);
      continue;
    }
    if (isAbsent(value)) continue;
    const label = `${where}: ${key}`;
    switch (key) {
      case "command":
        commandTemplate = readString(src, value, label, { allowEmpty: true });
        commandNode = value;
        commandGiven = true;
        break;
      case "directory":
        ioc.directory = readDirectory(src, value, label, context) ?? ioc.directory;
        break;
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
      case "timestamps":
        ioc.timestamps = readBool(src, value, label) ?? context.general.timestamps ?? true;
        break;
      case "console":
        ioc.console = readBool(src, value, label) ?? context.general.console ?? false;
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
    const problem = ioc.command === "" ? "must not be empty" : splitProblem(ioc.command);
    // general.command's problems are the same for every IOC ({name}, {prefix} and the
    // quoted {dir} split cleanly): one message at general.command.
    const label = commandNode === context.generalCommandNode
      ? "general.command"
      : `${where}: command`;
    if (problem !== undefined) src.error(commandNode ?? entry.keyNode, `${label} ${problem}`);
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

/** The working directory: absolute, writable to supervisord.conf and, given a host, existing. */
function readDirectory(
  src: Source,
  node: unknown,
  label: string,
  context: IocContext,
): string | undefined {
  const text = readString(src, node, label);
  if (text === undefined) return undefined;
  if (text.startsWith("~")) {
    src.error(
      node,
      `${label} must be absolute or relative to the settings file: "~" is not expanded`,
    );
    return undefined;
  }
  const directory = isAbsolute(text) ? text : resolve(context.dir, text);
  const problem = confValueProblem(directory);
  if (problem !== undefined) {
    src.error(
      node,
      `${label} ${JSON.stringify(directory)} cannot be written to supervisord.conf: ${problem}`,
    );
    return undefined;
  }
  const missing = context.host?.directoryProblem(directory);
  if (missing !== undefined) {
    src.error(node, `${label} ${JSON.stringify(directory)} ${missing}`);
    return undefined;
  }
  return directory;
}

/** Why supervisord cannot split a command into arguments, or undefined when it can. */
function splitProblem(command: string): string | undefined {
  try {
    shellSplit(command);
    return undefined;
  } catch (error) {
    return `cannot be split into arguments as supervisord splits it: ${
      error instanceof Error ? error.message : String(error)
    }`;
  }
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
