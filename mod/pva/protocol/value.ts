/**
 * Values (§2.7): the TypeScript model of data described by a {@linkcode FieldDesc}, its full
 * ("every field") wire encoding, and zero values. The type drives both directions; no type bytes
 * appear between fields, except inside `any` values.
 *
 * Mapping: boolean → `boolean`; byte…uint, float, double → `number`; long, ulong → `bigint`
 * (numbers accepted on encode); string → `string`; numeric arrays decode to typed arrays
 * (`Float64Array`, `Int32Array`, `BigInt64Array`, …) and encode from any array-like; boolean and
 * string arrays are plain arrays; structures are plain objects keyed by field name; unions are
 * {@linkcode UnionValue}; `any` is a {@linkcode TypedValue}.
 *
 * @module
 */

import { LocalProtocolError, RemoteProtocolError } from "./errors.ts";
import {
  type FieldDesc,
  readFieldDesc,
  type ScalarType,
  type StructDesc,
  type UnionDesc,
  writeFieldDesc,
} from "./field_desc.ts";
import type { PvaReader } from "./reader.ts";
import type { PvaWriter } from "./writer.ts";

/** A scalar value. */
export type ScalarValue = boolean | number | bigint | string;

/** A scalar array value. */
export type ScalarArrayValue =
  | boolean[]
  | string[]
  | number[]
  | bigint[]
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | Float32Array
  | Float64Array;

/** A structure value: field name → value. */
export interface StructValue {
  [name: string]: Value;
}

/** A union value: which member is selected (or none) and its value. */
export interface UnionValue {
  /** Selected member name, or `null` for no value. */
  member: string | null;
  /** The member's value (`null` when none is selected). */
  value: Value;
}

/** A type and its value: an `any` field, a pvRequest, credentials, RPC arguments. */
export interface TypedValue {
  /** The type, or `null` for the NULL type (then `value` is `null`). */
  type: FieldDesc | null;
  /** The value. */
  value: Value;
}

/** Any value. */
export type Value =
  | ScalarValue
  | ScalarArrayValue
  | StructValue
  | UnionValue
  | TypedValue
  | (StructValue | null)[]
  | (UnionValue | null)[]
  | (TypedValue | null)[]
  | null;

const NUMERIC_ARRAYS = {
  byte: Int8Array,
  ubyte: Uint8Array,
  short: Int16Array,
  ushort: Uint16Array,
  int: Int32Array,
  uint: Uint32Array,
  long: BigInt64Array,
  ulong: BigUint64Array,
  float: Float32Array,
  double: Float64Array,
} as const;

/** Bytes per element of each scalar type on the wire (strings: at least one). */
const ELEMENT_SIZE: Record<ScalarType, number> = {
  boolean: 1,
  byte: 1,
  ubyte: 1,
  short: 2,
  ushort: 2,
  int: 4,
  uint: 4,
  long: 8,
  ulong: 8,
  float: 4,
  double: 8,
  string: 1,
};

/**
 * Write one scalar.
 *
 * @param w Destination.
 * @param type Scalar type.
 * @param v The value (numbers and bigints are converted as needed).
 * @example Usage
 * ```ts
 * import { writeScalar } from "./value.ts";
 * import { PvaWriter } from "./writer.ts";
 * const w = new PvaWriter();
 * writeScalar(w, "int", 5);
 * w.finish(); // 05 00 00 00
 * ```
 */
export function writeScalar(w: PvaWriter, type: ScalarType, v: Value): void {
  switch (type) {
    case "boolean":
      return w.bool(Boolean(v));
    case "byte":
      return w.i8(num(v));
    case "ubyte":
      return w.u8(num(v) & 0xff);
    case "short":
      return w.i16(num(v));
    case "ushort":
      return w.u16(num(v) & 0xffff);
    case "int":
      return w.i32(num(v));
    case "uint":
      return w.u32(num(v));
    case "long":
      return w.i64(big(v));
    case "ulong":
      return w.u64(big(v));
    case "float":
      return w.f32(num(v));
    case "double":
      return w.f64(num(v));
    case "string":
      return w.string(typeof v === "string" ? v : String(v ?? ""));
  }
}

function num(v: Value): number {
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "boolean") return v ? 1 : 0;
  throw new LocalProtocolError(`Cannot encode ${JSON.stringify(v)} as a number`);
}

function big(v: Value): bigint {
  if (typeof v === "bigint") return v;
  if (typeof v === "number" && Number.isFinite(v)) return BigInt(Math.trunc(v));
  throw new LocalProtocolError(`Cannot encode ${String(v)} as a 64-bit integer`);
}

