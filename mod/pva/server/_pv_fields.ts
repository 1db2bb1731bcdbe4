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
import { type RecordField, recordField } from "../../pv/fields.ts";
import { ntAlarm } from "./_alarm.ts";
import type { PvaAlarm, PvaKind, PvaMetadata, PvaObserver, PvaSource } from "./source.ts";

/** The normative kind each field kind has (QSRV2: menu → NTEnum, DBF_SHORT served as int). */
const KIND_OF: Readonly<Record<RecordField["kind"], PvaKind>> = {
  enum: "enum",
  string: "string",
  double: "double",
  short: "int",
};

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
  const def = recordField(field, pv.type);
  if (!def) return undefined;
  const valueOf = () => def.value(pv, pv.snapshot());
  /** What a monitor of the field shows; an update is posted only when it changes. */
  const seen = () => {
    const a = alarmOf(pv);
    return `${valueOf()}\0${a.severity}\0${a.status}\0${a.message}`;
  };
  return {
    name: `${pv.name}.${field}`,
    kind: KIND_OF[def.kind],
    array: false,
    get value() {
      return valueOf();
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
