/**
 * A served process variable: value, alarm, timestamp, metadata, access rules and the channels
 * watching it.
 *
 * @module
 */

import {
  defaultClassName,
  internMeta,
  limitsOf,
  NO_STRINGS,
  normalize,
  PvSnapshot,
  sameValues,
  snapshotAt,
} from "./_state.ts";
import type { ChannelObserver, ChannelSource, ClientInfo } from "../ca/server/circuit.ts";
import type { FieldHolder } from "../ca/server/_channel_names.ts";
import { createField, type PvField } from "../ca/server/_pv_fields.ts";
import { convertWrite, type Values } from "../ca/protocol/convert.ts";
import {
  DBR_CHAR,
  DBR_DOUBLE,
  DBR_ENUM,
  DBR_FLOAT,
  DBR_LONG,
  DBR_SHORT,
  DBR_STRING,
} from "../ca/protocol/dbr.ts";
import { DBE_ALARM, DBE_LOG, DBE_PROPERTY, DBE_VALUE } from "../ca/protocol/commands.ts";
import { ECA_NORMAL, ECA_PUTFAIL } from "../ca/protocol/status.ts";
import { getLogger } from "../log.ts";

const log = getLogger("ca");

/** Value types a PV can have. */
export type PvType = "enum" | "double" | "long" | "short" | "float" | "char" | "string";

/** A PV's value: a number or string for scalars, an array for `count > 1`. */
export type PvValue = number | string | readonly number[] | readonly string[];

/** Who is writing. */
export type WriteContext = ClientInfo;

/** Definition of a PV for {@linkcode CaServer.addPv}. */
export interface PvOptions {
  /** Channel name clients use (also answers `NAME.VAL` and `NAME.`). */
  name: string;
  /** Native type. */
  type: PvType;
  /** Maximum element count. @default 1 */
  count?: number;
  /** Initial value. */
  value: PvValue;
  /** Enum state strings (≤ 16, ≤ 25 characters each). */
  enumStrings?: readonly string[];
  /** Engineering units (≤ 7 characters). */
  units?: string;
  /** Display precision; also used for number → string conversions (default 6 there). */
  precision?: number;
  /** Display limits. */
  display?: { low: number; high: number };
  /** Alarm limits. */
  alarm?: { lolo: number; low: number; high: number; hihi: number };
  /** Control limits. */
  control?: { low: number; high: number };
  /** Read-only or read-write for clients. @default "rw" */
  access?: "ro" | "rw";
  /** Initial alarm severity 0–3. @default 0 */
  severity?: number;
  /** Initial alarm status 0–21. @default 0 */
  status?: number;
  /**
   * Record type, shown for DBR_CLASS_NAME and in the `.RTYP` field.
   * @default derived from type and access (ai/ao, longin/longout, mbbi/mbbo, stringin/stringout, waveform)
   */
  className?: string;
  /** What the PV means, served in the `.DESC` field (≤ 39 characters reach clients). @default "" */
  description?: string;
  /**
   * Called for each client write with the converted value. Return a value to store instead,
   * `undefined` to store the written value, or throw {@linkcode WriteRefused} to refuse.
   *
   * It may return a promise: the value is stored when it resolves. A put with callback
   * (WRITE_NOTIFY, `caput -c`, pyepics `put(wait=True)`) is answered only then: ECA_NORMAL on
   * resolve, the {@linkcode WriteRefused} status or ECA_PUTFAIL on rejection. A plain WRITE is
   * not waited for (a rejection comes back as an ERROR message). Either way the client's other
   * requests are served while the promise is pending.
   */
  onWrite?: (
    value: PvValue,
    ctx: WriteContext,
  ) => PvValue | undefined | Promise<PvValue | undefined>;
  /** Per-client write permission; refused clients see read-only rights. */
  canWrite?: (ctx: WriteContext) => boolean;
}

