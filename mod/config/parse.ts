/**
 * Settings text → {@linkcode Settings}: YAML parsing with positions, then one validation pass
 * that reports every problem at once.
 *
 * @module
 */
import { type Document, isMap, isSeq, LineCounter, parseDocument, visit } from "yaml";
import { dirname, resolve } from "node:path";
import { ConfigError, type ConfigIssue } from "../errors.ts";
import type { GeneralSettings, IocSettings, Settings } from "./types.ts";
import type { HostFacts } from "./host.ts";
import { describe, isAbsent, MergeLimitError, Source } from "./_source.ts";
import { scanDocument } from "./_scan.ts";
import { readGeneral } from "./_general.ts";
import { readIoc } from "./_ioc.ts";
import { hasControlChars } from "./_values.ts";
import { checkHeartbeatSearch } from "./_heartbeat_search.ts";
import { confValueProblem } from "./conf_value.ts";
import { validateIocName } from "./ioc_name.ts";

/** Most problems listed; past this, one more line says how many were left out. */
export const MAX_REPORTED_ISSUES = 100;

/** Options of {@linkcode parseSettings}. */
export interface ParseOptions {
  /** Path of the settings file; made absolute for {@linkcode Settings.file}. */
  file: string;
  /** Name used in messages. @default options.file (the path as the user gave it) */
  displayName?: string;
  /**
   * Folder for `{dir}` and relative `directory` values. When given, `file` is kept as a label
   * (e.g. `"(demo)"`) instead of being resolved. @default the folder of `file`
   */
  dir?: string;
  /**
   * The machine the settings will run on. When given, every `directory` must exist, and the
   * heartbeat search list is checked against this host's addresses and the EPICS environment
   * (see `hostFacts()`). Without it the parse is pure. @default undefined
   */
  host?: HostFacts | undefined;
}

/**
 * Parse and validate a settings file's text, applying defaults.
 *
 * @param text The YAML text.
 * @param options Where the text came from.
 * @returns The settings, with `warnings` (unknown keys, likely typos, the one-host search trap).
 * @throws {ConfigError} With every problem found, each at its `file:line:col`, and the warnings
 *   after a `warning: ` label (they often explain an error, such as a misspelt `command`).
 * @example Usage
 * ```ts
 * import { parseSettings } from "./parse.ts";
 * import assert from "node:assert/strict";
 *
 * const text = "general:\n  prefix: P\nioc1:\n  command: ./st.cmd\n  autostrat: true\n";
 * const settings = parseSettings(text, { file: "/srv/iocs/settings.yaml" });
 * assert.equal(settings.iocs[0]?.directory, "/srv/iocs");
 * assert.match(settings.warnings?.[0]?.message ?? "", /did you mean "autostart"\?/);
 * ```
 */
export function parseSettings(text: string, options: ParseOptions): Settings {
  const lines = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter: lines,
    prettyErrors: false,
    // Repeated keys are found by scanDocument: the parser's own check is quadratic.
    uniqueKeys: false,
    // The Python tool read these files with PyYAML (YAML 1.1: `yes`, `on`, merge keys).
    version: "1.1",
  });
  const file = options.dir === undefined ? resolve(options.file) : options.file;
  const dir = options.dir === undefined ? dirname(file) : resolve(options.dir);
  const displayName = options.displayName ?? options.file;
  let syntaxError = doc.errors.length > 0;
  const scan = syntaxError ? undefined : scanSafely(doc);
  const src = new Source(scan?.aliases ?? new Map(), lines, displayName);
  for (const error of doc.errors) {
    if (error.code === "MISSING_CHAR" && /quote/.test(error.message)) {
      // The parser notices at the end of the file; the user needs to see where the string began.
      const start = unclosedQuoteAt(doc, error.pos[0]);
      src.error(
        start ?? error.pos[0],
        "Cannot parse YAML: missing closing quote for the string that starts here",
      );
    } else if (/call stack/i.test(error.message)) {
      src.error(error.pos[0], "Cannot parse YAML: collections are nested too deeply");
    } else {
      src.error(error.pos[0], `Cannot parse YAML: ${error.message}`);
    }
  }
  if (!syntaxError && scan === undefined) {
    syntaxError = true;
    src.error(undefined, "Cannot parse YAML: collections are nested too deeply");
  }
  for (const { node, key } of scan?.duplicates ?? []) {
    src.error(node, `Duplicate key ${JSON.stringify(key)}`);
  }
  for (const alias of scan?.unresolved ?? []) {
    src.error(alias, `Cannot resolve alias *${alias.source}: no anchor &${alias.source} before it`);
  }
  // After a syntax error the tree is a guess; checking it would only add noise.
  let settings: Settings | undefined;
  if (!syntaxError) {
    try {
      settings = readSettings(src, doc, { file, dir, host: options.host });
    } catch (error) {
      if (!(error instanceof MergeLimitError)) throw error;
      // What was merged so far is incomplete: report the limit alone.
      throw new ConfigError([{
        file: displayName,
        ...src.position(error.node),
        message: error.message,
      }]);
    }
  }
  if (settings === undefined || src.count > 0) {
    const warnings = src.warnings.map((w) => ({ ...w, message: `warning: ${w.message}` }));
    throw new ConfigError(limitIssues([...src.issues, ...warnings]));
  }
  return { ...settings, warnings: src.warnings };
}

/** {@linkcode scanDocument}, or undefined when the document is nested too deeply to walk. */
function scanSafely(doc: Document): ReturnType<typeof scanDocument> | undefined {
  try {
    return scanDocument(doc);
  } catch (error) {
    if (error instanceof RangeError) return undefined;
    throw error;
  }
}

