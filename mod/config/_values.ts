/**
 * Converters for single settings values, one per kind (like supervisord's `datatypes.py`). Each
 * takes a node that is present, returns the converted value, or records an issue at the node and
 * returns undefined.
 *
 * @module
 */
import { isScalar, isSeq } from "yaml";
import { describe, isAbsent, scalarText, type Source } from "./_source.ts";

/**
 * Characters that would break a line of supervisord.conf (Python's universal newlines split on
 * `\r` too) or hide themselves in a terminal.
 */
// deno-lint-ignore no-control-regex -- matching control characters is the point
const CONTROL_CHARS = /[\x00-\x1f\x7f\x85\u2028\u2029]/;

/** True when a value holds a newline or another control character. */
export function hasControlChars(value: string): boolean {
  return CONTROL_CHARS.test(value);
}

/** Options of {@linkcode readString}. */
export interface StringOptions {
  /** Accept "". @default false */
  allowEmpty?: boolean;
}

/**
 * A string (numbers and booleans are taken as written) without control characters.
 *
 * @param src The document being read.
 * @param node The value node.
 * @param label How the value is named in messages, e.g. `general.prefix`.
 * @param options Whether "" is accepted.
 * @returns The string, or undefined after recording an issue.
 */
export function readString(
  src: Source,
  node: unknown,
  label: string,
  options: StringOptions = {},
): string | undefined {
  if (!isScalar(node) || isAbsent(node)) {
    src.error(node, `${label} must be a string, got ${describe(node)}`);
    return undefined;
  }
  const text = scalarText(node);
  if (hasControlChars(text)) {
    src.error(node, `${label} must not contain newlines or other control characters`);
    return undefined;
  }
  if (text.trim() === "" && !options.allowEmpty) {
    src.error(node, `${label} must not be empty`);
    return undefined;
  }
  return text;
}

/**
 * A boolean. YAML 1.1 spellings (`True`, `yes`, `off`) count, as they did for the Python tool.
 *
 * @param src The document being read.
 * @param node The value node.
 * @param label How the value is named in messages.
 * @returns The boolean, or undefined after recording an issue.
 */
export function readBool(src: Source, node: unknown, label: string): boolean | undefined {
  if (isScalar(node) && typeof node.value === "boolean") return node.value;
  src.error(node, `${label} must be true or false, got ${describe(node)}`);
  return undefined;
}

/** Bounds of {@linkcode readInt}. */
export interface IntOptions {
  /** Smallest allowed value. */
  min: number;
  /** Largest allowed value. @default Number.MAX_SAFE_INTEGER */
  max?: number;
}

/**
 * An integer within bounds.
 *
 * @param src The document being read.
 * @param node The value node.
 * @param label How the value is named in messages.
 * @param options The bounds.
 * @returns The integer, or undefined after recording an issue.
 */
export function readInt(
  src: Source,
  node: unknown,
  label: string,
  options: IntOptions,
): number | undefined {
  const { min, max = Number.MAX_SAFE_INTEGER } = options;
  if (
    isScalar(node) && typeof node.value === "number" && Number.isSafeInteger(node.value) &&
    node.value >= min && node.value <= max
  ) {
    return node.value;
  }
  const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
  src.error(node, `${label} must be an integer ${range}, got ${describe(node)}`);
  return undefined;
}

/**
 * A finite number greater than zero.
 *
 * @param src The document being read.
 * @param node The value node.
 * @param label How the value is named in messages.
 * @returns The number, or undefined after recording an issue.
 */
export function readPositiveNumber(src: Source, node: unknown, label: string): number | undefined {
  if (
    isScalar(node) && typeof node.value === "number" && Number.isFinite(node.value) &&
    node.value > 0
  ) {
    return node.value;
  }
  src.error(node, `${label} must be a number greater than 0, got ${describe(node)}`);
  return undefined;
}

/**
 * A list of words: a YAML list of strings, or one string of space-separated words.
 *
 * @param src The document being read.
 * @param node The value node.
 * @param label How the value is named in messages.
 * @returns The words (possibly none), or undefined after recording an issue.
 */
export function readWords(src: Source, node: unknown, label: string): string[] | undefined {
  if (isSeq(node)) {
    const words: string[] = [];
    let ok = true;
    for (const item of src.items(node)) {
      const word = readString(src, item, `each item of ${label}`);
      if (word === undefined) {
        ok = false;
      } else if (/\s/.test(word)) {
        src.error(item, `each item of ${label} must be one word, got ${describe(item)}`);
        ok = false;
      } else {
        words.push(word);
      }
    }
    return ok ? words : undefined;
  }
  if (!isScalar(node) || isAbsent(node)) {
    src.error(node, `${label} must be a list or a space-separated string, got ${describe(node)}`);
    return undefined;
  }
  const text = readString(src, node, label, { allowEmpty: true });
  return text?.split(/\s+/).filter((word) => word !== "");
}

/**
 * Check each word with a predicate, recording one issue per bad word at the node.
 *
 * @param src The document being read.
 * @param node The value node the words came from.
 * @param words The words.
 * @param check Returns what is wrong with a word, or undefined if it is fine.
 * @returns True when every word passed.
 */
export function checkWords(
  src: Source,
  node: unknown,
  words: readonly string[],
  check: (word: string) => string | undefined,
): boolean {
  const items = isSeq(node) ? src.items(node) : [];
  let ok = true;
  words.forEach((word, index) => {
    const problem = check(word);
    if (problem === undefined) return;
    src.error(items[index] ?? node, problem);
    ok = false;
  });
  return ok;
}

const SIZE_UNITS: Record<string, number> = { "": 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

/**
 * A byte count: an integer, or a string such as `10MB`, `512KB`, `1GB` (multiples of 1024, as
 * supervisord reads them).
 *
 * @param src The document being read.
 * @param node The value node.
 * @param label How the value is named in messages.
 * @returns The byte count, or undefined after recording an issue.
 */
export function readByteSize(src: Source, node: unknown, label: string): number | undefined {
  if (isScalar(node)) {
    if (typeof node.value === "number" && Number.isSafeInteger(node.value) && node.value >= 0) {
      return node.value;
    }
    if (typeof node.value === "string") {
      const match = /^\s*(\d+)\s*(kb|mb|gb|)\s*$/i.exec(node.value);
      const unit = SIZE_UNITS[match?.[2]?.toLowerCase() ?? "-"];
      if (match?.[1] !== undefined && unit !== undefined) {
        const bytes = Number(match[1]) * unit;
        if (Number.isSafeInteger(bytes)) return bytes;
      }
    }
  }
  src.error(
    node,
    `${label} must be a byte count such as 10485760 or "10MB" (KB, MB, GB), got ${describe(node)}`,
  );
  return undefined;
}
