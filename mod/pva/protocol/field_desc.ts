/**
 * Type descriptions ("FieldDesc", §2.5): the TypeScript model, constructors, and their wire
 * encoding. Decoding resolves the introspection cache (0xFD define / 0xFE use, §2.6) through the
 * reader's {@linkcode TypeCache}; encoding never uses the cache (as pvxs).
 *
 * @module
 */

import { LocalProtocolError, RemoteProtocolError } from "./errors.ts";
import type { PvaReader } from "./reader.ts";
import { PvaWriter } from "./writer.ts";

/** The pvData scalar types, by their pvData names. */
export type ScalarType =
  | "boolean"
  | "byte"
  | "short"
  | "int"
  | "long"
  | "ubyte"
  | "ushort"
  | "uint"
  | "ulong"
  | "float"
  | "double"
  | "string";

/** One named member of a structure or union. */
export interface Field {
  /** Member name (non-empty). */
  name: string;
  /** Member type. */
  type: FieldDesc;
}

/** A scalar. */
export interface ScalarDesc {
  /** Discriminator. */
  kind: "scalar";
  /** Scalar type. */
  type: ScalarType;
}

/** A variable-size array of scalars. */
export interface ScalarArrayDesc {
  /** Discriminator. */
  kind: "scalarArray";
  /** Element type. */
  type: ScalarType;
}

/** A structure: an id (may be empty) and ordered fields. */
export interface StructDesc {
  /** Discriminator. */
  kind: "structure";
  /** Structure id, e.g. `"epics:nt/NTScalar:1.0"`, or `""`. */
  id: string;
  /** Fields in wire order. */
  fields: readonly Field[];
}

/** A union: one of the members (or none) holds a value. */
export interface UnionDesc {
  /** Discriminator. */
  kind: "union";
  /** Union id, or `""`. */
  id: string;
  /** Members in wire order. */
  fields: readonly Field[];
}

/** A variant union ("any"): each value carries its own type. */
export interface AnyDesc {
  /** Discriminator. */
  kind: "any";
}

/** An array of structures of one type. */
export interface StructArrayDesc {
  /** Discriminator. */
  kind: "structureArray";
  /** Element type. */
  element: StructDesc;
}

/** An array of unions of one type. */
export interface UnionArrayDesc {
  /** Discriminator. */
  kind: "unionArray";
  /** Element type. */
  element: UnionDesc;
}

/** An array of variant unions. */
export interface AnyArrayDesc {
  /** Discriminator. */
  kind: "anyArray";
}

/** Any type description. The NULL type (0xFF) is represented by `null` where it is allowed. */
export type FieldDesc =
  | ScalarDesc
  | ScalarArrayDesc
  | StructDesc
  | UnionDesc
  | AnyDesc
  | StructArrayDesc
  | UnionArrayDesc
  | AnyArrayDesc;

/** Type code of each scalar (§2.5). */
export const SCALAR_CODES: Readonly<Record<ScalarType, number>> = {
  boolean: 0x00,
  byte: 0x20,
  short: 0x21,
  int: 0x22,
  long: 0x23,
  ubyte: 0x24,
  ushort: 0x25,
  uint: 0x26,
  ulong: 0x27,
  float: 0x42,
  double: 0x43,
  string: 0x60,
};

const SCALAR_BY_CODE = new Map<number, ScalarType>(
  Object.entries(SCALAR_CODES).map(([k, v]) => [v, k as ScalarType]),
);

/** Type code: structure. */
export const TYPE_STRUCT = 0x80;
/** Type code: union. */
export const TYPE_UNION = 0x81;
/** Type code: any. */
export const TYPE_ANY = 0x82;
/** Type code: structure array. */
export const TYPE_STRUCT_ARRAY = 0x88;
/** Type code: union array. */
export const TYPE_UNION_ARRAY = 0x89;
/** Type code: any array. */
export const TYPE_ANY_ARRAY = 0x8a;
/** Type code: cache define (u16 key, then a description). */
export const TYPE_CACHE_DEFINE = 0xfd;
/** Type code: cache use (u16 key). */
export const TYPE_CACHE_USE = 0xfe;
/** Type code: the NULL type. */
export const TYPE_NULL = 0xff;

/** Array flag of a scalar type code: variable-size array. */
const ARRAY_BIT = 0x08;
/** Deepest nesting we accept from a peer (stops stack exhaustion by hostile input). */
const MAX_DEPTH = 64;

