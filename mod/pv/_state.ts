/**
 * A PV's state as protocol servers read it: an immutable snapshot of value, alarm and time stamp that
 * points at the PV's display metadata. Metadata only changes with `setMetadata`, so snapshots share
 * it, and PVs with identical plain metadata (no limits, no enum states) share one object: a server
 * with 10,000 PVs keeps a handful of metadata objects, not 10,000.
 *
 * @module
 */

import type { PvOptions, PvType, PvValue } from "./pv.ts";

/** Seconds between the POSIX and the EPICS (1990) epochs. */
export const EPICS_EPOCH_OFFSET = 631152000;

/** Elements of a value: numbers, or strings for string PVs. */
export type Values = readonly number[] | readonly string[];

/**
 * Type codes of the {@linkcode PvType}s, in the EPICS field type order that CA's DBR_* value
 * codes also use (so the CA server reads them as they are).
 */
export const TYPE_CODES: Readonly<Record<PvType, number>> = Object.freeze({
  string: 0,
  short: 1,
  float: 2,
  enum: 3,
  char: 4,
  long: 5,
  double: 6,
});

/** The type code of `string`. */
export const STRING = 0;
const SHORT = 1;
/** The type code of `float`. */
export const FLOAT = 2;
/** The type code of `enum`. */
export const ENUM = 3;
const CHAR = 4;
const LONG = 5;
/** The type code of `double`. */
export const DOUBLE = 6;

/** Display metadata of a PV: the part of its state that values do not change. */
export interface PvMeta {
  /** Type code 0–6 ({@linkcode TYPE_CODES}). */
  readonly nativeType: number;
  /** Engineering units. */
  readonly units: string;
  /** Display precision (0 unless float/double). */
  readonly precision: number;
  /** Precision of number → string conversions. */
  readonly stringPrecision: number;
  /** Limits in EPICS order: display high, low; alarm hihi, high, low, lolo; control high, low. */
  readonly limits: readonly number[];
  /** Enum state strings (choices). */
  readonly enumStrings: readonly string[];
  /** Record type name, e.g. `"ao"`. */
  readonly className: string;
}

/** Limits of every PV defined without any. */
export const NO_LIMITS: readonly number[] = Object.freeze([0, 0, 0, 0, 0, 0, 0, 0]);
/** Enum states (or values) of every PV defined without any. */
export const NO_STRINGS: readonly string[] = Object.freeze([]);

/** Plain metadata by content; bounded by the few type/units/precision/class combinations used. */
const shared = new Map<string, PvMeta>();
const MAX_SHARED = 1024;

/**
 * The metadata object for `meta`: a shared one when it is plain (no limits, no enum states).
 *
 * @param meta Metadata fields.
 * @returns An equal, possibly shared, object.
 */
export function internMeta(meta: PvMeta): PvMeta {
  if (meta.limits !== NO_LIMITS || meta.enumStrings !== NO_STRINGS) return meta;
  const key =
    `${meta.nativeType}\0${meta.units}\0${meta.precision}\0${meta.stringPrecision}\0${meta.className}`;
  const known = shared.get(key);
  if (known) return known;
  if (shared.size < MAX_SHARED) shared.set(key, meta);
  return meta;
}

/**
 * A snapshot with a time stamp given in milliseconds since 1970.
 *
 * @param meta Display metadata.
 * @param values Elements.
 * @param alarm Status and severity.
 * @param ms Time stamp.
 * @returns The snapshot.
 */
export function snapshotAt(
  meta: PvMeta,
  values: Values,
  alarm: { status: number; severity: number; message: string },
  ms: number,
): PvSnapshot {
  const sec = Math.floor(ms / 1000);
  return new PvSnapshot(
    meta,
    values,
    alarm.status,
    alarm.severity,
    Math.max(0, sec - EPICS_EPOCH_OFFSET),
    Math.round((ms - sec * 1000) * 1e6),
    alarm.message,
  );
}

/** One immutable state of a PV; the metadata fields read through to the shared {@linkcode PvMeta}. */
export class PvSnapshot {
  /** Display metadata. */
  readonly meta: PvMeta;
  /** Current elements. */
  readonly values: Values;
  /** Alarm status. */
  readonly status: number;
  /** Alarm severity. */
  readonly severity: number;
  /** Seconds since 1990-01-01 UTC. */
  readonly secPastEpoch: number;
  /** Nanoseconds. */
  readonly nsec: number;
  /** Alarm message (pvAccess shows it; CA has no place for it). */
  readonly message: string;
  /**
   * Encoded payloads of this state, a cache owned by the protocol servers: CA keys DBR monitor
   * payloads by `type + 64 * count` (≥ 0); another protocol must use negative keys.
   */
  encoded: Map<number, Uint8Array> | undefined = undefined;

