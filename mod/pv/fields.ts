/**
 * The record fields a PV answers besides its value (`NAME.SEVR`, `NAME.DESC`, `NAME.ZRST` …), as
 * an IOC serves every field of a record: which fields a PV of a type has, their kind, and their
 * value in a state of the PV. Each protocol serves them as channels in its own terms
 * (mod/ca/server/_pv_fields.ts, mod/pva/server/_pv_fields.ts).
 *
 * @module
 */

import { ALARM_SEVERITY_STRINGS, ALARM_STATUS_STRINGS } from "./alarm.ts";
import type { PvSnapshot } from "./_state.ts";
import type { PvType } from "./pv.ts";

/** What a field reads from its PV besides the snapshot. */
export interface FieldOwner {
  /** The PV's name. */
  readonly name: string;
  /** The PV's description (`.DESC`). */
  readonly description: string;
}

/** How one field is typed and computed. */
export interface RecordField {
  /** The field's kind: a menu (enum), a string, a double, or a short integer (as the DBF type). */
  readonly kind: "enum" | "string" | "double" | "short";
  /** Menu choices, for menu fields. */
  readonly menu?: readonly string[];
  /** Whether the field carries the PV's units and precision (limits fields such as HOPR). */
  readonly withUnits?: boolean;
  /** The field's value in a state of the PV. */
  value(owner: FieldOwner, snap: PvSnapshot): number | string;
}

/** Fields of every PV. */
const COMMON: Readonly<Record<string, RecordField>> = {
  SEVR: { kind: "enum", menu: ALARM_SEVERITY_STRINGS, value: (_, s) => s.severity },
  STAT: { kind: "enum", menu: ALARM_STATUS_STRINGS, value: (_, s) => s.status },
  NAME: { kind: "string", value: (p) => p.name },
  DESC: { kind: "string", value: (p) => p.description },
  RTYP: { kind: "string", value: (_, s) => s.className },
};

/** Fields of numeric PVs (ai/ao/longin/longout/waveform). */
const NUMERIC: Readonly<Record<string, RecordField>> = {
  EGU: { kind: "string", value: (_, s) => s.units },
  HOPR: { kind: "double", withUnits: true, value: (_, s) => s.limits[0] ?? 0 },
  LOPR: { kind: "double", withUnits: true, value: (_, s) => s.limits[1] ?? 0 },
};

/** Fields of floating-point PVs (ai/ao). */
const FLOATING: Readonly<Record<string, RecordField>> = {
  PREC: { kind: "short", value: (_, s) => s.precision },
};

/** The state-string fields of mbbi/mbbo records, one per enum state in order. */
const STATE_FIELDS = [
  "ZRST",
  "ONST",
  "TWST",
  "THST",
  "FRST",
  "FVST",
  "SXST",
  "SVST",
  "EIST",
  "NIST",
  "TEST",
  "ELST",
  "TVST",
  "TTST",
  "FTST",
  "FFST",
] as const;

const ENUM: Readonly<Record<string, RecordField>> = Object.fromEntries(
  STATE_FIELDS.map((f, i): [string, RecordField] => [
    f,
    { kind: "string", value: (_, s) => s.enumStrings[i] ?? "" },
  ]),
);

/**
 * The definition of a field for a PV of a type.
 *
 * @param field Field name, e.g. `"SEVR"` (case-sensitive, as in an IOC).
 * @param type The PV's type.
 * @returns The definition, or `undefined` when such a PV has no such field.
 * @example Usage
 * ```ts
 * import { recordField } from "./fields.ts";
 * recordField("PREC", "double")?.kind; // "short"
 * recordField("PREC", "long"); // undefined
 * ```
 */
export function recordField(field: string, type: PvType): RecordField | undefined {
  if (Object.hasOwn(COMMON, field)) return COMMON[field];
  if (type === "enum") return Object.hasOwn(ENUM, field) ? ENUM[field] : undefined;
  if (type === "string") return undefined;
  if (Object.hasOwn(NUMERIC, field)) return NUMERIC[field];
  const floating = type === "float" || type === "double";
  if (floating && Object.hasOwn(FLOATING, field)) return FLOATING[field];
  return undefined;
}
