/**
 * The fleet file of `iocsup screen --fleet`: `hosts: [{prefix, addr, iocs}]`, read with source
 * positions so every problem is reported as `file:line:col`.
 *
 * @module
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from "yaml";
import { validateIocName } from "../config/ioc_name.ts";
import { ConfigError, type ConfigIssue } from "../errors.ts";
import type { ScreenHost } from "./display.ts";

// The same characters general.prefix allows.
const PREFIX = /^[A-Za-z0-9_:.-]+$/;
const HOST_KEYS = new Set(["prefix", "addr", "iocs"]);

/**
 * Parse a fleet file.
 *
 * @param text YAML text.
 * @param file The file name used in messages.
 * @returns The hosts in file order.
 * @throws {ConfigError} With every problem found, each at its `file:line:col`.
 * @example Usage
 * ```ts
 * import { parseFleet } from "./fleet.ts";
 * const hosts = parseFleet("hosts:\n  - {prefix: A, addr: a.example:5064, iocs: [x]}\n", "f.yaml");
 * hosts[0]?.iocs?.[0]?.name; // "x"
 * ```
 */
export function parseFleet(text: string, file: string): ScreenHost[] {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  const issues: ConfigIssue[] = [];
  const at = (node: unknown, message: string) => {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    const { line, col } = lines.linePos(range?.[0] ?? 0);
    issues.push({ file, line, col, message });
  };
  for (const error of doc.errors) {
    const { line, col } = lines.linePos(error.pos[0]);
    issues.push({ file, line, col, message: error.message.split("\n")[0] ?? error.message });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  const root = doc.contents;
  const hostsNode = isMap(root) ? root.get("hosts", true) : undefined;
  if (!isSeq(hostsNode) || hostsNode.items.length === 0) {
    at(hostsNode ?? root, 'Expected "hosts:" with a list of {prefix, addr, iocs}');
    throw new ConfigError(issues);
  }
  if (isMap(root)) {
    for (const pair of root.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : "";
      if (key !== "hosts") at(pair.key, `Unknown key ${JSON.stringify(key)} (only "hosts")`);
    }
  }
  const hosts: ScreenHost[] = [];
  const seen = new Set<string>();
  for (const item of hostsNode.items) {
    if (!isMap(item)) {
      at(item, "Expected a host map {prefix, addr, iocs}");
      continue;
    }
    const host: ScreenHost = { prefix: "" };
    for (const pair of item.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : "";
      if (!HOST_KEYS.has(key)) {
        at(pair.key, `Unknown key ${JSON.stringify(key)} (prefix, addr, iocs)`);
        continue;
      }
      const value = pair.value;
      if (key === "iocs") {
        if (!isSeq(value)) {
          at(value ?? pair.key, "Expected iocs to be a list of IOC names");
          continue;
        }
        host.iocs = [];
        for (const ioc of value.items) {
          const name = isScalar(ioc) && typeof ioc.value === "string" ? ioc.value : undefined;
          const problem = name === undefined ? "Expected an IOC name" : validateIocName(name);
          if (problem !== undefined || name === undefined) {
            at(ioc, problem ?? "Expected an IOC name");
          } else host.iocs = [...host.iocs, { name }];
        }
        continue;
      }
      const text = isScalar(value) && value.value !== null ? String(value.value) : undefined;
      if (text === undefined || text === "") {
        at(value ?? pair.key, `Expected ${key} to be a non-empty string`);
      } else if (key === "prefix") {
        if (!PREFIX.test(text)) {
          at(
            value,
            `Cannot use prefix ${
              JSON.stringify(text)
            }: only letters, digits, "_", ":", "." and "-"`,
          );
        } else if (seen.has(text)) {
          at(value, `Prefix ${JSON.stringify(text)} is listed twice`);
        } else {
          seen.add(text);
          host.prefix = text;
        }
      } else {
        host.addr = text;
      }
    }
    if (!item.has("prefix")) at(item, 'Missing "prefix"');
    hosts.push(host);
  }
  issues.sort((a, b) => a.line - b.line || a.col - b.col);
  if (issues.length > 0) throw new ConfigError(issues);
  return hosts;
}
