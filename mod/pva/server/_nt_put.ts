/**
 * What a client's PUT data means for a {@linkcode PvaSource}: the new value in the source's own
 * terms (an enum's index, a number, a string, an array), or nothing when the put carries no
 * `value` (QSRV2 accepts puts of other fields and ignores them, pva-protocol.md §4.6).
 *
 * @module
 */

import { fieldIndex, type PartialValue, type StructValue, type Value } from "../protocol/mod.ts";
import type { PvaSource, PvaValue } from "./source.ts";

/** Thrown for put data the PV cannot take; the message goes to the client in an ERROR status. */
export class PutDataError extends TypeError {
  /** @param message Why. */
  constructor(message: string) {
    super(message);
    this.name = "PutDataError";
  }
}

function toNumber(x: Value, name: string): number {
  if (typeof x === "number") return x;
  if (typeof x === "bigint" || typeof x === "boolean") return Number(x);
  if (typeof x === "string" && x.trim() !== "" && Number.isFinite(Number(x))) return Number(x);
  throw new PutDataError(`Cannot put ${JSON.stringify(x)} to "${name}": not a number`);
}

function scalarOf(source: PvaSource, x: Value): number | string {
  if (source.kind === "string") {
    if (typeof x === "object" && x !== null) {
      throw new PutDataError(`Cannot put a structure to "${source.name}"`);
    }
    return String(x ?? "");
  }
  const n = toNumber(x, source.name);
  if (source.kind === "int") {
    if (!Number.isInteger(n) || n < -0x80000000 || n > 0x7fffffff) {
      throw new PutDataError(`Cannot put ${n} to "${source.name}": not a 32-bit integer`);
    }
  }
  if (source.kind === "ubyte" && (!Number.isInteger(n) || n < 0 || n > 255)) {
    throw new PutDataError(`Cannot put ${n} to "${source.name}": not a byte (0 to 255)`);
  }
  return n;
}

function enumIndex(source: PvaSource, x: Value): number {
  let i: number;
  if (typeof x === "string" && !/^\s*-?\d+\s*$/.test(x)) {
    i = source.choices.indexOf(x);
    if (i < 0) {
      throw new PutDataError(`Cannot put "${x}" to "${source.name}": not one of its choices`);
    }
  } else {
    i = toNumber(x, source.name);
  }
  if (!Number.isInteger(i) || i < 0 || i >= source.choices.length) {
    throw new PutDataError(
      `Cannot put index ${i} to "${source.name}": it has ${source.choices.length} choices`,
    );
  }
  return i;
}

/**
 * The value a PUT writes.
 *
 * @param source The PV.
 * @param data The PUT's BitSet and partial value (in the source's NT type).
 * @returns The new value, or `undefined` when no value field was sent.
 * @throws {PutDataError} When the data does not fit the PV (wrong kind, enum index out of range).
 */
export function putValue(source: PvaSource, data: PartialValue): PvaValue | undefined {
  const idx = fieldIndex(data.type);
  const valueEntry = idx.byPath("value");
  if (!valueEntry) return undefined;
  let hit = false;
  for (let b = valueEntry.bit; b < valueEntry.end; b++) hit ||= data.bits.has(b);
  // Bit 0 is the whole structure: a client sending everything sends the value too.
  if (!hit && !data.bits.has(0)) return undefined;
  const v = data.value["value"] ?? null;
  if (source.kind === "enum" && !source.array) {
    const index = v !== null && typeof v === "object" && !ArrayBuffer.isView(v) && !Array.isArray(v)
      ? (v as StructValue)["index"] ?? null
      : v;
    return enumIndex(source, index);
  }
  if (source.array) {
    if (v === null || typeof v !== "object" || !("length" in v)) {
      return [scalarOf(source, v)] as number[] | string[];
    }
    const items = Array.from(v as ArrayLike<Value>, (x) => scalarOf(source, x));
    return items as number[] | string[];
  }
  if (v !== null && typeof v === "object" && "length" in v) {
    throw new PutDataError(`Cannot put an array to scalar "${source.name}"`);
  }
  return scalarOf(source, v);
}
