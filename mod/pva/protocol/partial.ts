/**
 * Partial values ("BitSet + data", §2.9): a BitSet and then, in ascending bit order, the full
 * encoding of each marked field; a marked structure is written whole and its descendants' bits
 * are skipped. Used by GET and PUT data, PUT requests and MONITOR updates.
 *
 * @module
 */

import { BitSet, readBitSet, writeBitSet } from "./bitset.ts";
import { LocalProtocolError, RemoteProtocolError } from "./errors.ts";
import type { StructDesc } from "./field_desc.ts";
import { type FieldEntry, fieldIndex } from "./field_index.ts";
import type { PvaReader } from "./reader.ts";
import { defaultValue, readValue, type StructValue, type Value, writeValue } from "./value.ts";
import type { PvaWriter } from "./writer.ts";

/** A structure value with the bits saying which of its fields are meant. */
export interface PartialValue {
  /** The structure type (its bit numbering applies). */
  type: StructDesc;
  /** Which fields are sent (or were received). */
  bits: BitSet;
  /** The value; only the marked fields are read on encode, only they are filled on decode. */
  value: StructValue;
}

function valueAt(v: StructValue, names: readonly string[]): Value {
  let cur: Value = v;
  for (const n of names) cur = cur === null ? null : (cur as StructValue)[n] ?? null;
  return cur;
}

function setAt(v: StructValue, names: readonly string[], x: Value): void {
  let cur = v;
  for (let i = 0; i < names.length - 1; i++) {
    const n = names[i]!;
    const next = cur[n];
    if (next === null || typeof next !== "object") cur[n] = {};
    cur = cur[n] as StructValue;
  }
  cur[names[names.length - 1]!] = x;
}

/** Walk the marked fields in wire order, skipping the descendants of marked structures. */
function* marked(
  bits: BitSet,
  entries: readonly FieldEntry[],
): Generator<FieldEntry, number | undefined> {
  for (let b = bits.nextSetBit(0); b >= 0;) {
    const e = entries[b];
    if (!e) return b;
    yield e;
    b = bits.nextSetBit(e.end);
  }
  return undefined;
}

/**
 * Write the data part (without the BitSet) of a partial value.
 *
 * @param w Destination.
 * @param p Type, bits and value.
 * @throws {LocalProtocolError} When a bit lies beyond the structure.
 * @example Usage
 * ```ts
 * import { BitSet } from "./bitset.ts";
 * import { ntScalar } from "./nt.ts";
 * import { writePartialFields } from "./partial.ts";
 * import { PvaWriter } from "./writer.ts";
 * const w = new PvaWriter();
 * writePartialFields(w, { type: ntScalar("int"), bits: BitSet.of(1), value: { value: 5 } });
 * w.finish(); // 05 00 00 00
 * ```
 */
export function writePartialFields(w: PvaWriter, p: PartialValue): void {
  // The walk of `marked`, inlined: this runs for every GET reply and monitor update.
  const { entries } = fieldIndex(p.type);
  const bits = p.bits;
  for (let b = bits.nextSetBit(0); b >= 0;) {
    const e = entries[b];
    if (!e) throw new LocalProtocolError(`Cannot encode bit ${b}`);
    writeValue(w, e.type, e.bit === 0 ? p.value : valueAt(p.value, e.names));
    b = bits.nextSetBit(e.end);
  }
}

/**
 * Write a partial value: BitSet, then the marked fields.
 *
 * @param w Destination.
 * @param p Type, bits and value.
 * @example Usage
 * ```ts
 * import { BitSet } from "./bitset.ts";
 * import { ntScalar } from "./nt.ts";
 * import { writePartial } from "./partial.ts";
 * import { PvaWriter } from "./writer.ts";
 * const w = new PvaWriter();
 * writePartial(w, { type: ntScalar("int"), bits: BitSet.of(1), value: { value: 5 } });
 * w.finish(); // 01 02 05 00 00 00
 * ```
 */
export function writePartial(w: PvaWriter, p: PartialValue): void {
  writeBitSet(w, p.bits);
  writePartialFields(w, p);
}

