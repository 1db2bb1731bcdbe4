/**
 * Record fields of a PV as channels of their own (`NAME.SEVR`, `NAME.DESC`, `NAME.ZRST` …), as
 * an IOC serves every field of a record: display tools and screens written for IOCs probe them.
 * Fields are read-only and derived from the PV's state; a field channel posts a monitor update
 * when its own value changes (`.SEVR`/`.STAT` with every alarm change).
 *
 * @module
 */

import type { ChannelObserver, ChannelSource, ClientInfo } from "./_channel_source.ts";
import { internMeta, NO_LIMITS, NO_STRINGS, type PvMeta, PvSnapshot } from "../../pv/_state.ts";
import { sameValues } from "../../pv/_state.ts";
import { ALARM_SEVERITY_STRINGS, ALARM_STATUS_STRINGS } from "../../pv/alarm.ts";
import { DBE_LOG, DBE_PROPERTY, DBE_VALUE } from "../protocol/commands.ts";
import { DBR_DOUBLE, DBR_ENUM, DBR_FLOAT, DBR_SHORT, DBR_STRING } from "../protocol/dbr_codes.ts";
import { ECA_NOWTACCESS } from "../protocol/status.ts";

/** What a field reads from its PV. */
export interface FieldParent {
  /** The PV's name. */
  readonly name: string;
  /** The PV's description (`.DESC`). */
  readonly description: string;
  /** The PV's current state. */
  snapshot(): PvSnapshot;
}

/** How one field is typed and computed. */
interface FieldDef {
  /** Native DBR type of the field (the DBF type an IOC record gives it, as CA sees it). */
  readonly type: number;
  /** Menu choices, for DBF_MENU fields. */
  readonly menu?: readonly string[];
  /** Whether the field carries the PV's units and precision (limits fields such as HOPR). */
  readonly withUnits?: boolean;
  /** The field's value in a state of the PV. */
  value(parent: FieldParent, snap: PvSnapshot): number | string;
}

/** Fields of every PV. */
const COMMON: Readonly<Record<string, FieldDef>> = {
  SEVR: { type: DBR_ENUM, menu: ALARM_SEVERITY_STRINGS, value: (_, s) => s.severity },
  STAT: { type: DBR_ENUM, menu: ALARM_STATUS_STRINGS, value: (_, s) => s.status },
  NAME: { type: DBR_STRING, value: (p) => p.name },
  DESC: { type: DBR_STRING, value: (p) => p.description },
  RTYP: { type: DBR_STRING, value: (_, s) => s.className },
};

/** Fields of numeric PVs (ai/ao/longin/longout/waveform). */
const NUMERIC: Readonly<Record<string, FieldDef>> = {
  EGU: { type: DBR_STRING, value: (_, s) => s.units },
  HOPR: { type: DBR_DOUBLE, withUnits: true, value: (_, s) => s.limits[0] ?? 0 },
  LOPR: { type: DBR_DOUBLE, withUnits: true, value: (_, s) => s.limits[1] ?? 0 },
};