  /**
   * @param meta Display metadata.
   * @param values Elements.
   * @param status Alarm status.
   * @param severity Alarm severity.
   * @param secPastEpoch Seconds since 1990-01-01 UTC.
   * @param nsec Nanoseconds.
   * @param message Alarm message.
   */
  constructor(
    meta: PvMeta,
    values: Values,
    status: number,
    severity: number,
    secPastEpoch: number,
    nsec: number,
    message = "",
  ) {
    this.meta = meta;
    this.values = values;
    this.status = status;
    this.severity = severity;
    this.secPastEpoch = secPastEpoch;
    this.nsec = nsec;
    this.message = message;
  }

  /** Native value type. */
  get nativeType(): number {
    return this.meta.nativeType;
  }

  /** Engineering units. */
  get units(): string {
    return this.meta.units;
  }

  /** Display precision. */
  get precision(): number {
    return this.meta.precision;
  }

  /** Precision of number → string conversions. */
  get stringPrecision(): number {
    return this.meta.stringPrecision;
  }

  /** Limits in wire order. */
  get limits(): readonly number[] {
    return this.meta.limits;
  }

  /** Enum state strings. */
  get enumStrings(): readonly string[] {
    return this.meta.enumStrings;
  }

  /** Record type name. */
  get className(): string {
    return this.meta.className;
  }

  /** Milliseconds since 1970 of the time stamp. */
  get timestampMs(): number {
    return (this.secPastEpoch + EPICS_EPOCH_OFFSET) * 1000 + this.nsec / 1e6;
  }
}

/**
 * The eight limits of a PV definition in DBR wire order; the shared zeros when it has none.
 *
 * @param options The definition.
 * @returns The limits.
 */
export function limitsOf(options: PvOptions): readonly number[] {
  const { display, alarm, control } = options;
  if (!display && !alarm && !control) return NO_LIMITS;
  return [
    display?.high ?? 0,
    display?.low ?? 0,
    alarm?.hihi ?? 0,
    alarm?.high ?? 0,
    alarm?.low ?? 0,
    alarm?.lolo ?? 0,
    control?.high ?? 0,
    control?.low ?? 0,
  ];
}

/**
 * The record type a PV reports in DBR_CLASS_NAME when its definition names none.
 *
 * @param type Value type.
 * @param count Element count.
 * @param ro Read-only.
 * @returns A record type name, e.g. `"ao"`.
 */
export function defaultClassName(type: PvType, count: number, ro: boolean): string {
  if (count > 1) return "waveform";
  switch (type) {
    case "enum":
      return ro ? "mbbi" : "mbbo";
    case "string":
      return ro ? "stringin" : "stringout";
    case "double":
    case "float":
      return ro ? "ai" : "ao";
    default:
      return ro ? "longin" : "longout";
  }
}

/**
 * Whether two value lists are equal (NaN equals NaN).
 *
 * @param a One list.
 * @param b The other.
 * @returns True when equal.
 */
export function sameValues(a: Values, b: Values): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x !== y && !(Number.isNaN(x) && Number.isNaN(y))) return false;
  }
  return true;
}

/**
 * The elements of a value as stored: cast to the native type, at most `count` of them.
 *
 * @param value The value.
 * @param nativeType Native type 0–6.
 * @param count Most elements.
 * @returns The elements.
 */
export function normalize(value: PvValue, nativeType: number, count: number): Values {
  // One number into a numeric PV is every scalar write and most posts: no list to wrap it in.
  if (typeof value === "number" && nativeType !== STRING && count >= 1) {
    return [castNumber(nativeType, value)];
  }
  const list: ArrayLike<number | string> = Array.isArray(value) || ArrayBuffer.isView(value)
    ? value as ArrayLike<number | string>
    : [value as number | string];
  const n = Math.min(list.length, count);
  if (nativeType === STRING) {
    const out: string[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = String(list[i]);
    return out;
  }
  const out: number[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const x = list[i];
    out[i] = castNumber(nativeType, typeof x === "number" ? x : Number(x));
  }
  return out;
}

/** Largest finite float32. */
const FLT_MAX = 3.4028234663852886e38;

function clampInt(x: number, lo: number, hi: number): number {
  if (Number.isNaN(x)) return 0;
  const t = Math.trunc(x);
  return t < lo ? lo : t > hi ? hi : t;
}

/**
 * A number as the type code stores it: integers truncated and clamped to their range, floats
 * rounded to float32.
 *
 * @param type Type code 1–6.
 * @param x The number.
 * @returns The stored number.
 */
export function castNumber(type: number, x: number): number {
  switch (type) {
    case SHORT:
      return clampInt(x, -32768, 32767);
    case ENUM:
      return clampInt(x, 0, 65535);
    case CHAR:
      return clampInt(x, 0, 255);
    case LONG:
      return clampInt(x, -2147483648, 2147483647);
    case FLOAT:
      if (Number.isFinite(x)) {
        return Math.fround(x > FLT_MAX ? FLT_MAX : x < -FLT_MAX ? -FLT_MAX : x);
      }
      return x;
    default:
      return x;
  }
}
