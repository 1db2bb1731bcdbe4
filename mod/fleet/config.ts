/**
 * `fleet.yaml`: the hosts `iocsup fleet` watches, each by its manager's PV prefix, with the
 * address to search it at where the site needs one, and its IOC names where the manager serves no
 * `MAN:iocs`. Errors carry `file:line:col` as settings errors do.
 *
 * ```yaml
 * hosts:
 *   - prefix: TGT:MEOP
 *     addr: 10.0.0.5:5064     # optional; without it the EPICS_CA_* search list applies
 *   - prefix: TGT:OTHER
 *     iocs: [ioc1, ioc2]      # optional; else read from TGT:OTHER:MAN:iocs
 * ```
 *
 * @module
 */
import { isMap, isSeq, LineCounter, parseDocument } from "yaml";
import { ConfigError } from "../errors.ts";
import { describe, isAbsent, Source } from "../config/_source.ts";
import { scanDocument } from "../config/_scan.ts";
import { readString, readWords } from "../config/_values.ts";
import { decodeSettingsBytes, MAX_SETTINGS_BYTES } from "../config/_file_text.ts";
import { validateIocName } from "../config/ioc_name.ts";

/** One host of the fleet. */
export interface FleetHost {
  /** The manager's `general.prefix`: its PVs are `{prefix}:MAN:…`. */
  prefix: string;
  /** `host[:port]` to search this host's PVs at; undefined: the EPICS_CA_* search list. */
  addr: string | undefined;
  /** IOC names from fleet.yaml; undefined: read `{prefix}:MAN:iocs`. */
  iocs: string[] | undefined;
}

/** A parsed fleet.yaml. */
export interface FleetConfig {
  /** Hosts in file order. */
  hosts: FleetHost[];
}

const HOST_KEYS = ["prefix", "addr", "iocs"];

/**
 * Parse fleet.yaml text.
 *
 * @param text The YAML text.
 * @param file The name shown in errors.
 * @returns The hosts.
 * @throws {ConfigError} With every problem at its `file:line:col`.
 * @example Usage
 * ```ts
 * import { parseFleet } from "./config.ts";
 * import assert from "node:assert/strict";
 *
 * const fleet = parseFleet("hosts:\n  - prefix: A\n    addr: 127.0.0.1:5070\n", "fleet.yaml");
 * assert.deepEqual(fleet.hosts, [{ prefix: "A", addr: "127.0.0.1:5070", iocs: undefined }]);
 * ```
 */
export function parseFleet(text: string, file: string): FleetConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter: lines,
    prettyErrors: false,
    uniqueKeys: false,
    version: "1.1",
  });
  const scan = doc.errors.length === 0 ? scanDocument(doc) : undefined;
  const src = new Source(scan?.aliases ?? new Map(), lines, file);
  for (const error of doc.errors) src.error(error.pos[0], `Cannot parse YAML: ${error.message}`);
  for (const { node, key } of scan?.duplicates ?? []) {
    src.error(node, `Duplicate key ${JSON.stringify(key)}`);
  }
  for (const alias of scan?.unresolved ?? []) {
    src.error(alias, `Cannot resolve alias *${alias.source}: no anchor &${alias.source} before it`);
  }
  const hosts: FleetHost[] = [];
  if (src.count === 0) readHosts(src, doc.contents, hosts);
  if (src.count > 0) throw new ConfigError(src.issues);
  return { hosts };
}

function readHosts(src: Source, root: unknown, hosts: FleetHost[]): void {
  if (!isMap(root)) {
    src.error(root, `A fleet file must be a map with "hosts", got ${describe(root)}`);
    return;
  }
  let list: unknown;
  for (const entry of src.entries(root)) {
    if (entry.key === "hosts") list = entry.value;
    else src.error(entry.keyNode, `Unknown key ${JSON.stringify(entry.key)}: expected "hosts"`);
  }
  if (!isSeq(list) || list.items.length === 0) {
    src.error(list ?? root, `"hosts" must be a non-empty list, got ${describe(list)}`);
    return;
  }
  const seen = new Set<string>();
  src.items(list).forEach((item, i) => {
    const label = `hosts[${i}]`;
    if (!isMap(item)) {
      src.error(item, `${label} must be a map with "prefix", got ${describe(item)}`);
      return;
    }
    let prefix: string | undefined;
    let addr: string | undefined;
    let iocs: string[] | undefined;
    let prefixSeen = false;
    for (const { key, keyNode, value } of src.entries(item)) {
      if (key === "prefix") {
        prefixSeen = true;
        prefix = readString(src, value, `${label}.prefix`);
        if (prefix !== undefined && /\s/.test(prefix)) {
          src.error(value, `${label}.prefix must not contain spaces`);
          prefix = undefined;
        }
        if (prefix !== undefined && seen.has(prefix)) {
          src.error(value, `${label}.prefix "${prefix}" is listed twice`);
        }
        if (prefix !== undefined) seen.add(prefix);
      } else if (key === "addr") {
        addr = isAbsent(value) ? undefined : readAddr(src, value, `${label}.addr`);
      } else if (key === "iocs") {
        iocs = readWords(src, value, `${label}.iocs`);
        for (const name of iocs ?? []) {
          const problem = validateIocName(name);
          if (problem) src.error(value, `${label}.iocs: ${problem}`);
        }
      } else {
        src.error(
          keyNode,
          `Unknown key ${JSON.stringify(key)} in ${label}: expected ${HOST_KEYS.join(", ")}`,
        );
      }
    }
    if (!prefixSeen) src.error(item, `${label} needs "prefix"`);
    if (prefix !== undefined) hosts.push({ prefix, addr, iocs });
  });
}

/** `host` or `host:port`, port 1-65535. */
function readAddr(src: Source, node: unknown, label: string): string | undefined {
  const text = readString(src, node, label);
  if (text === undefined) return undefined;
  const match = /^([^\s:]+)(?::(\d+))?$/.exec(text.trim());
  const port = match?.[2] === undefined ? undefined : Number(match[2]);
  if (!match || (port !== undefined && (port < 1 || port > 65535))) {
    src.error(node, `${label} must be host or host:port (port 1-65535), got "${text}"`);
    return undefined;
  }
  return text.trim();
}

/**
 * Read and parse a fleet file.
 *
 * @param path The file.
 * @returns The hosts.
 * @throws {ConfigError} When it cannot be read or is invalid (exit code 2).
 */
export async function loadFleet(path: string): Promise<FleetConfig> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound ? "no such file" : String(error);
    throw new ConfigError([{
      file: path,
      line: 1,
      col: 1,
      message: `Cannot read fleet file: ${reason}`,
    }], {
      cause: error,
    });
  }
  if (bytes.length > MAX_SETTINGS_BYTES) {
    throw new ConfigError([{
      file: path,
      line: 1,
      col: 1,
      message: "Fleet file is larger than 1 MiB",
    }]);
  }
  const text = decodeSettingsBytes(bytes);
  if (typeof text !== "string") throw new ConfigError([{ file: path, ...text }]);
  return parseFleet(text, path);
}