/**
 * Read one scalar.
 *
 * @param r Source.
 * @param type Scalar type.
 * @returns The value.
 * @example Usage
 * ```ts
 * import { readScalar } from "./value.ts";
 * import { PvaReader } from "./reader.ts";
 * readScalar(new PvaReader(new Uint8Array([5, 0, 0, 0])), "int"); // 5
 * ```
 */
export function readScalar(r: PvaReader, type: ScalarType): ScalarValue {
  switch (type) {
    case "boolean":
      return r.bool();
    case "byte":
      return r.i8();
    case "ubyte":
      return r.u8();
    case "short":
      return r.i16();
    case "ushort":
      return r.u16();
    case "int":
      return r.i32();
    case "uint":
      return r.u32();
    case "long":
      return r.i64();
    case "ulong":
      return r.u64();
    case "float":
      return r.f32();
    case "double":
      return r.f64();
    case "string":
      return r.string();
  }
}

function asArray(v: Value, what: string): ArrayLike<unknown> {
  if (v === null || v === undefined) return [];
  if (Array.isArray(v) || ArrayBuffer.isView(v)) return v as ArrayLike<unknown>;
  throw new LocalProtocolError(`Cannot encode ${what}: not an array`);
}

/**
 * Write a value in full according to its type.
 *
 * @param w Destination.
 * @param type The type.
 * @param v The value (missing structure fields are written as zero values).
 * @example Usage
 * ```ts
 * import { scalar, structure } from "./field_desc.ts";
 * import { writeValue } from "./value.ts";
 * import { PvaWriter } from "./writer.ts";
 * const w = new PvaWriter();
 * writeValue(w, structure("", { a: scalar("ubyte"), s: scalar("string") }), { a: 1, s: "x" });
 * w.finish(); // 01 01 78
 * ```
 */
export function writeValue(w: PvaWriter, type: FieldDesc, v: Value): void {
  switch (type.kind) {
    case "scalar":
      return writeScalar(w, type.type, v ?? zeroScalar(type.type));
    case "scalarArray": {
      const a = asArray(v, "array");
      w.size(a.length);
      for (let i = 0; i < a.length; i++) writeScalar(w, type.type, a[i] as Value);
      return;
    }
    case "structure": {
      const s = (v ?? {}) as StructValue;
      for (const f of type.fields) writeValue(w, f.type, s[f.name] ?? defaultValue(f.type));
      return;
    }
    case "union":
      return writeUnion(w, type, v as UnionValue | null);
    case "any":
      return writeTyped(w, (v ?? { type: null, value: null }) as TypedValue);
    case "structureArray":
    case "unionArray":
    case "anyArray": {
      const a = asArray(v, "array") as ArrayLike<Value>;
      w.size(a.length);
      for (let i = 0; i < a.length; i++) {
        const e = a[i];
        if (e === null || e === undefined) {
          w.u8(0);
          continue;
        }
        w.u8(1);
        if (type.kind === "structureArray") writeValue(w, type.element, e);
        else if (type.kind === "unionArray") writeUnion(w, type.element, e as UnionValue);
        else writeTyped(w, e as TypedValue);
      }
      return;
    }
  }
}

function writeUnion(w: PvaWriter, type: UnionDesc, u: UnionValue | null): void {
  if (!u || u.member === null) return w.size(-1);
  const i = type.fields.findIndex((f) => f.name === u.member);
  if (i < 0) throw new LocalProtocolError(`Cannot encode union: no member "${u.member}"`);
  w.size(i);
  writeValue(w, type.fields[i]!.type, u.value);
}

/**
 * Write a type and its value ("type + value", §2.7); the NULL type has no value.
 *
 * @param w Destination.
 * @param tv Type and value.
 * @example Usage
 * ```ts
 * import { writeTyped } from "./value.ts";
 * import { PvaWriter } from "./writer.ts";
 * const w = new PvaWriter();
 * writeTyped(w, { type: null, value: null });
 * w.finish(); // ff
 * ```
 */
export function writeTyped(w: PvaWriter, tv: TypedValue): void {
  writeFieldDesc(w, tv.type);
  if (tv.type !== null) writeValue(w, tv.type, tv.value);
}

/**
 * Read a full value of the given type.
 *
 * @param r Source.
 * @param type The type.
 * @returns The value.
 * @throws {RemoteProtocolError} On truncated data or counts larger than the message.
 * @example Usage
 * ```ts
 * import { scalarArray } from "./field_desc.ts";
 * import { readValue } from "./value.ts";
 * import { PvaReader } from "./reader.ts";
 * readValue(new PvaReader(new Uint8Array([1, 7])), scalarArray("byte")); // Int8Array [7]
 * ```
 */
