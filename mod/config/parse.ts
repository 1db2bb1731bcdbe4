/**
 * Settings text → {@linkcode Settings}: YAML parsing with positions, then one validation pass
 * that reports every problem at once.
 *
 * @module
 */
import { type Document, isMap, isScalar, LineCounter, parseDocument, visit } from "yaml";
import { dirname, resolve } from "node:path";
import { ConfigError } from "../errors.ts";
import type { IocSettings, Settings } from "./types.ts";
import { describe, isAbsent, scalarText, Source } from "./_source.ts";
import { readGeneral } from "./_general.ts";
import { readIoc } from "./_ioc.ts";
import { hasControlChars } from "./_values.ts";
import { validateIocName } from "./ioc_name.ts";

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
}

/**
 * Parse and validate a settings file's text, applying defaults.
 *
 * @param text The YAML text.
 * @param options Where the text came from.
 * @returns The settings.
 * @throws {ConfigError} With every problem found, each at its `file:line:col`.
 * @example Usage
 * ```ts
 * import { parseSettings } from "./parse.ts";
 * import assert from "node:assert/strict";
 *
 * const text = "general:\n  prefix: P\nioc1:\n  command: ./st.cmd\n";
 * const settings = parseSettings(text, { file: "/srv/iocs/settings.yaml" });
 * assert.equal(settings.iocs[0]?.directory, "/srv/iocs");
 * ```
 */
export function parseSettings(text: string, options: ParseOptions): Settings {
  const lines = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter: lines,
    prettyErrors: false,
    uniqueKeys: true,
    // The Python tool read these files with PyYAML (YAML 1.1: `yes`, `on`, merge keys).
    version: "1.1",
  });
  const file = options.dir === undefined ? resolve(options.file) : options.file;
  const dir = options.dir === undefined ? dirname(file) : resolve(options.dir);
  const src = new Source(doc, lines, options.displayName ?? options.file);
  let syntaxError = false;
  for (const error of doc.errors) {
    if (error.code === "DUPLICATE_KEY") {
      src.error(error.pos[0], `Duplicate key ${JSON.stringify(keyAt(doc, text, error.pos))}`);
    } else if (error.code === "MISSING_CHAR" && /quote/.test(error.message)) {
      syntaxError = true;
      // The parser notices at the end of the file; the user needs to see where the string began.
      const start = unclosedQuoteAt(doc, error.pos[0]);
      src.error(
        start ?? error.pos[0],
        "Cannot parse YAML: missing closing quote for the string that starts here",
      );
    } else {
      syntaxError = true;
      src.error(error.pos[0], `Cannot parse YAML: ${error.message}`);
    }
  }
  // After a syntax error the tree is a guess; checking it would only add noise.
  const settings = syntaxError ? undefined : readSettings(src, doc, { file, dir });
  if (settings === undefined || src.count > 0) throw new ConfigError(src.issues);
  return settings;
}

function readSettings(
  src: Source,
  doc: Document,
  where: { file: string; dir: string },
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
  const { general, commandNode } = readGeneral(
    src,
    entries.find((entry) => entry.key === "general"),
  );
  if (hasControlChars(where.dir)) {
    src.error(undefined, "Cannot use a settings folder whose path contains control characters");
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
  return { file: where.file, dir: where.dir, general, iocs };
}

/** The text of the key a parser error points at. */
function keyAt(doc: Document, text: string, pos: readonly [number, number]): string {
  let found: string | undefined;
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.range?.[0] === pos[0]) {
        found = scalarText(pair.key);
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found ?? text.slice(pos[0], pos[1]);
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
