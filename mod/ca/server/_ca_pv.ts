/**
 * A {@linkcode Pv} as one CA server serves it: the channels open on it, its record fields as
 * channels, access rights and write statuses in CA terms. The server keeps one per PV and it is
 * the PV's observer for that server, so a PV shared with other servers is converted here only.
 *
 * @module
 */

import type { Pv, PvObserver, PvValue, WriteResult } from "../../pv/pv.ts";
import type { PvSnapshot } from "../../pv/_state.ts";
import type { ChannelObserver, ChannelSource, ClientInfo } from "./_channel_source.ts";
import type { FieldHolder } from "./_channel_names.ts";
import { createField, type PvField } from "./_pv_fields.ts";
import {
  castNumber,
  convertWrite,
  enumIndexFromString,
  parseNumber,
  type Values,
} from "../protocol/convert.ts";
import { DBR_ENUM, DBR_STRING } from "../protocol/dbr_codes.ts";
import { DBE_ALARM, DBE_LOG, DBE_PROPERTY, DBE_VALUE } from "../protocol/commands.ts";
import { ECA_NORMAL, ECA_NOWTACCESS, ECA_PUTFAIL } from "../protocol/status.ts";

/** The change bits CA monitors select on (the PV's bits of the same values). */
const DBE_ALL = DBE_VALUE | DBE_LOG | DBE_ALARM | DBE_PROPERTY;

/** ECA status of each refusal reason. */
const ECA_OF = { failed: ECA_PUTFAIL, invalid: ECA_PUTFAIL, denied: ECA_NOWTACCESS } as const;

/**
 * The ECA status a client gets for a write's result.
 *
 * @param result `undefined` when stored, else the refusal.
 * @returns ECA_NORMAL, the refusal's own ECA code, or the one of its reason.
 */
export function ecaOf(result: WriteResult): number {
  if (result === undefined) return ECA_NORMAL;
  return result.eca ?? ECA_OF[result.reason];
}

/** One observer or several: most PVs have at most one channel open. */
type Observers = ChannelObserver | Set<ChannelObserver> | undefined;

function withObserver(current: Observers, observer: ChannelObserver): Observers {
  if (current === undefined) return observer;
  if (current instanceof Set) return current.add(observer);
  return current === observer ? current : new Set([current, observer]);
}

function withoutObserver(current: Observers, observer: ChannelObserver): Observers {
  if (current === observer) return undefined;
  if (!(current instanceof Set)) return current;
  current.delete(observer);
  return current.size === 0 ? undefined : current;
}

/** One PV served by one CA server. */
export class CaPv implements FieldHolder, PvObserver {
  /** The PV. */
  readonly pv: Pv;
  /** Whether the server created the PV (so removing it here removes it). */
  readonly owned: boolean;
  /**
   * Channels watching: none, the only one, or a set of several. Most PVs are open in at most one
   * circuit, and a Set per PV would cost more than the PV itself.
   */
  #observers: Observers = undefined;
  /** The channels that want changes (those with subscriptions): a put touches only these. */
  #listeners: Observers = undefined;
  /** Field channels opened so far, created on first lookup (most PVs never get one). */
  #fields: Map<string, PvField> | undefined = undefined;
  #onRemoved: ((served: CaPv) => void) | undefined;

  /**
   * Start serving `pv` (this registers as its observer until {@linkcode CaPv.detach}).
   *
   * @param pv The PV.
   * @param onRemoved Called when the PV is removed (`pv.remove()`), to forget it.
   * @param owned Whether the server created the PV.
   */
  constructor(pv: Pv, onRemoved?: (served: CaPv) => void, owned = false) {
    this.pv = pv;
    this.owned = owned;
    this.#onRemoved = onRemoved;
    pv.observe(this);
  }

  /** Channel name. */
  get name(): string {
    return this.pv.name;
  }

  /** Native DBR value type 0–6. */
  get nativeType(): number {
    return this.pv.nativeType;
  }

  /** Maximum element count. */
  get count(): number {
    return this.pv.count;
  }

  /**
   * The current state.
   *
   * @returns The PV's snapshot.
   */
  snapshot(): PvSnapshot {
    return this.pv.snapshot();
  }

  /**
   * Access rights for a client.
   *
   * @param client The client.
   * @returns 1 (read) or 3 (read and write).
   */
  rights(client: ClientInfo): number {
    return this.pv.canWrite(client) ? 3 : 1;
  }