/** Options of {@linkcode Pv.post}. */
export interface PostOptions {
  /** New alarm severity 0–3 (default: unchanged). */
  severity?: number;
  /** New alarm status 0–21 (default: unchanged). */
  status?: number;
  /** Time stamp as a Date or milliseconds since 1970 (default: now). */
  timestamp?: Date | number;
}

/** Thrown by `onWrite` to refuse a write; the client gets the ECA status. */
export class WriteRefused extends Error {
  /** ECA status the client receives. */
  readonly eca: number;
  /**
   * @param eca ECA wire code. @default ECA_PUTFAIL (160)
   * @param message Why the write was refused.
   */
  constructor(eca: number = ECA_PUTFAIL, message = "Write refused") {
    super(message);
    this.name = "WriteRefused";
    this.eca = eca;
  }
}

const NATIVE: Record<PvType, number> = {
  string: DBR_STRING,
  short: DBR_SHORT,
  float: DBR_FLOAT,
  enum: DBR_ENUM,
  char: DBR_CHAR,
  long: DBR_LONG,
  double: DBR_DOUBLE,
};

/** Who may write and what runs on a write. */
interface WriteAccess {
  readonly readOnly: boolean;
  readonly canWrite: PvOptions["canWrite"];
  readonly onWrite: PvOptions["onWrite"];
}

/** The access of every PV without callbacks. */
const READ_ONLY: WriteAccess = { readOnly: true, canWrite: undefined, onWrite: undefined };
const READ_WRITE: WriteAccess = { readOnly: false, canWrite: undefined, onWrite: undefined };

function accessOf(options: PvOptions): WriteAccess {
  const readOnly = options.access === "ro";
  if (!options.canWrite && !options.onWrite) return readOnly ? READ_ONLY : READ_WRITE;
  return { readOnly, canWrite: options.canWrite, onWrite: options.onWrite };
}

/**
 * A process variable served over CA. Create with {@linkcode CaServer.addPv}. Like an IOC record it
 * also answers its fields as read-only channels: `NAME.SEVR`, `.STAT`, `.NAME`, `.DESC`, `.RTYP`;
 * `.EGU`, `.HOPR`, `.LOPR` on numbers, `.PREC` on float/double, `.ZRST` … `.FFST` on enums.
 */
export class Pv implements FieldHolder {
  /** Channel name. */
  readonly name: string;
  /** Maximum element count. */
  readonly count: number;
  #snap: PvSnapshot;
  /**
   * Channels watching: none, the only one, or a set of several. Most PVs are open in at most one
   * circuit, and a Set per PV would cost more than the PV itself.
   */
  #observers: ChannelObserver | Set<ChannelObserver> | undefined = undefined;
  #removed = false;
  #access: WriteAccess;
  #description: string;
  /** Field channels opened so far, created on first lookup (most PVs never get one). */
  #fields: Map<string, PvField> | undefined = undefined;

