/**
 * A process variable, the same object for every protocol serving it: value, alarm, timestamp,
 * metadata, access rules and the protocol servers watching it.
 *
 * @module
 */

import {
  defaultClassName,
  DOUBLE,
  ENUM,
  FLOAT,
  internMeta,
  limitsOf,
  NO_STRINGS,
  normalize,
  PvSnapshot,
  sameValues,
  snapshotAt,
  STRING,
  TYPE_CODES,
} from "./_state.ts";
import { WriteRefused } from "./write_refused.ts";
import type { PvMeta } from "./_state.ts";
import { getLogger } from "../log.ts";

const log = getLogger("pv");

/** Value types a PV can have. */
export type PvType = "enum" | "double" | "long" | "short" | "float" | "char" | "string";

/** A PV's value: a number or string for scalars, an array for `count > 1`. */
export type PvValue = number | string | readonly number[] | readonly string[];

/** Who is writing (or asking whether they may). */
export interface WriteContext {
  /** Host name the client announced, else its IP address. */
  readonly host: string;
  /** User name the client announced, else `""`. */
  readonly user: string;
}

/**
 * Bits of what changed, passed to {@linkcode PvObserver.onEvent}. VALUE, LOG, ALARM and PROPERTY
 * have the values of CA's DBE_* event bits.
 */
export const PvChange = Object.freeze({
  /** The value changed. */
  VALUE: 1,
  /** The value changed (archive event). */
  LOG: 2,
  /** Alarm severity, status or message changed. */
  ALARM: 4,
  /** Units, precision or enum choices changed. */
  PROPERTY: 8,
  /** Only the description changed (served in record fields such as `.DESC`). */
  DESCRIPTION: 16,
});

/** What a protocol server implements to hear about a PV's changes (one observer per server). */
export interface PvObserver {
  /**
   * The PV changed; called synchronously from `post` and `setMetadata`.
   *
   * @param mask {@linkcode PvChange} bits.
   * @param snap The new state.
   */
  onEvent(mask: number, snap: PvSnapshot): void;
  /** The PV was removed ({@linkcode Pv.remove}); stop serving it. */
  onRemoved(): void;
}

/** Definition of a PV for `new Pv(options)` or a server's `addPv`. */
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
  /** Initial alarm message. @default "" */
  message?: string;
  /**
   * Record type, shown for DBR_CLASS_NAME and in the `.RTYP` field.
   * @default derived from type and access (ai/ao, longin/longout, mbbi/mbbo, stringin/stringout, waveform)
   */
  className?: string;
  /** What the PV means, served in the `.DESC` field (≤ 39 characters reach clients). @default "" */
  description?: string;
  /**
   * Called for each client write with the value converted to the PV's type. Return a value to
   * store instead, `undefined` to store the written value, or throw {@linkcode WriteRefused} to
   * refuse (the value is then kept).
   *
   * It may return a promise: the value is stored when it resolves. Over CA, a put with callback
   * (WRITE_NOTIFY, `caput -c`, pyepics `put(wait=True)`) is answered only then: ECA_NORMAL on
   * resolve, the {@linkcode WriteRefused}'s status (its ECA code, or its reason's) or ECA_PUTFAIL
   * on rejection. A plain WRITE is not waited for (a rejection comes back as an ERROR message).
   * Either way the client's other requests are served while the promise is pending.
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
  /** New alarm message (default: unchanged). */
  message?: string;
  /** Time stamp as a Date or milliseconds since 1970 (default: now). */
  timestamp?: Date | number;
}

