/**
 * One settings file being read: the YAML document, its line counter and the issues found so far.
 * Every reader reports through here, so all problems of one pass land in one list.
 *
 * @module
 */
import { type Alias, isAlias, isMap, isScalar, isSeq, type Scalar, type YAMLMap } from "yaml";
import type { LineCounter } from "yaml";
import type { ConfigIssue } from "../errors.ts";

/**
 * How many map entries and merge sources `<<` merge keys may expand in one document. Real files
 * merge a few defaults into each IOC (200 IOCs × 20 keys is 4,200); nested merges that repeat an
 * alias grow exponentially (ten levels of ten aliases are 10^10) and must stop early.
 */
export const MAX_MERGE_EXPANSION = 100_000;

/** How deep merges may nest (a map merging a map merging a map …). */
export const MAX_MERGE_DEPTH = 64;

/**
 * Thrown when `<<` merge keys expand past {@linkcode MAX_MERGE_EXPANSION} or nest deeper than
 * {@linkcode MAX_MERGE_DEPTH}; ends the reading, since what was merged so far is incomplete.
 */
export class MergeLimitError extends RangeError {
  /** The outermost merge key being expanded (for its position). */
  readonly node: unknown;
  /**
   * @param node The outermost merge key being expanded.
   * @param message What limit was passed.
   */
  constructor(node: unknown, message: string) {
    super(message);
    this.name = "MergeLimitError";
    this.node = node;
  }
}

/** One entry of a YAML map with aliases resolved. */
export interface Entry {
  /** The key as text, or undefined when the key is not a scalar. */
  key: string | undefined;
  /** The key node (for positions). */
  keyNode: unknown;
  /** The value node, aliases resolved; undefined or a null scalar when empty. */
  value: unknown;
}

/** A settings document plus the issues (errors) and warnings found in it. */
export class Source {
  readonly #aliases: ReadonlyMap<Alias, unknown>;
  readonly #lines: LineCounter;
  readonly #file: string;
  readonly #issues: ConfigIssue[] = [];
  readonly #warnings: ConfigIssue[] = [];
  /** `line:col:message` of every issue and warning, so a shared node is reported once. */
  readonly #reported = new Set<string>();
  /** Map entries and merge sources expanded through `<<` so far, in the whole document. */
  #expanded = 0;

  /**
   * @param aliases Every alias of the document and the node it names (see `scanDocument`).
   * @param lines The line counter used while parsing it.
   * @param file The file name shown in issues.
   */
  constructor(aliases: ReadonlyMap<Alias, unknown>, lines: LineCounter, file: string) {
    this.#aliases = aliases;
    this.#lines = lines;
    this.#file = file;
  }

  /** Issues found so far, in file order. */
  get issues(): ConfigIssue[] {
    return sortIssues(this.#issues);
  }

  /** Warnings found so far, in file order. */
  get warnings(): ConfigIssue[] {
    return sortIssues(this.#warnings);
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
    this.#record(this.#issues, at, message);
  }

  /**
   * Record a warning: something that works but is probably not what the user meant.
   *
   * @param at A node, a source offset, or undefined for the start of the file.
   * @param message Sentence-case message without final period.
   */
  warn(at: unknown, message: string): void {
    this.#record(this.#warnings, at, message);
  }

  #record(list: ConfigIssue[], at: unknown, message: string): void {
    const { line, col } = this.position(at);
    const id = `${line}:${col}:${message}`;
    if (this.#reported.has(id)) return;
    this.#reported.add(id);
    list.push({ file: this.#file, line, col, message });
  }

  /** Resolve an alias to the node it names; other nodes are returned as they are. */
  deref(node: unknown): unknown {
    return isAlias(node) ? this.#aliases.get(node) : node;
  }

  /**
   * The entries of a map in file order, aliases resolved and `<<` merge keys expanded (explicit
   * keys win). A repeated key keeps its first entry: the repeat is reported elsewhere. A merge of
   * a map into itself is reported at its alias and skipped.
   *
   * @throws {MergeLimitError} When merges expand past {@linkcode MAX_MERGE_EXPANSION}.
   */
  entries(map: YAMLMap): Entry[] {
    return this.#entries(map, new Set(), undefined);
  }

  #entries(map: YAMLMap, open: Set<YAMLMap>, outerMerge: unknown): Entry[] {
    const explicit: Entry[] = [];
    const merged: Entry[] = [];
    const seen = new Set<string>();
    open.add(map);
    for (const pair of map.items) {
      const keyNode = this.deref(pair.key);
      if (isScalar(keyNode) && typeof keyNode.value === "symbol") {
        const outer = outerMerge ?? keyNode;
        for (const { node, via } of this.#mergeSources(pair.value)) {
          if (open.has(node)) {
            this.error(via, `Cannot merge ${aliasText(via)} here: it names a map that contains it`);
            continue;
          }
          this.#expanded += 1 + node.items.length;
          if (this.#expanded > MAX_MERGE_EXPANSION) {
            throw new MergeLimitError(
              outer,
              `Cannot expand the merge key "<<": it expands to more than ${MAX_MERGE_EXPANSION} ` +
                `entries (nested merges that repeat an alias grow exponentially)`,
            );
          }
          if (open.size >= MAX_MERGE_DEPTH) {
            throw new MergeLimitError(
              outer,
              `Cannot expand the merge key "<<": merges nest more than ${MAX_MERGE_DEPTH} deep`,
            );
          }
          merged.push(...this.#entries(node, open, outer));
        }
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
    open.delete(map);
    return explicit;
  }

  /** The items of a sequence, aliases resolved. */
  items(node: unknown): unknown[] {
    return isSeq(node) ? node.items.map((item) => this.deref(item)) : [];
  }

  /** The maps a `<<` value names, each with the node that named it (for positions). */
  #mergeSources(value: unknown): { node: YAMLMap; via: unknown }[] {
    const node = this.deref(value);
    if (isMap(node)) return [{ node, via: value }];
    if (!isSeq(node)) {
      this.error(value, `The merge key "<<" needs a map or a list of maps, got ${describe(node)}`);
      return [];
    }
    const sources: { node: YAMLMap; via: unknown }[] = [];
    for (const item of node.items) {
      const source = this.deref(item);
      if (isMap(source)) {
        sources.push({ node: source, via: item });
      } else {
        this.error(
          item,
          `The merge key "<<" needs a map or a list of maps, got ${describe(source)}`,
        );
      }
    }
    return sources;
  }
}

function sortIssues(issues: readonly ConfigIssue[]): ConfigIssue[] {
  return [...issues].sort((a, b) => a.line - b.line || a.col - b.col);
}

/** `alias *name` for an alias node, else `this map`. */
function aliasText(node: unknown): string {
  return isAlias(node) ? `alias *${node.source}` : "this map";
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
