/**
 * Values as the PVA client hands them out, and the values it writes, converted from and to the
 * wire structures (pure). Normative types (§5) become `value` plus alarm, time stamp and display;
 * an NTEnum value becomes `{ index, choices }`. Other structures keep their fields as read.
 *
 * @module
 */

import {
  BitSet,
  type FieldDesc,
  fieldIndex,
  type PartialValue,
  type ScalarType,
  type StructDesc,
  type StructValue,
  type Value,
} from "../protocol/mod.ts";

/** An NTEnum value: the state index and the state strings. */
export interface EnumValue {
  /** Current state (may be ≥ `choices.length`: QSRV2 accepts such puts, §9.27). */
  readonly index: number;
  /** State strings. */
  readonly choices: readonly string[];
}

/** A scalar as the client gives it: 64-bit integers become numbers when exact, else strings. */
export type PvaScalar = number | string | boolean;

/** The value field of a PV in simple form. */
export type PvaData =
  | PvaScalar
  | readonly PvaScalar[]
  | EnumValue
  | { readonly [field: string]: unknown };

/** Display metadata of an NTScalar: the fields its type has (zero when the server sent none). */
export interface PvaDisplay {
  /** Lower display limit. */
  readonly limitLow?: number;
  /** Upper display limit. */
  readonly limitHigh?: number;
  /** Description (the record's DESC). */
  readonly description?: string;
  /** Engineering units. */
  readonly units?: string;
  /** Digits after the decimal point. */
  readonly precision?: number;
}

/** A PV value read or monitored over PVA. */
export interface PvaValue {
  /** The structure id, e.g. `epics:nt/NTScalar:1.0`. */
  readonly id: string;
  /** The `value` field in simple form (the whole structure when there is none). */
  readonly value: PvaData;
  /** Alarm severity 0–3 (0 without an alarm field). */
  readonly severity: number;
  /** NT alarm status 0–7 (not the CA alarm condition; see `message`). */
  readonly status: number;
  /** Alarm message: the EPICS alarm condition ("HIGH", "STATE") or "". */
  readonly message: string;
  /** Time stamp in ms since 1970 (0 without a timeStamp field). */
  readonly timestamp: number;
  /** Display metadata, when the structure has a display field. */
  readonly display?: PvaDisplay;
}

/** What {@linkcode PvaClient.put} accepts. */
export type PutInput = number | string | boolean | readonly (number | string | boolean)[];

function scalarOut(v: unknown): PvaScalar {
  if (typeof v === "bigint") {
    return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  }
  if (typeof v === "number" || typeof v === "string" || typeof v === "boolean") return v;
  return String(v);
}

function plain(v: unknown): unknown {
  if (typeof v === "bigint") return scalarOut(v);
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<unknown>, scalarOut);
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  }
  return v;
}

function isEnumType(t: FieldDesc | undefined): boolean {
  return t?.kind === "structure" && t.id === "enum_t";
}

function field(type: StructDesc, name: string): FieldDesc | undefined {
  return type.fields.find((f) => f.name === name)?.type;
}

function numberOf(v: unknown): number {
  return typeof v === "bigint" ? Number(v) : typeof v === "number" ? v : 0;
}

/**
 * The simple form of a structure value.
 *
 * @param type The structure type (from the operation's INIT reply).
 * @param v Its value (fields the server did not send hold zero values).
 * @returns Value, alarm, time stamp and display.
 * @example Usage
 * ```ts
 * import { ntEnum } from "../protocol/mod.ts";
 * import { simpleValue } from "./values.ts";
 * simpleValue(ntEnum(), { value: { index: 1, choices: ["Stop", "Run"] } }).value; // { index: 1, choices: ["Stop", "Run"] }
 * ```
 */