/**
 * Read the marked fields of a partial value into `into` (fields not marked keep their values).
 *
 * @param r Source positioned after the BitSet.
 * @param type The structure type.
 * @param bits The BitSet just read.
 * @param into Target value (defaults to a zero value of `type`).
 * @returns The filled value.
 * @throws {RemoteProtocolError} When a bit lies beyond the structure or data is truncated.
 * @example Usage
 * ```ts
 * import { BitSet } from "./bitset.ts";
 * import { ntScalar } from "./nt.ts";
 * import { readPartialFields } from "./partial.ts";
 * import { PvaReader } from "./reader.ts";
 * readPartialFields(new PvaReader(new Uint8Array([5, 0, 0, 0])), ntScalar("int"), BitSet.of(1)).value; // 5
 * ```
 */
export function readPartialFields(
  r: PvaReader,
  type: StructDesc,
  bits: BitSet,
  into?: StructValue,
): StructValue {
  const target = into ?? defaultValue(type) as StructValue;
  const { entries } = fieldIndex(type);
  const it = marked(bits, entries);
  for (let res = it.next();; res = it.next()) {
    if (res.done) {
      if (res.value !== undefined) {
        throw new RemoteProtocolError(`Cannot decode data: bit ${res.value} beyond the type`);
      }
      return target;
    }
    const e = res.value;
    if (e.bit === 0) {
      Object.assign(target, readValue(r, type) as StructValue);
      return target;
    }
    setAt(target, e.names, readValue(r, e.type));
  }
}

/**
 * Read a partial value: BitSet, then the marked fields.
 *
 * @param r Source.
 * @param type The structure type (from the operation's INIT).
 * @returns Type, bits and value (unmarked fields hold zero values).
 * @example Usage
 * ```ts
 * import { ntScalar } from "./nt.ts";
 * import { readPartial } from "./partial.ts";
 * import { PvaReader } from "./reader.ts";
 * readPartial(new PvaReader(new Uint8Array([1, 2, 5, 0, 0, 0])), ntScalar("int")).value.value; // 5
 * ```
 */
export function readPartial(r: PvaReader, type: StructDesc): PartialValue {
  const bits = readBitSet(r);
  return { type, bits, value: readPartialFields(r, type, bits) };
}

/**
 * The bits of every field of `type` (bit 0 excluded) that a full update would mark when only
 * leaves are set, as QSRV2 does.
 *
 * @param type The structure.
 * @returns The leaf bits.
 * @example Usage
 * ```ts
 * import { leafBits } from "./partial.ts";
 * import { ntEnum } from "./nt.ts";
 * leafBits(ntEnum()).toString(); // "{2,3,5,6,7,9,10,11,13}"
 * ```
 */
export function leafBits(type: StructDesc): BitSet {
  const out = new BitSet();
  for (const e of fieldIndex(type).entries) if (e.type.kind !== "structure") out.set(e.bit);
  return out;
}

function sameValue(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) {
    // NaN equals NaN here: an unchanged NaN is no change for a subscriber.
    return typeof a === "number" && typeof b === "number" && Number.isNaN(a) && Number.isNaN(b);
  }
  if (ArrayBuffer.isView(a) || Array.isArray(a)) {
    const x = a as ArrayLike<Value>;
    const y = b as unknown as ArrayLike<Value>;
    if (!(ArrayBuffer.isView(b) || Array.isArray(b)) || x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!sameValue(x[i]!, y[i]!)) return false;
    return true;
  }
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) =>
    sameValue((a as Record<string, Value>)[k]!, (b as Record<string, Value>)[k] ?? null)
  );
}

/**
 * The leaf bits whose values differ between two values of a structure type: what a monitor
 * update sends after the first one (QSRV2 marks leaves only, e.g. {1,7,8,9} for a new value with
 * a new time stamp). Arrays, unions and `any` fields count as leaves.
 *
 * @param type The structure.
 * @param before The value last sent.
 * @param after The current value.
 * @returns The changed leaf bits (empty when nothing changed: send no update).
 * @example Usage
 * ```ts
 * import { changedBits } from "./partial.ts";
 * import { ntScalar } from "./nt.ts";
 * const t = ntScalar("double");
 * changedBits(t, { value: 1, alarm: { severity: 0 } }, { value: 2, alarm: { severity: 0 } }).toString(); // "{1}"
 * ```
 */
export function changedBits(type: StructDesc, before: StructValue, after: StructValue): BitSet {
  const out = new BitSet();
  for (const e of fieldIndex(type).entries) {
    if (e.type.kind === "structure") continue;
    if (!sameValue(valueAt(before, e.names), valueAt(after, e.names))) out.set(e.bit);
  }
  return out;
}