/**
 * A scalar description.
 *
 * @param type Scalar type.
 * @returns The description.
 * @example Usage
 * ```ts
 * import { scalar } from "./field_desc.ts";
 * scalar("double"); // { kind: "scalar", type: "double" }
 * ```
 */
export function scalar(type: ScalarType): ScalarDesc {
  return { kind: "scalar", type };
}

/**
 * A scalar array description.
 *
 * @param type Element type.
 * @returns The description.
 * @example Usage
 * ```ts
 * import { scalarArray } from "./field_desc.ts";
 * scalarArray("string"); // { kind: "scalarArray", type: "string" }
 * ```
 */
export function scalarArray(type: ScalarType): ScalarArrayDesc {
  return { kind: "scalarArray", type };
}

/**
 * A structure description from an object whose key order is the field order. (JavaScript puts
 * integer-like keys first; for such names build the {@linkcode StructDesc} literal instead.)
 *
 * @param id Structure id (`""` for none).
 * @param fields Field name → type, in wire order.
 * @returns The description.
 * @example Usage
 * ```ts
 * import { scalar, structure } from "./field_desc.ts";
 * structure("alarm_t", { severity: scalar("int") }).fields.length; // 1
 * ```
 */
export function structure(id: string, fields: Record<string, FieldDesc>): StructDesc {
  return {
    kind: "structure",
    id,
    fields: Object.entries(fields).map(([name, type]) => ({ name, type })),
  };
}

/**
 * A union description from an object whose key order is the member order.
 *
 * @param id Union id (`""` for none).
 * @param fields Member name → type, in wire order.
 * @returns The description.
 * @example Usage
 * ```ts
 * import { scalar, union } from "./field_desc.ts";
 * union("", { s: scalar("string"), d: scalar("double") }).kind; // "union"
 * ```
 */
export function union(id: string, fields: Record<string, FieldDesc>): UnionDesc {
  return {
    kind: "union",
    id,
    fields: Object.entries(fields).map(([name, type]) => ({ name, type })),
  };
}

/**
 * Find a member of a structure or union by name.
 *
 * @param desc The structure or union.
 * @param name Member name.
 * @returns The member's type, or `undefined`.
 * @example Usage
 * ```ts
 * import { fieldType, scalar, structure } from "./field_desc.ts";
 * fieldType(structure("", { a: scalar("int") }), "a"); // { kind: "scalar", type: "int" }
 * ```
 */
export function fieldType(desc: StructDesc | UnionDesc, name: string): FieldDesc | undefined {
  for (const f of desc.fields) if (f.name === name) return f.type;
  return undefined;
}

/** Encoded structure and union descriptions by byte order. */
const ENCODED_LE = new WeakMap<StructDesc | UnionDesc, Uint8Array>();
const ENCODED_BE = new WeakMap<StructDesc | UnionDesc, Uint8Array>();

/**
 * Write a type description (no cache entries), or the NULL type for `null`. Descriptions are
 * treated as immutable once written (their encoding is remembered).
 *
 * @param w Destination.
 * @param desc The description.
 * @example Usage
 * ```ts
 * import { scalar, writeFieldDesc } from "./field_desc.ts";
 * import { PvaWriter } from "./writer.ts";
 * const w = new PvaWriter();
 * writeFieldDesc(w, scalar("double"));
 * w.finish(); // 43
 * ```
 */
export function writeFieldDesc(w: PvaWriter, desc: FieldDesc | null): void {
  if (desc === null) return w.u8(TYPE_NULL);
  switch (desc.kind) {
    case "scalar":
      return w.u8(SCALAR_CODES[desc.type]);
    case "scalarArray":
      return w.u8(SCALAR_CODES[desc.type] | ARRAY_BIT);
    case "structure":
    case "union": {
      // Servers send the same few (shared, never modified) NT types over and over: encode each
      // once per byte order.
      const cache = w.littleEndian ? ENCODED_LE : ENCODED_BE;
      let bytes = cache.get(desc);
      if (bytes === undefined) {
        const own = new PvaWriter({ littleEndian: w.littleEndian });
        own.u8(desc.kind === "structure" ? TYPE_STRUCT : TYPE_UNION);
        own.string(desc.id);
        own.size(desc.fields.length);
        for (const f of desc.fields) {
          if (f.name === "") throw new LocalProtocolError("Cannot encode type: empty field name");
          own.string(f.name);
          writeFieldDesc(own, f.type);
        }
        cache.set(desc, bytes = own.finish());
      }
      return w.bytes(bytes);
    }
    case "any":
      return w.u8(TYPE_ANY);
    case "structureArray":
      w.u8(TYPE_STRUCT_ARRAY);
      return writeFieldDesc(w, desc.element);
    case "unionArray":
      w.u8(TYPE_UNION_ARRAY);
      return writeFieldDesc(w, desc.element);
    case "anyArray":
      return w.u8(TYPE_ANY_ARRAY);
    default: {
      const never: never = desc;
      throw new LocalProtocolError(`Cannot encode type ${JSON.stringify(never)}`);
    }
  }
}

