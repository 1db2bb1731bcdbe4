/**
 * A {@linkcode PvaSource} as the normative type QSRV2 would serve for the equivalent record
 * (pva-protocol.md §5): its type, its current value, and the bits of the fields that carry data
 * (QSRV2 marks leaves only, and not the ones a record has no value for).
 *
 * @module
 */

import {
  BitSet,
  DISPLAY_FORMS,
  fieldIndex,
  ntEnum,
  ntScalar,
  ntScalarArray,
  type ScalarType,
  type StructDesc,
  type StructValue,
} from "../protocol/mod.ts";
import type { PvaSource } from "./source.ts";

/** A value to send and the fields it fills. */
export interface NtSnapshot {
  /** The NT structure value. */
  value: StructValue;
  /** The leaf bits that carry data. */
  bits: BitSet;
  /** The data fields that differ from an earlier value (memo of the last comparison). */
  changedFrom?: { last: StructValue; bits: BitSet };
}

const SCALAR: Record<PvaSource["kind"], ScalarType> = {
  double: "double",
  int: "int",
  ubyte: "ubyte",
  string: "string",
  enum: "int",
};

/**
 * The NT type of a source: NTEnum, NTScalar or NTScalarArray of double, int, ubyte or string.
 *
 * @param source The PV.
 * @returns The shared type object.
 */
export function ntTypeOf(source: Pick<PvaSource, "kind" | "array">): StructDesc {
  if (source.kind === "enum" && !source.array) return ntEnum();
  const t = SCALAR[source.kind];
  return source.array ? ntScalarArray(t) : ntScalar(t);
}

const DATA_PATHS = {
  enum: [
    "value.index",
    "value.choices",
    "alarm.severity",
    "alarm.status",
    "alarm.message",
    "timeStamp.secondsPastEpoch",
    "timeStamp.nanoseconds",
    "timeStamp.userTag",
    "display.description",
  ],
  string: [
    "value",
    "alarm.severity",
    "alarm.status",
    "alarm.message",
    "timeStamp.secondsPastEpoch",
    "timeStamp.nanoseconds",
    "timeStamp.userTag",
    "display.description",
  ],
  number: [
    "value",
    "alarm.severity",
    "alarm.status",
    "alarm.message",
    "timeStamp.secondsPastEpoch",
    "timeStamp.nanoseconds",
    "timeStamp.userTag",
    "display.limitLow",
    "display.limitHigh",
    "display.description",
    "display.units",
    "display.form.index",
    "display.form.choices",
    "control.limitLow",
    "control.limitHigh",
    "valueAlarm.lowAlarmLimit",
    "valueAlarm.lowWarningLimit",
    "valueAlarm.highWarningLimit",
    "valueAlarm.highAlarmLimit",
  ],
};

const BITS = new Map<string, BitSet>();

function dataBits(type: StructDesc, paths: () => readonly string[], key: string): BitSet {
  let bits = BITS.get(key);
  if (!bits) {
    const idx = fieldIndex(type);
    bits = new BitSet();
    for (const p of paths()) bits.set(idx.bitOf(p));
    BITS.set(key, bits);
  }
  return bits;
}

/**
 * The bits a GET or a first monitor update sends for a source: every field QSRV2 fills for the
 * equivalent record (units only when there are some on strings, precision on doubles only).
 *
 * @param source The PV.
 * @returns Shared, do not modify.
 */
export function ntDataBits(source: PvaSource): BitSet {
  // Called for every GET: the path lists are built only the first time for each key.
  const type = ntTypeOf(source);
  if (type === ntEnum()) return dataBits(type, () => DATA_PATHS.enum, "enum");
  if (source.kind === "string") {
    const withUnits = source.metadata.units !== "";
    return dataBits(
      type,
      () => withUnits ? [...DATA_PATHS.string, "display.units"] : DATA_PATHS.string,
      withUnits
        ? (source.array ? "string:a:u" : "string:u")
        : (source.array ? "string:a" : "string"),
    );
  }
  return dataBits(type, () => {
    // A waveform has no alarm limits (02e); integer records no precision (02b).
    const paths = DATA_PATHS.number.filter((p) => !source.array || !p.startsWith("valueAlarm."));
    if (source.kind === "double") paths.push("display.precision");
    return paths;
  }, source.array ? `${source.kind}:a` : source.kind);
}

/** Typed arrays of the numeric kinds' array values. */
const ARRAYS: Record<
  PvaSource["kind"],
  Float64ArrayConstructor | Int32ArrayConstructor | Uint8ArrayConstructor
> = {
  double: Float64Array,
  int: Int32Array,
  ubyte: Uint8Array,
  string: Int32Array,
  enum: Int32Array,
};

/**
 * Sub-structures that are the same for every source, shared by all snapshots (a GET of 10,000 PVs
 * builds 10,000 snapshots). Snapshot values are only read (encoded, compared), never modified.
 */
const FORM: StructValue = Object.freeze({ index: 0, choices: DISPLAY_FORMS as string[] });

function valueAlarm(al: { lolo: number; low: number; high: number; hihi: number }): StructValue {
  return {
    active: false,
    lowAlarmLimit: al.lolo,
    lowWarningLimit: al.low,
    highWarningLimit: al.high,
    highAlarmLimit: al.hihi,
    lowAlarmSeverity: 0,
    lowWarningSeverity: 0,
    highWarningSeverity: 0,
    highAlarmSeverity: 0,
    hysteresis: 0,
  };
}

/**
 * No alarm limits: NaN, as an ai without alarm severities reports them (0 on the wire for
 * integer types).
 */
const NO_ALARM_LIMITS: StructValue = Object.freeze(
  valueAlarm({ lolo: NaN, low: NaN, high: NaN, hihi: NaN }),
);

/**
 * The source's current NT value.
 *
 * @param source The PV.
 * @returns The value (every field the type has) and the bits that carry data.
 */
export function ntSnapshot(source: PvaSource): NtSnapshot {
  const a = source.alarm;
  const ms = source.timestamp;
  const seconds = Math.floor(ms / 1000);
  const value: StructValue = {
    alarm: { severity: a.severity, status: a.status, message: a.message },
    timeStamp: {
      secondsPastEpoch: BigInt(seconds),
      nanoseconds: Math.round((ms - seconds * 1000) * 1e6) % 1_000_000_000,
      userTag: 0,
    },
  };
  const m = source.metadata;
  const v = source.value;
  if (source.kind === "enum" && !source.array) {
    value["value"] = { index: typeof v === "number" ? v : 0, choices: [...source.choices] };
    value["display"] = { description: m.description };
  } else if (source.kind === "string") {
    value["value"] = source.array ? [...(v as readonly string[])] : String(v);
    value["display"] = { description: m.description, units: m.units };
  } else {
    value["value"] = source.array ? ARRAYS[source.kind].from(v as readonly number[]) : v as number;
    const d = m.display ?? { low: 0, high: 0 };
    const c = m.control ?? d;
    const al = m.alarm;
    value["display"] = {
      limitLow: d.low,
      limitHigh: d.high,
      description: m.description,
      units: m.units,
      precision: m.precision,
      form: FORM,
    };
    value["control"] = { limitLow: c.low, limitHigh: c.high, minStep: 0 };
    value["valueAlarm"] = al === undefined ? NO_ALARM_LIMITS : valueAlarm(al);
  }
  return { value, bits: ntDataBits(source) };
}