  /**
   * @param options The PV definition.
   */
  constructor(options: PvOptions) {
    this.name = options.name;
    const nativeType = NATIVE[options.type];
    if (nativeType === undefined) throw new TypeError(`Cannot use PV type "${options.type}"`);
    this.count = Math.max(1, Math.trunc(options.count ?? 1));
    this.#access = accessOf(options);
    this.#description = options.description ?? "";
    const isFloat = nativeType === DBR_FLOAT || nativeType === DBR_DOUBLE;
    const meta = internMeta({
      nativeType,
      units: options.units ?? "",
      precision: isFloat ? options.precision ?? 0 : 0,
      stringPrecision: options.precision ?? 6,
      limits: limitsOf(options),
      enumStrings: options.enumStrings ?? NO_STRINGS,
      className: options.className ??
        defaultClassName(options.type, this.count, options.access === "ro"),
    });
    this.#snap = snapshotAt(
      meta,
      normalize(options.value, meta.nativeType, this.count),
      { status: options.status ?? 0, severity: options.severity ?? 0 },
      Date.now(),
    );
  }

  /** Native DBR value type 0–6. */
  get nativeType(): number {
    return this.#snap.meta.nativeType;
  }

  /** Current value: a number or string for scalars, an array for `count > 1`. */
  get value(): PvValue {
    const v = this.#snap.values;
    return this.count === 1 ? (v[0] ?? (this.nativeType === DBR_STRING ? "" : 0)) : v.slice();
  }

  /** Current alarm severity. */
  get severity(): number {
    return this.#snap.severity;
  }

  /** Current alarm status. */
  get status(): number {
    return this.#snap.status;
  }

  /** Time stamp of the last post, in milliseconds since 1970. */
  get timestamp(): number {
    return this.#snap.timestampMs;
  }

  /** Enum state strings. */
  get enumStrings(): readonly string[] {
    return this.#snap.enumStrings;
  }

  /** Description served in the `.DESC` field. */
  get description(): string {
    return this.#description;
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
    const created = createField(this, field);
    // Unknown names are not cached: a client could otherwise grow the map without bound.
    if (created) (this.#fields ??= new Map()).set(field, created);
    return created;
  }

  /**
   * Set a new value (and optionally alarm and time stamp) and notify monitors: DBE_VALUE|DBE_LOG
   * when the value changed, DBE_ALARM when severity or status changed.
   *
   * @param value The new value.
   * @param options Alarm and time stamp.
   * @example Usage
   * ```ts ignore
   * pv.post(3.5, { severity: 1, status: 4 });
   * ```
   */
  post(value: PvValue, options: PostOptions = {}): void {
    const prev = this.#snap;
    const values = normalize(value, this.nativeType, this.count);
    const severity = options.severity ?? prev.severity;
    const status = options.status ?? prev.status;
    const ms = options.timestamp === undefined
      ? Date.now()
      : typeof options.timestamp === "number"
      ? options.timestamp
      : options.timestamp.getTime();
    let mask = 0;
    if (!sameValues(values, prev.values)) mask |= DBE_VALUE | DBE_LOG;
    if (severity !== prev.severity || status !== prev.status) mask |= DBE_ALARM;
    this.#snap = snapshotAt(prev.meta, mask & DBE_VALUE ? values : prev.values, {
      status,
      severity,
    }, ms);
    if (mask !== 0 && !this.#removed) this.#notify(mask);
  }

  /**
   * Change display metadata and notify DBE_PROPERTY monitors; a new description only updates the
   * `.DESC` field.
   *
   * @param meta New units, precision, enum strings or description.
   */
  setMetadata(
    meta: {
      units?: string;
      precision?: number;
      enumStrings?: readonly string[];
      description?: string;
    },
  ): void {
    if (meta.description !== undefined && meta.description !== this.#description) {
      this.#description = meta.description;
      this.#refreshFields();
    }
    if (
      meta.units === undefined && meta.precision === undefined && meta.enumStrings === undefined
    ) return;
    const prev = this.#snap;
    const isFloat = this.nativeType === DBR_FLOAT || this.nativeType === DBR_DOUBLE;
    const next = internMeta({
      nativeType: prev.nativeType,
      units: meta.units ?? prev.units,
      precision: isFloat ? meta.precision ?? prev.precision : 0,
      stringPrecision: meta.precision ?? prev.stringPrecision,
      limits: prev.limits,
      enumStrings: meta.enumStrings ?? prev.enumStrings,
      className: prev.className,
    });
    this.#snap = new PvSnapshot(
      next,
      prev.values,
      prev.status,
      prev.severity,
      prev.secPastEpoch,
      prev.nsec,
    );
    this.#notify(DBE_PROPERTY);
  }

  /**
   * The current state (used by circuits).
   *
   * @returns The immutable snapshot.
   */
  snapshot(): PvSnapshot {
    return this.#snap;
  }

  /**
   * Access rights for a client (used by circuits).
   *
   * @param client The client.
   * @returns 1 (read) or 3 (read and write).
   */
  rights(client: ClientInfo): number {
    const { readOnly, canWrite } = this.#access;
    if (readOnly) return 1;
    if (!canWrite) return 3;
    try {
      return canWrite(client) ? 3 : 1;
    } catch (error) {
      log.warn(`canWrite of "${this.name}" failed: ${String(error)}`);
      return 1;
    }
  }

  /**
   * Apply a client write (used by circuits): convert, run `onWrite`, post.
   *
   * @param values Decoded elements.
   * @param ctx Written value type and client.
   * @returns The ECA status, or a promise of it when `onWrite` is asynchronous.
   */
  write(values: Values, ctx: { srcType: number; client: ClientInfo }): number | Promise<number> {
    const converted = convertWrite(values, {
      srcType: ctx.srcType,
      target: { nativeType: this.nativeType, enumStrings: this.#snap.enumStrings },
    });
    if (!converted) return ECA_PUTFAIL;
    if (converted.length === 0 && this.count === 1) return ECA_NORMAL;
    const value: PvValue = this.count === 1 ? converted[0]! : converted;
    const onWrite = this.#access.onWrite;
    if (!onWrite) {
      this.post(value);
      return ECA_NORMAL;
    }
    let result: PvValue | undefined | Promise<PvValue | undefined>;
    try {
      result = onWrite(value, ctx.client);
    } catch (error) {
      return this.#refusal(error);
    }
    if (result instanceof Promise) {
      return result.then(
        (v) => this.#accept(v ?? value),
        (error) => this.#refusal(error),
      );
    }
    return this.#accept(result ?? value);
  }

  #accept(value: PvValue): number {
    if (this.#removed) return ECA_NORMAL;
    if (this.nativeType === DBR_ENUM) {
      const n = this.#snap.enumStrings.length;
      const bad = normalize(value, this.nativeType, this.count).some((i) => (i as number) >= n);
      if (bad) return ECA_PUTFAIL;
    }
    this.post(value);
    return ECA_NORMAL;
  }

  #refusal(error: unknown): number {
    if (error instanceof WriteRefused) return error.eca;
    log.warn(`onWrite of "${this.name}" failed: ${String(error)}`);
    return ECA_PUTFAIL;
  }

  /**
   * Start reporting changes to a channel (used by circuits).
   *
   * @param observer The channel.
   */
  observe(observer: ChannelObserver): void {
    const current = this.#observers;
    if (current === undefined) this.#observers = observer;
    else if (current instanceof Set) current.add(observer);
    else if (current !== observer) this.#observers = new Set([current, observer]);
  }

  /**
   * Stop reporting changes to a channel (used by circuits).
   *
   * @param observer The channel.
   */
  unobserve(observer: ChannelObserver): void {
    const current = this.#observers;
    if (current === observer) this.#observers = undefined;
    else if (current instanceof Set) {
      current.delete(observer);
      if (current.size === 0) this.#observers = undefined;
    }
  }

  /** Disconnect every channel (the server calls this from `removePv`). */
  remove(): void {
    this.#removed = true;
    const observers = this.#observers;
    this.#observers = undefined;
    if (observers instanceof Set) { for (const o of observers) o.onRemoved(); }
    else observers?.onRemoved();
    if (this.#fields) { for (const f of this.#fields.values()) f.removed(); }
  }

  #notify(mask: number): void {
    const observers = this.#observers;
    const snap = this.#snap;
    if (observers instanceof Set) { for (const o of observers) o.onEvent(mask, snap); }
    else observers?.onEvent(mask, snap);
    this.#refreshFields();
  }

  #refreshFields(): void {
    if (this.#fields === undefined || this.#removed) return;
    for (const f of this.#fields.values()) f.changed();
  }
}