/** What a write resolves to: `undefined` once stored, or why it was refused. */
export type WriteResult = WriteRefused | undefined;

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
 * A process variable: create it with `new Pv(options)` (or a server's `addPv(options)`) and serve
 * it from any number of protocol servers. Like an IOC record it has fields, which the servers
 * answer from its state: `NAME.SEVR`, `.STAT`, `.NAME`, `.DESC`, `.RTYP`; `.EGU`, `.HOPR`, `.LOPR`
 * on numbers, `.PREC` on float/double, `.ZRST` … `.FFST` on enums.
 */
export class Pv {
  /** Channel name. */
  readonly name: string;
  /** Maximum element count. */
  readonly count: number;
  #snap: PvSnapshot;
  /**
   * Servers watching: none, the only one, or a set of several. Most PVs are served by one server,
   * and a Set per PV would cost more than the PV itself.
   */
  #observers: PvObserver | Set<PvObserver> | undefined = undefined;
  #removed = false;
  #access: WriteAccess;
  #description: string;

  /**
   * @param options The PV definition.
   */
  constructor(options: PvOptions) {
    this.name = options.name;
    const nativeType = TYPE_CODES[options.type];
    if (nativeType === undefined) throw new TypeError(`Cannot use PV type "${options.type}"`);
    this.count = Math.max(1, Math.trunc(options.count ?? 1));
    this.#access = accessOf(options);
    this.#description = options.description ?? "";
    const isFloat = nativeType === FLOAT || nativeType === DOUBLE;
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
      {
        status: options.status ?? 0,
        severity: options.severity ?? 0,
        message: options.message ?? "",
      },
      Date.now(),
    );
  }

  /** Value type. */
  get type(): PvType {
    return TYPE_NAMES[this.#snap.meta.nativeType]!;
  }

  /** Type code 0–6 in EPICS field type order (CA's native DBR value type). */
  get nativeType(): number {
    return this.#snap.meta.nativeType;
  }

  /** Current value: a number or string for scalars, an array for `count > 1`. */
  get value(): PvValue {
    const v = this.#snap.values;
    return this.count === 1 ? (v[0] ?? (this.nativeType === STRING ? "" : 0)) : v.slice();
  }

  /** Current alarm severity. */
  get severity(): number {
    return this.#snap.severity;
  }

  /** Current alarm status. */
  get status(): number {
    return this.#snap.status;
  }

  /** Current alarm message. */
  get message(): string {
    return this.#snap.message;
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

  /** Record type (`.RTYP`), e.g. `"ao"`. */
  get className(): string {
    return this.#snap.className;
  }

  /** Units, precision, limits and enum choices. */
  get meta(): PvMeta {
    return this.#snap.meta;
  }

  /** Whether clients may write at all (`access: "rw"`). */
  get writable(): boolean {
    return !this.#access.readOnly;
  }

  /** Whether {@linkcode Pv.remove} was called. */
  get removed(): boolean {
    return this.#removed;
  }

  /**
   * Set a new value (and optionally alarm and time stamp) and notify every server, synchronously:
   * VALUE|LOG when the value changed, ALARM when severity, status or message changed.
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
    const message = options.message ?? prev.message;
    const ms = options.timestamp === undefined
      ? Date.now()
      : typeof options.timestamp === "number"
      ? options.timestamp
      : options.timestamp.getTime();
    let mask = 0;
    if (!sameValues(values, prev.values)) mask |= PvChange.VALUE | PvChange.LOG;
    if (severity !== prev.severity || status !== prev.status || message !== prev.message) {
      mask |= PvChange.ALARM;
    }
    this.#snap = snapshotAt(prev.meta, mask & PvChange.VALUE ? values : prev.values, {
      status,
      severity,
      message,
    }, ms);
    if (mask !== 0 && !this.#removed) this.#notify(mask);
  }

  /**
   * Change display metadata and notify PROPERTY; a new description notifies DESCRIPTION (CA
   * updates only the `.DESC` field).
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
      if (!this.#removed) this.#notify(PvChange.DESCRIPTION);
    }
    if (
      meta.units === undefined && meta.precision === undefined && meta.enumStrings === undefined
    ) return;
    const prev = this.#snap;
    const isFloat = this.nativeType === FLOAT || this.nativeType === DOUBLE;
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
      prev.message,
    );
    this.#notify(PvChange.PROPERTY);
  }

  /**
   * The current state (used by protocol servers).
   *
   * @returns The immutable snapshot.
   */
  snapshot(): PvSnapshot {
    return this.#snap;
  }

  /**
   * Whether a client may write (used by protocol servers for access rights): false when
   * read-only, else what the `canWrite` option answers (false when it throws).
   *
   * @param ctx The client.
   * @returns True when the client may write.
   */
  canWrite(ctx: WriteContext): boolean {
    const { readOnly, canWrite } = this.#access;
    if (readOnly) return false;
    if (!canWrite) return true;
    try {
      return canWrite(ctx);
    } catch (error) {
      log.warn(`canWrite of "${this.name}" failed: ${String(error)}`);
      return false;
    }
  }

  /**
   * Apply a client write (used by protocol servers, after converting the written value to this
   * PV's type): run `onWrite`, check enum choices, post. The value is kept on refusal.
   *
   * @param value The written value, of this PV's type.
   * @param ctx The client.
   * @returns `undefined` once stored or the refusal; a promise of it when `onWrite` is
   *   asynchronous.
   */
  write(value: PvValue, ctx: WriteContext): WriteResult | Promise<WriteResult> {
    const onWrite = this.#access.onWrite;
    if (!onWrite) return this.#accept(value);
    let result: PvValue | undefined | Promise<PvValue | undefined>;
    try {
      result = onWrite(value, ctx);
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

  #accept(value: PvValue): WriteResult {
    if (this.#removed) return undefined;
    if (this.nativeType === ENUM) {
      const n = this.#snap.enumStrings.length;
      const bad = normalize(value, this.nativeType, this.count).some((i) => (i as number) >= n);
      if (bad) return new WriteRefused("invalid", `Not a choice of "${this.name}"`);
    }
    this.post(value);
    return undefined;
  }

  #refusal(error: unknown): WriteResult {
    if (error instanceof WriteRefused) return error;
    log.warn(`onWrite of "${this.name}" failed: ${String(error)}`);
    return new WriteRefused("failed", String(error));
  }

  /**
   * Start reporting changes to a server (one observer per server serving this PV).
   *
   * @param observer The server's view of this PV.
   */
  observe(observer: PvObserver): void {
    const current = this.#observers;
    if (current === undefined) this.#observers = observer;
    else if (current instanceof Set) current.add(observer);
    else if (current !== observer) this.#observers = new Set([current, observer]);
  }

  /**
   * Stop reporting changes to a server.
   *
   * @param observer An observer given to {@linkcode Pv.observe}.
   */
  unobserve(observer: PvObserver): void {
    const current = this.#observers;
    if (current === observer) this.#observers = undefined;
    else if (current instanceof Set) {
      current.delete(observer);
      if (current.size === 0) this.#observers = undefined;
    }
  }

  /** Retire the PV: every server stops serving it and disconnects its clients. */
  remove(): void {
    this.#removed = true;
    const observers = this.#observers;
    this.#observers = undefined;
    if (observers instanceof Set) { for (const o of observers) o.onRemoved(); }
    else observers?.onRemoved();
  }

  #notify(mask: number): void {
    const observers = this.#observers;
    const snap = this.#snap;
    if (observers instanceof Set) { for (const o of observers) o.onEvent(mask, snap); }
    else observers?.onEvent(mask, snap);
  }
}

/** {@linkcode PvType} by type code. */
const TYPE_NAMES: readonly PvType[] = (Object.keys(TYPE_CODES) as PvType[])
  .sort((a, b) => TYPE_CODES[a] - TYPE_CODES[b]);