/** Fields of floating-point PVs (ai/ao). */
const FLOATING: Readonly<Record<string, FieldDef>> = {
  PREC: { type: DBR_SHORT, value: (_, s) => s.precision },
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

const ENUM: Readonly<Record<string, FieldDef>> = Object.fromEntries(
  STATE_FIELDS.map((f, i): [string, FieldDef] => [
    f,
    { type: DBR_STRING, value: (_, s) => s.enumStrings[i] ?? "" },
  ]),
);

/**
 * The definition of a field for a PV of a native type.
 *
 * @param field Field name, e.g. `"SEVR"` (case-sensitive, as in an IOC).
 * @param nativeType The PV's native type.
 * @returns The definition, or `undefined` when such a PV has no such field.
 */
function fieldDef(field: string, nativeType: number): FieldDef | undefined {
  if (Object.hasOwn(COMMON, field)) return COMMON[field];
  if (nativeType === DBR_ENUM) return Object.hasOwn(ENUM, field) ? ENUM[field] : undefined;
  if (nativeType === DBR_STRING) return undefined;
  if (Object.hasOwn(NUMERIC, field)) return NUMERIC[field];
  const floating = nativeType === DBR_FLOAT || nativeType === DBR_DOUBLE;
  if (floating && Object.hasOwn(FLOATING, field)) return FLOATING[field];
  return undefined;
}

/**
 * A field channel of a PV, or `undefined` when the PV has no such field.
 *
 * @param parent The PV.
 * @param field Field name after the dot, e.g. `"SEVR"`.
 * @returns The field, not yet cached: callers keep one per PV and name.
 */
export function createField(parent: FieldParent, field: string): PvField | undefined {
  const def = fieldDef(field, parent.snapshot().nativeType);
  return def ? new PvField(parent, field, def) : undefined;
}

/** One read-only field of a PV, served as a channel. */
export class PvField implements ChannelSource {
  /** Channel name, `NAME.FIELD`. */
  readonly name: string;
  /** Native type of the field. */
  readonly nativeType: number;
  /** Fields are scalars. */
  readonly count = 1;
  readonly #parent: FieldParent;
  readonly #def: FieldDef;
  #observers: Set<ChannelObserver> | undefined = undefined;
  /** The field's state, built from `#from` and `#desc`. */
  #snap: PvSnapshot | undefined = undefined;
  #from: PvSnapshot | undefined = undefined;
  #desc = "";
  #meta: PvMeta | undefined = undefined;
  #metaFrom: PvMeta | undefined = undefined;

  /**
   * @param parent The PV.
   * @param field Field name.
   * @param def How it is typed and computed.
   */
  constructor(parent: FieldParent, field: string, def: FieldDef) {
    this.name = `${parent.name}.${field}`;
    this.nativeType = def.type;
    this.#parent = parent;
    this.#def = def;
  }

  /**
   * The field's current state: value from the PV's state, the PV's alarm and time stamp.
   *
   * @returns The snapshot (the same object while the PV does not change).
   */
  snapshot(): PvSnapshot {
    const from = this.#parent.snapshot();
    const desc = this.#parent.description;
    if (this.#snap && from === this.#from && desc === this.#desc) return this.#snap;
    const value = this.#def.value(this.#parent, from);
    this.#snap = new PvSnapshot(
      this.#metaOf(from.meta),
      [value] as number[] | string[],
      from.status,
      from.severity,
      from.secPastEpoch,
      from.nsec,
    );
    this.#from = from;
    this.#desc = desc;
    return this.#snap;
  }

  /**
   * Fields are read-only for every client.
   *
   * @param _client The client.
   * @returns 1 (read).
   */
  rights(_client: ClientInfo): number {
    return 1;
  }

  /**
   * Refuse a write (circuits already refuse it from the rights).
   *
   * @returns ECA_NOWTACCESS.
   */
  write(): number {
    return ECA_NOWTACCESS;
  }

  /**
   * Start reporting changes to a channel.
   *
   * @param observer The channel.
   */
  observe(observer: ChannelObserver): void {
    // The state now is what later changes are compared against.
    this.snapshot();
    (this.#observers ??= new Set()).add(observer);
  }

  /**
   * Stop reporting changes to a channel.
   *
   * @param observer The channel.
   */
  unobserve(observer: ChannelObserver): void {
    this.#observers?.delete(observer);
    if (this.#observers?.size === 0) this.#observers = undefined;
  }

  /** The PV has a new state: tell observers when the field's value or metadata changed. */
  changed(): void {
    const observers = this.#observers;
    if (!observers) return;
    const prev = this.#snap;
    const next = this.snapshot();
    if (prev === next) return;
    let mask = 0;
    if (!prev || !sameValues(prev.values, next.values)) mask |= DBE_VALUE | DBE_LOG;
    if (prev && prev.meta !== next.meta) mask |= DBE_PROPERTY;
    if (mask === 0) return;
    for (const o of observers) o.onEvent(mask, next);
  }

  /** The PV is gone: disconnect every channel of the field. */
  removed(): void {
    const observers = this.#observers;
    this.#observers = undefined;
    if (observers) { for (const o of observers) o.onRemoved(); }
  }

  #metaOf(parent: PvMeta): PvMeta {
    if (this.#meta && this.#metaFrom === parent) return this.#meta;
    const def = this.#def;
    const next = internMeta({
      nativeType: def.type,
      units: def.withUnits ? parent.units : "",
      precision: def.withUnits ? parent.precision : 0,
      stringPrecision: def.withUnits ? parent.stringPrecision : 6,
      limits: NO_LIMITS,
      enumStrings: def.menu ?? NO_STRINGS,
      className: parent.className,
    });
    // Keep the old object when nothing the field shows changed, so no DBE_PROPERTY is posted.
    const old = this.#meta;
    const same = old !== undefined && old.units === next.units &&
      old.precision === next.precision && old.stringPrecision === next.stringPrecision &&
      old.className === next.className;
    this.#meta = same ? old : next;
    this.#metaFrom = parent;
    return this.#meta;
  }
}