/**
 * Encode a type description into new bytes.
 *
 * @param desc The description, or `null` for the NULL type.
 * @param littleEndian Byte order (only matters for sizes ≥ 254).
 * @returns The bytes.
 * @example Usage
 * ```ts
 * import { encodeFieldDesc, scalarArray } from "./field_desc.ts";
 * encodeFieldDesc(scalarArray("double")); // 4b
 * ```
 */
export function encodeFieldDesc(desc: FieldDesc | null, littleEndian = true): Uint8Array {
  const w = new PvaWriter({ littleEndian });
  writeFieldDesc(w, desc);
  return w.finish();
}

/**
 * Read a type description, resolving 0xFD/0xFE through `r.cache`.
 *
 * @param r Source positioned at the type code.
 * @returns The description, or `null` for the NULL type.
 * @throws {RemoteProtocolError} On unknown, deprecated (bounded/fixed array) or cache codes
 *   without a cache, on undefined cache keys, and on nesting deeper than 64.
 * @example Usage
 * ```ts
 * import { readFieldDesc } from "./field_desc.ts";
 * import { PvaReader } from "./reader.ts";
 * readFieldDesc(new PvaReader(new Uint8Array([0x68]))); // { kind: "scalarArray", type: "string" }
 * ```
 */
export function readFieldDesc(r: PvaReader): FieldDesc | null {
  return readDesc(r, 0);
}

function readDesc(r: PvaReader, depth: number): FieldDesc | null {
  if (depth > MAX_DEPTH) throw new RemoteProtocolError("Cannot decode type: nested too deeply");
  const at = r.offset;
  const code = r.u8();
  switch (code) {
    case TYPE_NULL:
      return null;
    case TYPE_CACHE_DEFINE: {
      const cache = requireCache(r, at);
      const key = r.u16();
      const desc = readDesc(r, depth + 1);
      cache.define(key, desc);
      return desc;
    }
    case TYPE_CACHE_USE:
      return requireCache(r, at).get(r.u16());
    case TYPE_STRUCT:
    case TYPE_UNION: {
      const id = r.string();
      const n = r.count("type fields");
      const fields: Field[] = [];
      for (let i = 0; i < n; i++) {
        const name = r.string();
        const type = readDesc(r, depth + 1);
        if (type === null) {
          throw new RemoteProtocolError(`Cannot decode type: field "${name}" has the NULL type`);
        }
        fields.push({ name, type });
      }
      return code === TYPE_STRUCT
        ? { kind: "structure", id, fields }
        : { kind: "union", id, fields };
    }
    case TYPE_ANY:
      return { kind: "any" };
    case TYPE_STRUCT_ARRAY: {
      const element = readDesc(r, depth + 1);
      if (element?.kind !== "structure") {
        throw new RemoteProtocolError(`Cannot decode type: structure array of a non-structure`);
      }
      return { kind: "structureArray", element };
    }
    case TYPE_UNION_ARRAY: {
      const element = readDesc(r, depth + 1);
      if (element?.kind !== "union") {
        throw new RemoteProtocolError(`Cannot decode type: union array of a non-union`);
      }
      return { kind: "unionArray", element };
    }
    case TYPE_ANY_ARRAY:
      return { kind: "anyArray" };
  }
  const base = SCALAR_BY_CODE.get(code & ~ARRAY_BIT);
  if (base !== undefined) {
    return (code & ARRAY_BIT)
      ? { kind: "scalarArray", type: base }
      : { kind: "scalar", type: base };
  }
  throw new RemoteProtocolError(
    `Cannot decode type: unsupported type code 0x${code.toString(16)} at offset ${at}`,
  );
}

function requireCache(r: PvaReader, at: number) {
  if (!r.cache) {
    throw new RemoteProtocolError(
      `Cannot decode type: cache entry without a cache at offset ${at}`,
    );
  }
  return r.cache;
}
