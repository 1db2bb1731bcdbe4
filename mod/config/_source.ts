/**
 * One settings file being read: the YAML document, its line counter and the issues found so far.
 * Every reader reports through here, so all problems of one pass land in one list.
 *
 * @module
 */
import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  type LineCounter,
  type Scalar,
  type YAMLMap,
} from "yaml";
import type { ConfigIssue } from "../errors.ts";

/** One entry of a YAML map with aliases resolved. */
export interface Entry {
  /** The key as text, or undefined when the key is not a scalar. */
  key: string | undefined;
  /** The key node (for positions). */
  keyNode: unknown;
  /** The value node, aliases resolved; undefined or a null scalar when empty. */
  value: unknown;
}

/** A settings document plus the issues found in it. */
export class Source {
  readonly #doc: Document;
  readonly #lines: LineCounter;
  readonly #file: string;
  readonly #issues: ConfigIssue[] = [];

  /**
   * @param doc The parsed document.
   * @param lines The line counter used while parsing it.
   * @param file The file name shown in issues.
   */
  constructor(doc: Document, lines: LineCounter, file: string) {
    this.#doc = doc;
    this.#lines = lines;
    this.#file = file;
  }

  /** Issues found so far, in file order. */
  get issues(): ConfigIssue[] {
    return [...this.#issues].sort((a, b) => a.line - b.line || a.col - b.col);
  }

  /** How many issues were found so far. */
  get count(): number {
    return this.#issues.length;
  }

  /**
   * The 1-based line and column where a node starts (1:1 when it has no position).
   *
   * @param node A node, or a source offset.
   * @returns Its position.
   */
  position(node: unknown): { line: number; col: number } {
    const offset = typeof node === "number" ? node : offsetOf(node);
    return offset === undefined ? { line: 1, col: 1 } : this.#lines.linePos(offset);
  }

  /**
   * Record an issue.
   *
   * @param at A node, a source offset, or undefined for the start of the file.
   * @param message Sentence-case message without final period.
   */
  error(at: unknown, message: string): void {
    const { line, col } = this.position(at);
    this.#issues.push({ file: this.#file, line, col, message });
  }

  /** Resolve an alias to the node it names; other nodes are returned as they are. */
  deref(node: unknown): unknown {
    return isAlias(node) ? node.resolve(this.#doc) : node;
  }

  /**
   * The entries of a map in file order, aliases resolved and `<<` merge keys expanded (explicit
   * keys win). A repeated key keeps its first entry: the parser has already reported the repeat.
   */
  entries(map: YAMLMap): Entry[] {
    const explicit: Entry[] = [];
    const merged: Entry[] = [];
    const seen = new Set<string>();
    for (const pair of map.items) {
      const keyNode = this.deref(pair.key);
      if (isScalar(keyNode) && typeof keyNode.value === "symbol") {
        merged.push(...this.#mergeSources(pair.value).flatMap((m) => this.entries(m)));
        continue;
      }
      const key = isScalar(keyNode) ? scalarText(keyNode) : undefined;
      if (key !== undefined) {
        if (seen.has(key)) continue;
        seen.add(key);
      }
      explicit.push({ key, keyNode, value: this.deref(pair.value) });
    }
    for (const entry of merged) {
      if (entry.key === undefined || seen.has(entry.key)) continue;
      seen.add(entry.key);
      explicit.push(entry);
    }
    return explicit;
  }

  /** The items of a sequence, aliases resolved. */
  items(node: unknown): unknown[] {
    return isSeq(node) ? node.items.map((item) => this.deref(item)) : [];
  }

  #mergeSources(value: unknown): YAMLMap[] {
    const node = this.deref(value);
    if (isMap(node)) return [node];
    return this.items(node).filter((item): item is YAMLMap => isMap(item));
  }
}

/** Source offset where a node starts, if it has one. */
export function offsetOf(node: unknown): number | undefined {
  if (typeof node !== "object" || node === null || !("range" in node)) return undefined;
  const range = (node as { range?: readonly number[] | null }).range;
  return range?.[0];
}

/**
 * A scalar as the text the user wrote: strings as parsed, anything else (numbers, booleans,
 * dates) as its source, so `1.50` stays `"1.50"` and `True` stays `"True"`.
 */
export function scalarText(node: Scalar): string {
  if (typeof node.value === "string") return node.value;
  return node.source ?? String(node.value);
}

/** True when a value is missing or written as an empty/null scalar. */
export function isAbsent(node: unknown): boolean {
  return node === undefined || node === null || (isScalar(node) && node.value === null);
}

/** Describe a value for a message: a quoted string, a number as written, "a list", "a map". */
export function describe(node: unknown): string {
  if (isAbsent(node)) return "nothing";
  if (isSeq(node)) return "a list";
  if (isMap(node)) return "a map";
  if (isScalar(node)) {
    return typeof node.value === "string" ? JSON.stringify(node.value) : scalarText(node);
  }
  return "an unsupported value";
}
