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
import { type FieldOwner, type RecordField, recordField } from "../../pv/fields.ts";
import type { PvType } from "../../pv/pv.ts";
import { DBE_LOG, DBE_PROPERTY, DBE_VALUE } from "../protocol/commands.ts";
import { DBR_DOUBLE, DBR_ENUM, DBR_SHORT, DBR_STRING } from "../protocol/dbr_codes.ts";
import { ECA_NOWTACCESS } from "../protocol/status.ts";

/** What a field reads from its PV. */
export interface FieldParent extends FieldOwner {
  /** The PV's type (which fields it has). */
  readonly type: PvType;
  /** The PV's current state. */
  snapshot(): PvSnapshot;
}

/** The DBR type each field kind has as CA sees it (the DBF type an IOC record gives it). */
const DBR_OF_KIND = {
  enum: DBR_ENUM,
  string: DBR_STRING,
  double: DBR_DOUBLE,
  short: DBR_SHORT,
} as const;

/**
 * A field channel of a PV, or `undefined` when the PV has no such field.
 *
 * @param parent The PV.
 * @param field Field name after the dot, e.g. `"SEVR"`.
 * @returns The field, not yet cached: callers keep one per PV and name.
 */
export function createField(parent: FieldParent, field: string): PvField | undefined {
  const def = recordField(field, parent.type);
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
  readonly #def: RecordField;
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
  constructor(parent: FieldParent, field: string, def: RecordField) {
    this.name = `${parent.name}.${field}`;
    this.nativeType = DBR_OF_KIND[def.kind];
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
      nativeType: DBR_OF_KIND[def.kind],
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