  /**
   * Apply a client write: convert to the PV's type, then write it.
   *
   * @param values Decoded elements.
   * @param ctx Written value type and client.
   * @returns The ECA status, or a promise of it when `onWrite` is asynchronous.
   */
  write(values: Values, ctx: { srcType: number; client: ClientInfo }): number | Promise<number> {
    const snap = this.pv.snapshot();
    const converted = convertWrite(values, {
      srcType: ctx.srcType,
      target: { nativeType: snap.nativeType, enumStrings: snap.enumStrings },
    });
    if (!converted) return ECA_PUTFAIL;
    const count = this.pv.count;
    if (converted.length === 0 && count === 1) return ECA_NORMAL;
    const value: PvValue = count === 1 ? converted[0]! : converted;
    const result = this.pv.write(value, ctx.client);
    return result instanceof Promise ? result.then(ecaOf) : ecaOf(result);
  }

  /**
   * Apply a client write of one element to a scalar PV directly, converted as
   * {@linkcode CaPv.write} converts it; a number into a string or enum PV, or anything into an
   * array, takes `write`.
   *
   * @param value The element: a string when `srcType` is DBR_STRING, else a number.
   * @param srcType Value type the client wrote.
   * @param client The client.
   * @returns The ECA status, or a promise of it when `onWrite` is asynchronous.
   */
  writeOne(value: number | string, srcType: number, client: ClientInfo): number | Promise<number> {
    const pv = this.pv;
    const nativeType = pv.nativeType;
    if (pv.count === 1) {
      let v: number | string | undefined;
      if (typeof value === "string") {
        v = nativeType === DBR_STRING
          ? value
          : nativeType === DBR_ENUM
          ? enumIndexFromString(value, pv.enumStrings)
          : parseNumber(nativeType, value);
        if (v === undefined) return ECA_PUTFAIL;
      } else if (nativeType !== DBR_STRING && nativeType !== DBR_ENUM) {
        v = castNumber(nativeType, value);
      }
      if (v !== undefined) {
        const result = pv.write(v, client);
        return result instanceof Promise ? result.then(ecaOf) : ecaOf(result);
      }
    }
    const values: Values = typeof value === "string" ? [value] : [value];
    return this.write(values, { srcType, client });
  }

  /**
   * A field of this PV as a read-only channel (used by name lookup for `NAME.FIELD`).
   *
   * @param field Field name, e.g. `"SEVR"`.
   * @returns The field channel, or `undefined` when this PV has no such field.
   */
  field(field: string): ChannelSource | undefined {
    const known = this.#fields?.get(field);
    if (known) return known;
    const created = createField(this.pv, field);
    // Unknown names are not cached: a client could otherwise grow the map without bound.
    if (created) (this.#fields ??= new Map()).set(field, created);
    return created;
  }

  /**
   * Start reporting removal to a channel (used by circuits); changes once it calls
   * {@linkcode CaPv.listen}.
   *
   * @param observer The channel.
   */
  observe(observer: ChannelObserver): void {
    this.#observers = withObserver(this.#observers, observer);
  }

  /**
   * Stop reporting anything to a channel (used by circuits).
   *
   * @param observer The channel.
   */
  unobserve(observer: ChannelObserver): void {
    this.#observers = withoutObserver(this.#observers, observer);
    this.#listeners = withoutObserver(this.#listeners, observer);
  }

  /**
   * Report changes to an observed channel (it has subscriptions), or stop.
   *
   * @param observer The channel.
   * @param on Whether it wants changes.
   */
  listen(observer: ChannelObserver, on: boolean): void {
    this.#listeners = on
      ? withObserver(this.#listeners, observer)
      : withoutObserver(this.#listeners, observer);
  }

  /**
   * The PV changed: tell the channels what CA monitors select on, and refresh the fields.
   *
   * @param mask PvChange bits (the DBE_* ones have their values).
   * @param snap The new state.
   */
  onEvent(mask: number, snap: PvSnapshot): void {
    const dbe = mask & DBE_ALL;
    const observers = this.#listeners;
    if (dbe !== 0) {
      if (observers instanceof Set) { for (const o of observers) o.onEvent(dbe, snap); }
      else observers?.onEvent(dbe, snap);
    }
    if (this.#fields === undefined) return;
    for (const f of this.#fields.values()) f.changed();
  }

  /** The PV was removed: disconnect every channel and forget it. */
  onRemoved(): void {
    this.#disconnect();
    this.#onRemoved?.(this);
  }

  /** Stop serving the PV here (the server calls this from `removePv`); others keep serving it. */
  detach(): void {
    this.pv.unobserve(this);
    this.#disconnect();
  }

  #disconnect(): void {
    const observers = this.#observers;
    this.#observers = undefined;
    this.#listeners = undefined;
    if (observers instanceof Set) { for (const o of observers) o.onRemoved(); }
    else observers?.onRemoved();
    const fields = this.#fields;
    this.#fields = undefined;
    if (fields) { for (const f of fields.values()) f.removed(); }
  }
}
