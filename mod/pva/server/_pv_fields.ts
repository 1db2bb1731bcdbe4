/**
 * Record fields of a shared PV as pvAccess channels (`NAME.SEVR`, `NAME.DESC`, `NAME.ZRST` …), as
 * QSRV2 serves every field of a record: DBF_STRING fields as NTScalar string, menu fields (SEVR,
 * STAT) as NTEnum, numeric fields as NTScalar of their type. The same fields as over CA
 * (mod/ca/server/_pv_fields.ts). Fields are read-only, carry the PV's alarm and time stamp, and
 * post a monitor update only when their own value or the alarm changes.
 *
 * @module
 */

import type { Pv } from "../../pv/mod.ts";
import { ALARM_SEVERITY_STRINGS, ALARM_STATUS_STRINGS } from "../../pv/alarm.ts";
import { ntAlarm } from "./_alarm.ts";
import type { PvaAlarm, PvaKind, PvaMetadata, PvaObserver, PvaSource } from "./source.ts";

/** How one field is typed and computed. */
interface FieldDef {
  /** Normative value kind (QSRV2: menu → NTEnum, string → NTScalar string, …). */
  readonly kind: PvaKind;
  /** Menu choices of an enum field. */
  readonly menu?: readonly string[];
  /** Whether the field carries the PV's units and precision (HOPR, LOPR). */
  readonly withUnits?: boolean;
  /** The field's value now. */
  value(pv: Pv): number | string;
}

const COMMON: Readonly<Record<string, FieldDef>> = {
  SEVR: { kind: "enum", menu: ALARM_SEVERITY_STRINGS, value: (pv) => pv.severity },
  STAT: { kind: "enum", menu: ALARM_STATUS_STRINGS, value: (pv) => pv.status },
  NAME: { kind: "string", value: (pv) => pv.name },
  DESC: { kind: "string", value: (pv) => pv.description },
  RTYP: { kind: "string", value: (pv) => pv.className },
};

const NUMERIC: Readonly<Record<string, FieldDef>> = {
  EGU: { kind: "string", value: (pv) => pv.meta.units },
  HOPR: { kind: "double", withUnits: true, value: (pv) => pv.meta.limits[0] ?? 0 },
  LOPR: { kind: "double", withUnits: true, value: (pv) => pv.meta.limits[1] ?? 0 },
};

const FLOATING: Readonly<Record<string, FieldDef>> = {
  PREC: { kind: "int", value: (pv) => pv.meta.precision },
};

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

const ENUM: Readonly<Record<string, FieldDef>> = Object.fromEntries(
  STATE_FIELDS.map((f, i): [string, FieldDef] => [
    f,
    { kind: "string", value: (pv) => pv.enumStrings[i] ?? "" },
  ]),
);

function fieldDef(field: string, type: string): FieldDef | undefined {
  if (Object.hasOwn(COMMON, field)) return COMMON[field];
  if (type === "enum") return Object.hasOwn(ENUM, field) ? ENUM[field] : undefined;
  if (type === "string") return undefined;
  if (Object.hasOwn(NUMERIC, field)) return NUMERIC[field];
  const floating = type === "float" || type === "double";
  if (floating && Object.hasOwn(FLOATING, field)) return FLOATING[field];
  return undefined;
}

function alarmOf(pv: Pv): PvaAlarm {
  const a = ntAlarm(pv.severity, pv.status);
  return pv.message ? { ...a, message: pv.message } : a;
}

/**
 * A field of a PV as a pvAccess source, or `undefined` when the PV has no such field.
 *
 * @param pv The PV.
 * @param field Field name after the dot, e.g. `"SEVR"` (case-sensitive, as in an IOC).
 * @returns The read-only field source.
 * @example Usage
 * ```ts ignore
 * fieldSource(pv, "SEVR")?.value; // 0 (NO_ALARM)
 * ```
 */
export function fieldSource(pv: Pv, field: string): PvaSource | undefined {
  const def = fieldDef(field, pv.type);
  if (!def) return undefined;
  /** What a monitor of the field shows; an update is posted only when it changes. */
  const seen = () => {
    const a = alarmOf(pv);
    return `${def.value(pv)}\0${a.severity}\0${a.status}\0${a.message}`;
  };
  return {
    name: `${pv.name}.${field}`,
    kind: def.kind,
    array: false,
    get value() {
      return def.value(pv);
    },
    choices: def.menu ?? [],
    get alarm() {
      return alarmOf(pv);
    },
    get timestamp() {
      return pv.timestamp;
    },
    get metadata(): PvaMetadata {
      return {
        description: "",
        units: def.withUnits ? pv.meta.units : "",
        precision: def.withUnits ? pv.meta.precision : 0,
      };
    },
    subscribe(observer: PvaObserver): () => void {
      let last = seen();
      const o = {
        onEvent: () => {
          const now = seen();
          if (now === last) return;
          last = now;
          observer.update();
        },
        onRemoved: () => observer.removed(),
      };
      pv.observe(o);
      return () => pv.unobserve(o);
    },
    canWrite: () => false,
    write: () => Promise.reject(new Error(`Cannot write "${pv.name}.${field}": read-only field`)),
  };
}