export function simpleValue(type: StructDesc, v: StructValue): PvaValue {
  const valueType = field(type, "value");
  let value: PvaData;
  if (valueType === undefined) value = plain(v) as PvaData;
  else if (isEnumType(valueType)) {
    const e = (v["value"] ?? {}) as StructValue;
    const choices = e["choices"];
    value = {
      index: numberOf(e["index"]),
      choices: Array.isArray(choices) ? choices.map(String) : [],
    };
  } else value = plain(v["value"] ?? null) as PvaData;
  const alarm = (v["alarm"] ?? {}) as StructValue;
  const time = (v["timeStamp"] ?? {}) as StructValue;
  const out: {
    -readonly [K in keyof PvaValue]: PvaValue[K];
  } = {
    id: type.id,
    value,
    severity: numberOf(alarm["severity"]),
    status: numberOf(alarm["status"]),
    message: typeof alarm["message"] === "string" ? alarm["message"] : "",
    timestamp: numberOf(time["secondsPastEpoch"]) * 1000 +
      numberOf(time["nanoseconds"]) / 1e6,
  };
  const displayType = field(type, "display");
  if (displayType?.kind === "structure") {
    const d = (v["display"] ?? {}) as StructValue;
    const display: { -readonly [K in keyof PvaDisplay]: PvaDisplay[K] } = {};
    for (const name of ["limitLow", "limitHigh", "precision"] as const) {
      if (field(displayType, name)) display[name] = numberOf(d[name]);
    }
    for (const name of ["description", "units"] as const) {
      if (field(displayType, name)) display[name] = String(d[name] ?? "");
    }
    out.display = display;
  }
  return out;
}

/**
 * The text of a value as `pvget` prints it: enums as their choice (or the index when out of
 * range), arrays as count then elements (as `caget`), structures as JSON.
 *
 * @param value A value's simple form.
 * @returns The text.
 * @example Usage
 * ```ts
 * import { valueString } from "./values.ts";
 * valueString({ index: 2, choices: ["Stop", "Run", "Reset"] }); // "Reset"
 * ```
 */
export function valueString(value: PvaData): string {
  if (Array.isArray(value)) return [value.length, ...value].join(" ");
  if (typeof value === "object" && value !== null) {
    if (isEnumValue(value)) return value.choices[value.index] ?? String(value.index);
    return JSON.stringify(value);
  }
  return String(value);
}

/**
 * @param value A value's simple form.
 * @returns Whether it is an enum (`{ index, choices }`).
 */
export function isEnumValue(value: PvaData): value is EnumValue {
  return typeof value === "object" && value !== null && !Array.isArray(value) &&
    "index" in value && "choices" in value;
}

function toScalar(type: ScalarType, x: number | string | boolean, name: string): Value {
  if (type === "string") return String(x);
  if (type === "boolean") {
    if (typeof x === "boolean") return x;
    if (x === "true" || x === "1" || x === 1) return true;
    if (x === "false" || x === "0" || x === 0) return false;
    throw new TypeError(`Cannot write "${x}" to ${name}: expected a boolean`);
  }
  const text = String(x).trim();
  if (type === "long" || type === "ulong") {
    try {
      return BigInt(typeof x === "number" ? Math.trunc(x) : text);
    } catch {
      throw new TypeError(`Cannot write "${x}" to ${name}: expected an integer`);
    }
  }
  const n = typeof x === "number" ? x : typeof x === "boolean" ? Number(x) : Number(text);
  if (text === "" || Number.isNaN(n) && text.toLowerCase() !== "nan") {
    throw new TypeError(`Cannot write "${x}" to ${name}: expected a number`);
  }
  return type === "float" || type === "double" ? n : Math.trunc(n);
}

function enumIndex(current: StructValue, x: number | string | boolean, name: string): number {
  const e = (current["value"] ?? {}) as StructValue;
  const choices = Array.isArray(e["choices"]) ? (e["choices"] as string[]) : [];
  const byName = choices.indexOf(String(x));
  if (byName >= 0) return byName;
  const n = typeof x === "number" ? x : Number(String(x).trim());
  if (String(x).trim() !== "" && Number.isInteger(n) && n >= 0) return n;
  throw new TypeError(
    `Cannot write "${x}" to ${name}: expected one of ${JSON.stringify(choices)} or an index`,
  );
}