export function readValue(r: PvaReader, type: FieldDesc): Value {
  switch (type.kind) {
    case "scalar":
      return readScalar(r, type.type);
    case "scalarArray":
      return readScalarArray(r, type.type);
    case "structure": {
      const out: StructValue = {};
      for (const f of type.fields) out[f.name] = readValue(r, f.type);
      return out;
    }
    case "union":
      return readUnion(r, type);
    case "any":
      return readTyped(r);
    case "structureArray":
    case "unionArray":
    case "anyArray": {
      const n = r.count("array");
      const out: Value[] = [];
      for (let i = 0; i < n; i++) {
        if (!r.bool()) {
          out.push(null);
          continue;
        }
        if (type.kind === "structureArray") out.push(readValue(r, type.element));
        else if (type.kind === "unionArray") out.push(readUnion(r, type.element));
        else out.push(readTyped(r));
      }
      return out as Value;
    }
  }
}

function readScalarArray(r: PvaReader, type: ScalarType): ScalarArrayValue {
  const n = r.size();
  if (n < 0 || n * ELEMENT_SIZE[type] > r.remaining) {
    throw new RemoteProtocolError(`Cannot decode ${type}[]: bad count ${n} at offset ${r.offset}`);
  }
  if (type === "string") return Array.from({ length: n }, () => r.string());
  if (type === "boolean") return Array.from({ length: n }, () => r.bool());
  const out = new NUMERIC_ARRAYS[type](n);
  for (let i = 0; i < n; i++) (out as unknown as ScalarValue[])[i] = readScalar(r, type);
  return out;
}

function readUnion(r: PvaReader, type: UnionDesc): UnionValue {
  const sel = r.size();
  if (sel < 0) return { member: null, value: null };
  const f = type.fields[sel];
  if (!f) throw new RemoteProtocolError(`Cannot decode union: selector ${sel} out of range`);
  return { member: f.name, value: readValue(r, f.type) };
}

/**
 * Read a type and its value ("type + value", §2.7), resolving the type cache.
 *
 * @param r Source.
 * @returns Type and value (`{ type: null, value: null }` for the NULL type).
 * @example Usage
 * ```ts
 * import { readTyped } from "./value.ts";
 * import { PvaReader } from "./reader.ts";
 * readTyped(new PvaReader(new Uint8Array([0x80, 0, 0]))); // { type: { kind: "structure", id: "", fields: [] }, value: {} }
 * ```
 */
export function readTyped(r: PvaReader): TypedValue {
  const type = readFieldDesc(r);
  return { type, value: type === null ? null : readValue(r, type) };
}

function zeroScalar(type: ScalarType): ScalarValue {
  if (type === "boolean") return false;
  if (type === "string") return "";
  if (type === "long" || type === "ulong") return 0n;
  return 0;
}

/**
 * The zero value of a type: 0, 0n, "", false, empty arrays, structures of zero values, unions
 * and `any` with nothing selected.
 *
 * @param type The type.
 * @returns A new value.
 * @example Usage
 * ```ts
 * import { scalar, structure } from "./field_desc.ts";
 * import { defaultValue } from "./value.ts";
 * defaultValue(structure("", { a: scalar("long"), b: scalar("string") })); // { a: 0n, b: "" }
 * ```
 */
export function defaultValue(type: FieldDesc): Value {
  switch (type.kind) {
    case "scalar":
      return zeroScalar(type.type);
    case "scalarArray":
      return type.type === "string" || type.type === "boolean"
        ? []
        : new NUMERIC_ARRAYS[type.type](0);
    case "structure": {
      const out: StructValue = {};
      for (const f of type.fields) out[f.name] = defaultValue(f.type);
      return out;
    }
    case "union":
      return { member: null, value: null };
    case "any":
      return { type: null, value: null };
    case "structureArray":
    case "unionArray":
    case "anyArray":
      return [];
  }
}

/**
 * The type of a structure's descendant named by a dotted path.
 *
 * @param type The structure.
 * @param path E.g. `"display.units"`; `""` is the structure itself.
 * @returns The descendant's type, or `undefined`.
 * @example Usage
 * ```ts
 * import { scalar, structure } from "./field_desc.ts";
 * import { typeAt } from "./value.ts";
 * typeAt(structure("", { a: structure("", { b: scalar("int") }) }), "a.b"); // { kind: "scalar", type: "int" }
 * ```
 */
export function typeAt(type: StructDesc, path: string): FieldDesc | undefined {
  let t: FieldDesc = type;
  if (path === "") return t;
  for (const name of path.split(".")) {
    if (t.kind !== "structure") return undefined;
    const f: FieldDesc | undefined = t.fields.find((x) => x.name === name)?.type;
    if (!f) return undefined;
    t = f;
  }
  return t;
}