/** Issues in file order, at most {@linkcode MAX_REPORTED_ISSUES} and a line saying how many more. */
function limitIssues(issues: ConfigIssue[]): ConfigIssue[] {
  const sorted = issues.sort((a, b) => a.line - b.line || a.col - b.col);
  if (sorted.length <= MAX_REPORTED_ISSUES) return sorted;
  const next = sorted[MAX_REPORTED_ISSUES] as ConfigIssue;
  return [
    ...sorted.slice(0, MAX_REPORTED_ISSUES),
    { ...next, message: `${sorted.length - MAX_REPORTED_ISSUES} more problems not shown` },
  ];
}

function readSettings(
  src: Source,
  doc: Document,
  where: { file: string; dir: string; host: HostFacts | undefined },
): Settings | undefined {
  const root = src.deref(doc.contents);
  if (isAbsent(root)) {
    src.error(undefined, `Settings file is empty: it needs a "general" map with "prefix"`);
    return undefined;
  }
  if (!isMap(root)) {
    src.error(root, `Settings must be a map of "general" and IOC names, got ${describe(root)}`);
    return undefined;
  }
  const entries = src.entries(root);
  const { general, commandNode, addrListNode, consoleGroupNode } = readGeneral(
    src,
    entries.find((entry) => entry.key === "general"),
  );
  if (hasControlChars(where.dir)) {
    src.error(undefined, "Cannot use a settings folder whose path contains control characters");
  } else {
    const problem = confValueProblem(where.dir);
    if (problem !== undefined) {
      src.error(
        undefined,
        `Cannot use settings folder ${JSON.stringify(where.dir)}: supervisord.conf cannot hold ` +
          `its path (${problem})`,
      );
    }
  }
  const iocs: IocSettings[] = [];
  const keyNodes = new Map<string, unknown>();
  for (const entry of entries) {
    if (entry.key === "general") continue;
    const problem = entry.key === undefined
      ? `IOC names must be plain strings, got ${describe(entry.keyNode)}`
      : validateIocName(entry.key);
    if (problem !== undefined) {
      src.error(entry.keyNode, problem);
      continue;
    }
    keyNodes.set(entry.key ?? "", entry.keyNode);
    const ioc = readIoc(src, entry, {
      general,
      dir: where.dir,
      generalCommandNode: commandNode,
      host: where.host,
    });
    if (ioc !== undefined) iocs.push(ioc);
  }
  for (const [name, keyNode] of keyNodes) {
    const owner = name.endsWith("_error") ? name.slice(0, -"_error".length) : undefined;
    if (owner !== undefined && keyNodes.has(owner)) {
      src.error(
        keyNode,
        `Cannot use IOC name ${JSON.stringify(name)}: its log file would be the error log of ` +
          `IOC ${JSON.stringify(owner)}`,
      );
    }
  }
  if (where.host !== undefined) {
    checkConsoleHost(src, { general, iocs, keyNodes, consoleGroupNode }, where.host);
    // Console IOCs are stamped by procServ (--logstamp), not by the mawk filter.
    const stamped = iocs.find((ioc) => ioc.timestamps !== false && ioc.console !== true);
    const missing = ["/bin/bash", "mawk"].filter((p) => !where.host?.hasProgram(p));
    if (stamped !== undefined && missing.length > 0) {
      src.error(
        keyNodes.get(stamped.name),
        `IOC ${JSON.stringify(stamped.name)}: timestamps on its log lines need ` +
          `${missing.join(" and ")} on this host: install ${missing.join(" and ")} ` +
          `(Debian: apt-get install ${missing.includes("mawk") ? "mawk" : "bash"}), ` +
          `or set "timestamps: false" under general`,
      );
    }
    const items = isSeq(addrListNode) ? src.items(addrListNode) : [];
    checkHeartbeatSearch(src, { general, iocs }, {
      node: addrListNode,
      items,
      iocKeys: keyNodes,
    }, where.host);
  }
  return { file: where.file, dir: where.dir, general, iocs };
}

/**
 * Console IOCs need procServ on this host, and `general.console_group` must name a group that
 * exists (procServ would fail to create the socket only when the IOC starts).
 */
function checkConsoleHost(
  src: Source,
  read: {
    general: GeneralSettings;
    iocs: IocSettings[];
    keyNodes: Map<string, unknown>;
    consoleGroupNode: unknown;
  },
  host: HostFacts,
): void {
  const first = read.iocs.find((ioc) => ioc.console === true);
  if (first !== undefined && !host.hasProgram("procServ")) {
    src.error(
      read.keyNodes.get(first.name),
      `IOC ${JSON.stringify(first.name)}: a console needs procServ on this host: install it ` +
        `(Debian: apt-get install procserv), or set "console: false"`,
    );
  }
  const group = read.general.consoleGroup;
  if (group !== undefined && host.groupExists?.(group) === false) {
    src.error(
      read.consoleGroupNode,
      `general.console_group ${JSON.stringify(group)} is not a group on this host: create it ` +
        `(groupadd ${group}) or name an existing one`,
    );
  }
}

/** Start of the quoted scalar that runs up to `end` without a closing quote. */
function unclosedQuoteAt(doc: Document, end: number): number | undefined {
  let found: number | undefined;
  visit(doc, {
    Scalar(_, scalar) {
      if (scalar.type?.startsWith("QUOTE_") && scalar.range?.[1] === end) {
        found = scalar.range[0];
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}