/**
 * The partial value that writes `input` to a structure's `value` field, as pvput builds it: an
 * enum by choice string or index sets `value.index` only (the server never sees strings, §9.9),
 * scalars and arrays set `value`, converted to the field's type.
 *
 * @param type The put structure (from the PUT INIT reply).
 * @param current The current value (from the get-put reply), for the enum's choices.
 * @param input What to write.
 * @param name PV name, for messages.
 * @returns Bits and value for the PUT exec.
 * @throws {TypeError} When the input does not fit the field.
 * @example Usage
 * ```ts
 * import { ntEnum } from "../protocol/mod.ts";
 * import { putPartial } from "./values.ts";
 * const current = { value: { index: 0, choices: ["Stop", "Run", "Reset"] } };
 * putPartial(ntEnum(), current, "Reset", "X").value; // { value: { index: 2 } }
 * ```
 */
export function putPartial(
  type: StructDesc,
  current: StructValue,
  input: PutInput,
  name: string,
): PartialValue {
  const valueType = field(type, "value");
  const index = fieldIndex(type);
  if (valueType === undefined) {
    throw new TypeError(`Cannot write to ${name}: it has no value field`);
  }
  if (isEnumType(valueType)) {
    if (Array.isArray(input)) throw new TypeError(`Cannot write an array to enum ${name}`);
    const i = enumIndex(current, input as number | string | boolean, name);
    return { type, bits: BitSet.of(index.bitOf("value.index")), value: { value: { index: i } } };
  }
  const bits = BitSet.of(index.bitOf("value"));
  if (valueType.kind === "scalar") {
    if (Array.isArray(input)) {
      if (input.length !== 1) throw new TypeError(`Cannot write an array to scalar ${name}`);
      return { type, bits, value: { value: toScalar(valueType.type, input[0]!, name) } };
    }
    const one = input as number | string | boolean;
    return { type, bits, value: { value: toScalar(valueType.type, one, name) } };
  }
  if (valueType.kind === "scalarArray") {
    const items = (Array.isArray(input) ? input : [input]) as (number | string | boolean)[];
    const values = items.map((x) => toScalar(valueType.type, x, name));
    return { type, bits, value: { value: values as Value } };
  }
  throw new TypeError(`Cannot write to ${name}: its value is a ${valueType.kind}`);
}

/**
 * Copy the fields marked in an update into an accumulated value: monitor updates after the
 * first carry only what changed (§4.7).
 *
 * @param into The full value so far (changed in place).
 * @param update The update's bits and value.
 * @returns `into`.
 * @example Usage
 * ```ts
 * import { BitSet, ntScalar } from "../protocol/mod.ts";
 * import { mergePartial } from "./values.ts";
 * mergePartial({ value: 1, alarm: { severity: 2 } }, { type: ntScalar("int"), bits: BitSet.of(1), value: { value: 5 } });
 * // { value: 5, alarm: { severity: 2 } }
 * ```
 */
export function mergePartial(into: StructValue, update: PartialValue): StructValue {
  const { entries } = fieldIndex(update.type);
  for (let b = update.bits.nextSetBit(0); b >= 0;) {
    const e = entries[b];
    if (!e) break;
    if (e.bit === 0) return Object.assign(into, update.value);
    let src: Value = update.value;
    let dst = into;
    for (let i = 0; i < e.names.length; i++) {
      const n = e.names[i]!;
      src = src === null ? null : (src as StructValue)[n] ?? null;
      if (i === e.names.length - 1) dst[n] = src;
      else {
        if (dst[n] === null || typeof dst[n] !== "object") dst[n] = {};
        dst = dst[n] as StructValue;
      }
    }
    b = update.bits.nextSetBit(e.end);
  }
  return into;
}
