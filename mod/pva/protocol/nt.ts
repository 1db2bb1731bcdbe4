/**
 * Normative types exactly as QSRV2 (pvxs 1.5.2) serves records (pva-protocol.md §5, captures
 * 01-pvxinfo): same structure ids, field names, order and types, so that pvxs, p4p and Phoebus
 * render our PVs like any IOC's. Each builder returns one shared, frozen type object per variant,
 * so bit numbering ({@linkcode fieldIndex}) is computed once.
 *
 * @module
 */

import {
  type FieldDesc,
  scalar,
  scalarArray,
  type ScalarType,
  type StructDesc,
  structure,
} from "./field_desc.ts";

/** Structure id of NTScalar. */
export const NT_SCALAR_ID = "epics:nt/NTScalar:1.0";
/** Structure id of NTScalarArray. */
export const NT_SCALAR_ARRAY_ID = "epics:nt/NTScalarArray:1.0";
/** Structure id of NTEnum. */
export const NT_ENUM_ID = "epics:nt/NTEnum:1.0";

/** `alarm_t`: severity (0 NO_ALARM … 3 INVALID), status (§5.1), message. */
export const ALARM_T: StructDesc = deepFreeze(structure("alarm_t", {
  severity: scalar("int"),
  status: scalar("int"),
  message: scalar("string"),
}));

/** `time_t`: POSIX seconds, nanoseconds, user tag. */
export const TIME_T: StructDesc = deepFreeze(structure("time_t", {
  secondsPastEpoch: scalar("long"),
  nanoseconds: scalar("int"),
  userTag: scalar("int"),
}));

/** `enum_t`: index and choices (NTEnum value, display.form). */
export const ENUM_T: StructDesc = deepFreeze(structure("enum_t", {
  index: scalar("int"),
  choices: scalarArray("string"),
}));

/** The choices QSRV2 sends in `display.form` (index 0, "Default"). */
export const DISPLAY_FORMS: readonly string[] = Object.freeze([
  "Default",
  "String",
  "Binary",
  "Decimal",
  "Hex",
  "Exponential",
  "Engineering",
]);

/** NT alarm status codes (§5.1; not the EPICS alarm conditions). */
export const ALARM_STATUS = Object.freeze({
  NONE: 0,
  DEVICE: 1,
  DRIVER: 2,
  RECORD: 3,
  DB: 4,
  CONF: 5,
  UNDEFINED: 6,
  CLIENT: 7,
});

function deepFreeze<T extends FieldDesc>(t: T): T {
  if (t.kind === "structure" || t.kind === "union") {
    for (const f of t.fields) deepFreeze(f.type);
    Object.freeze(t.fields);
  }
  return Object.freeze(t);
}

/** The numeric metadata QSRV2 adds to ai/longin/calc/waveform: display, control, valueAlarm. */
function numericMeta(t: ScalarType): Record<string, FieldDesc> {
  const v = scalar(t);
  return {
    display: structure("", {
      limitLow: v,
      limitHigh: v,
      description: scalar("string"),
      units: scalar("string"),
      precision: scalar("int"),
      form: ENUM_T,
    }),
    control: structure("", { limitLow: v, limitHigh: v, minStep: v }),
    valueAlarm: structure("", {
      active: scalar("boolean"),
      lowAlarmLimit: v,
      lowWarningLimit: v,
      highWarningLimit: v,
      highAlarmLimit: v,
      lowAlarmSeverity: scalar("int"),
      lowWarningSeverity: scalar("int"),
      highWarningSeverity: scalar("int"),
      highAlarmSeverity: scalar("int"),
      hysteresis: scalar("double"),
    }),
  };
}

function build(id: string, value: FieldDesc, t: ScalarType): StructDesc {
  const meta = t === "string"
    ? { display: structure("", { description: scalar("string"), units: scalar("string") }) }
    : numericMeta(t);
  return deepFreeze(structure(id, { value, alarm: ALARM_T, timeStamp: TIME_T, ...meta }));
}

const SCALARS = new Map<ScalarType, StructDesc>();
const ARRAYS = new Map<ScalarType, StructDesc>();
let ENUM: StructDesc | undefined;

/**
 * NTScalar as QSRV2 serves a record whose VAL has type `t`: `value`, `alarm`, `timeStamp`, and for
 * numbers `display` {limitLow, limitHigh, description, units, precision, form}, `control`
 * {limitLow, limitHigh, minStep}, `valueAlarm` {active, four limits, four severities, hysteresis}
 * (ai/calc: double, longin/longout: int); for strings (stringin, DBF_STRING fields) only
 * `display` {description, units}.
 *
 * @param t The value's scalar type.
 * @returns The shared type object.
 * @example Usage
 * ```ts
 * import { ntScalar } from "./nt.ts";
 * ntScalar("double").id; // "epics:nt/NTScalar:1.0"
 * ```
 */
export function ntScalar(t: ScalarType): StructDesc {
  let s = SCALARS.get(t);
  if (!s) SCALARS.set(t, s = build(NT_SCALAR_ID, scalar(t), t));
  return s;
}

/**
 * NTScalarArray as QSRV2 serves a waveform with FTVL `t`: as {@linkcode ntScalar} with `t[] value`
 * (the metadata limits keep the element type). String arrays follow the string layout (not
 * captured; QSRV2 uses the same rule as for scalars).
 *
 * @param t The element type.
 * @returns The shared type object.
 * @example Usage
 * ```ts
 * import { ntScalarArray } from "./nt.ts";
 * ntScalarArray("double").fields[0]?.type; // { kind: "scalarArray", type: "double" }
 * ```
 */
export function ntScalarArray(t: ScalarType): StructDesc {
  let s = ARRAYS.get(t);
  if (!s) ARRAYS.set(t, s = build(NT_SCALAR_ARRAY_ID, scalarArray(t), t));
  return s;
}

/**
 * NTEnum as QSRV2 serves a DBF_ENUM record (mbbo, mbbi, bo, bi): `enum_t value` {index, choices},
 * `alarm`, `timeStamp`, `display` {description}.
 *
 * @returns The shared type object.
 * @example Usage
 * ```ts
 * import { ntEnum } from "./nt.ts";
 * ntEnum().fields.map((f) => f.name); // ["value", "alarm", "timeStamp", "display"]
 * ```
 */
export function ntEnum(): StructDesc {
  ENUM ??= deepFreeze(structure(NT_ENUM_ID, {
    value: ENUM_T,
    alarm: ALARM_T,
    timeStamp: TIME_T,
    display: structure("", { description: scalar("string") }),
  }));
  return ENUM;
}
