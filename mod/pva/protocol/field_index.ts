/**
 * Bit numbering of a structure (§2.8): pre-order, bit 0 the whole structure, each field in
 * declaration order, a sub-structure before its own fields. Computed once per type object.
 *
 * @module
 */

import type { FieldDesc, StructDesc } from "./field_desc.ts";

/** One numbered field. */
export interface FieldEntry {
  /** Its bit number. */
  bit: number;
  /** One past the last bit of its subtree (`bit + 1` for a leaf). */
  end: number;
  /** Dotted path from the top (`""` for bit 0). */
  path: string;
  /** Path as names (empty for bit 0). */
  names: readonly string[];
  /** Its type. */
  type: FieldDesc;
}

/** The numbered fields of one structure type. */
export class FieldIndex {
  /** Entries by bit number. */
  readonly entries: readonly FieldEntry[];
  #byPath = new Map<string, FieldEntry>();

  /**
   * @param type The structure.
   * @example Usage
   * ```ts
   * import { FieldIndex } from "./field_index.ts";
   * import { scalar, structure } from "./field_desc.ts";
   * new FieldIndex(structure("", { a: structure("", { b: scalar("int") }) })).count; // 3
   * ```
   */
  constructor(type: StructDesc) {
    const entries: FieldEntry[] = [];
    const walk = (t: FieldDesc, names: string[]): void => {
      const e: FieldEntry = { bit: entries.length, end: 0, path: names.join("."), names, type: t };
      entries.push(e);
      if (t.kind === "structure") { for (const f of t.fields) walk(f.type, [...names, f.name]); }
      e.end = entries.length;
    };
    walk(type, []);
    this.entries = entries;
    for (const e of entries) this.#byPath.set(e.path, e);
  }

  /** Number of bits (fields including the top structure). */
  get count(): number {
    return this.entries.length;
  }

  /**
   * @param path Dotted path, `""` for the top.
   * @returns The entry, or `undefined`.
   */
  byPath(path: string): FieldEntry | undefined {
    return this.#byPath.get(path);
  }

  /**
   * @param path Dotted path.
   * @returns Its bit number.
   * @throws {RangeError} When the structure has no such field.
   */
  bitOf(path: string): number {
    const e = this.#byPath.get(path);
    if (!e) throw new RangeError(`Cannot find field "${path}"`);
    return e.bit;
  }
}

const INDEXES = new WeakMap<StructDesc, FieldIndex>();

/**
 * The bit numbering of a structure type (cached per type object, so reuse one type object per
 * PV).
 *
 * @param type The structure.
 * @returns Its index.
 * @example Usage
 * ```ts
 * import { fieldIndex } from "./field_index.ts";
 * import { ntEnum } from "./nt.ts";
 * fieldIndex(ntEnum()).bitOf("display.description"); // 13
 * ```
 */
export function fieldIndex(type: StructDesc): FieldIndex {
  let idx = INDEXES.get(type);
  if (!idx) {
    idx = new FieldIndex(type);
    INDEXES.set(type, idx);
  }
  return idx;
}
