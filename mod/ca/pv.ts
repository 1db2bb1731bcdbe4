/**
 * A served process variable: value, alarm, timestamp, metadata, access rules and the channels
 * watching it.
 *
 * @module
 */

import type { ChannelObserver, ChannelSource, ClientInfo, Snapshot } from "./circuit.ts";
import { castNumber, convertWrite, type Values } from "./protocol/convert.ts";
import {
  DBR_CHAR,
  DBR_DOUBLE,
  DBR_ENUM,
  DBR_FLOAT,
  DBR_LONG,
  DBR_SHORT,
  DBR_STRING,
} from "./protocol/dbr.ts";
import { DBE_ALARM, DBE_LOG, DBE_PROPERTY, DBE_VALUE } from "./protocol/commands.ts";
import { ECA_NORMAL, ECA_PUTFAIL } from "./protocol/status.ts";
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
  /** Record type shown for DBR_CLASS_NAME. @default derived from type and access */
  className?: string;
  /**
   * Called for each client write with the converted value. Return a value to store instead,
   * `undefined` to store the written value, or throw {@linkcode WriteRefused} to refuse.
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

/** Seconds between the POSIX and the EPICS (1990) epochs. */
const EPICS_EPOCH_OFFSET = 631152000;

function defaultClassName(type: PvType, count: number, ro: boolean): string {
  if (count > 1) return "waveform";
  switch (type) {
    case "enum":
      return ro ? "mbbi" : "mbbo";
    case "string":
      return ro ? "stringin" : "stringout";
    case "double":
    case "float":
      return ro ? "ai" : "ao";
    default:
      return ro ? "longin" : "longout";
  }
}

function sameValues(a: Values, b: Values): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x !== y && !(Number.isNaN(x) && Number.isNaN(y))) return false;
  }
  return true;
}

/** A process variable served over CA. Create with {@linkcode CaServer.addPv}. */
export class Pv implements ChannelSource {
  /** Channel name. */
  readonly name: string;
  /** Native DBR value type 0–6. */
  readonly nativeType: number;
  /** Maximum element count. */
  readonly count: number;
  #opts: PvOptions;
  #snap: Snapshot;
  #observers = new Set<ChannelObserver>();
  #removed = false;

  /**
   * @param options The PV definition.
   */
  constructor(options: PvOptions) {
    this.name = options.name;
    this.nativeType = NATIVE[options.type];
    if (this.nativeType === undefined) throw new TypeError(`Cannot use PV type "${options.type}"`);
    this.count = Math.max(1, Math.trunc(options.count ?? 1));
    this.#opts = options;
    const isFloat = this.nativeType === DBR_FLOAT || this.nativeType === DBR_DOUBLE;
    const limits = [
      options.display?.high ?? 0,
      options.display?.low ?? 0,
      options.alarm?.hihi ?? 0,
      options.alarm?.high ?? 0,
      options.alarm?.low ?? 0,
      options.alarm?.lolo ?? 0,
      options.control?.high ?? 0,
      options.control?.low ?? 0,
    ];
    const { secPastEpoch, nsec } = stamp(Date.now());
    this.#snap = {
      nativeType: this.nativeType,
      values: this.#normalize(options.value),
      status: options.status ?? 0,
      severity: options.severity ?? 0,
      secPastEpoch,
      nsec,
      units: options.units ?? "",
      precision: isFloat ? options.precision ?? 0 : 0,
      stringPrecision: options.precision ?? 6,
      limits,
      enumStrings: options.enumStrings ?? [],
      className: options.className ??
        defaultClassName(options.type, this.count, options.access === "ro"),
      encoded: new Map(),
    };
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
    return (this.#snap.secPastEpoch + EPICS_EPOCH_OFFSET) * 1000 + this.#snap.nsec / 1e6;
  }

  /** Enum state strings. */
  get enumStrings(): readonly string[] {
    return this.#snap.enumStrings;
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
    const values = this.#normalize(value);
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
    this.#snap = {
      ...prev,
      values: mask & DBE_VALUE ? values : prev.values,
      severity,
      status,
      ...stamp(ms),
      encoded: new Map(),
    };
    if (mask !== 0 && !this.#removed) this.#notify(mask);
  }

  /**
   * Change display metadata and notify DBE_PROPERTY monitors.
   *
   * @param meta New units, precision or enum strings.
   */
  setMetadata(meta: { units?: string; precision?: number; enumStrings?: readonly string[] }): void {
    const prev = this.#snap;
    const isFloat = this.nativeType === DBR_FLOAT || this.nativeType === DBR_DOUBLE;
    this.#snap = {
      ...prev,
      units: meta.units ?? prev.units,
      precision: isFloat ? meta.precision ?? prev.precision : 0,
      stringPrecision: meta.precision ?? prev.stringPrecision,
      enumStrings: meta.enumStrings ?? prev.enumStrings,
      encoded: new Map(),
    };
    this.#notify(DBE_PROPERTY);
  }

  /**
   * The current state (used by circuits).
   *
   * @returns The immutable snapshot.
   */
  snapshot(): Snapshot {
    return this.#snap;
  }

  /**
   * Access rights for a client (used by circuits).
   *
   * @param client The client.
   * @returns 1 (read) or 3 (read and write).
   */
  rights(client: ClientInfo): number {
    if (this.#opts.access === "ro") return 1;
    if (!this.#opts.canWrite) return 3;
    try {
      return this.#opts.canWrite(client) ? 3 : 1;
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
    const onWrite = this.#opts.onWrite;
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
      const bad = this.#normalize(value).some((i) => (i as number) >= n);
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
    this.#observers.add(observer);
  }

  /**
   * Stop reporting changes to a channel (used by circuits).
   *
   * @param observer The channel.
   */
  unobserve(observer: ChannelObserver): void {
    this.#observers.delete(observer);
  }

  /** Disconnect every channel (the server calls this from `removePv`). */
  remove(): void {
    this.#removed = true;
    const observers = [...this.#observers];
    this.#observers.clear();
    for (const o of observers) o.onRemoved();
  }

  #notify(mask: number): void {
    const snap = this.#snap;
    for (const o of this.#observers) o.onEvent(mask, snap);
  }

  #normalize(value: PvValue): Values {
    const list: ArrayLike<number | string> = Array.isArray(value) || ArrayBuffer.isView(value)
      ? value as ArrayLike<number | string>
      : [value as number | string];
    const n = Math.min(list.length, this.count);
    if (this.nativeType === DBR_STRING) {
      const out: string[] = new Array(n);
      for (let i = 0; i < n; i++) out[i] = String(list[i]);
      return out;
    }
    const out: number[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const x = list[i];
      out[i] = castNumber(this.nativeType, typeof x === "number" ? x : Number(x));
    }
    return out;
  }
}

function stamp(ms: number): { secPastEpoch: number; nsec: number } {
  const sec = Math.floor(ms / 1000);
  return {
    secPastEpoch: Math.max(0, sec - EPICS_EPOCH_OFFSET),
    nsec: Math.round((ms - sec * 1000) * 1e6),
  };
}
