/**
 * A PV served over pvAccess by {@linkcode PvaServer.addPv}: value, alarm, time stamp, metadata and
 * write rules, with the same options as the CA server's PVs. It implements
 * {@linkcode PvaSource}, the only thing the circuit sees.
 *
 * @module
 */

import { ntAlarm } from "./_alarm.ts";
import type {
  PeerInfo,
  PvaAlarm,
  PvaKind,
  PvaMetadata,
  PvaObserver,
  PvaSource,
  PvaValue,
} from "./source.ts";

/** Value types, as the CA server names them. */
export type PvaPvType = "double" | "long" | "string" | "enum";

/** Definition of a PV for {@linkcode PvaServer.addPv}. */
export interface PvaPvOptions {
  /** Channel name. */
  name: string;
  /** Value type: ai (double), longin (long), stringin (string), mbbi/mbbo (enum). */
  type: PvaPvType;
  /** Maximum element count; above 1 the PV is an array (NTScalarArray, a waveform). @default 1 */
  count?: number;
  /** Initial value (an enum takes its index). */
  value: PvaValue;
  /** Enum choices. */
  enumStrings?: readonly string[];
  /** Engineering units. @default "" */
  units?: string;
  /** Display precision (doubles). @default 0 */
  precision?: number;
  /** Display limits. */
  display?: { low: number; high: number };
  /** Alarm limits. */
  alarm?: { lolo: number; low: number; high: number; hihi: number };
  /** Control limits (default: the display limits, as for an ai). */
  control?: { low: number; high: number };
  /** Read-only or read-write for clients. @default "rw" */
  access?: "ro" | "rw";
  /** Initial alarm severity 0–3. @default 0 */
  severity?: number;
  /** Initial alarm condition 0–21 (EPICS `STAT`, as CA's status). @default 0 */
  status?: number;
  /** Record type, for information (ai/ao, longin/longout, …). @default derived from type and access */
  className?: string;
  /** What the PV means (display.description). @default "" */
  description?: string;
  /**
   * Called for each client write with the converted value. Return a value to store instead,
   * `undefined` to store the written value, or throw (reject) to refuse: the client gets an
   * ERROR status with the error's message and the value is kept. May return a promise: the PUT is
   * answered when it settles.
   */
  onWrite?: (
    value: PvaValue,
    peer: PeerInfo,
  ) => PvaValue | undefined | Promise<PvaValue | undefined>;
  /** Per-client write permission (refused puts get ERROR "Put not permitted"). */
  canWrite?: (peer: PeerInfo) => boolean;
}

/** Options of {@linkcode PvaPv.post}. */
export interface PvaPostOptions {
  /** New alarm severity 0–3 (default: unchanged). */
  severity?: number;
  /** New EPICS alarm condition 0–21 (default: unchanged). */
  status?: number;
  /** Time stamp as a Date or milliseconds since 1970 (default: now). */
  timestamp?: Date | number;
}

const KIND: Record<PvaPvType, PvaKind> = {
  double: "double",
  long: "int",
  string: "string",
  enum: "enum",
};

function defaultClassName(type: PvaPvType, array: boolean, ro: boolean): string {
  if (array) return "waveform";
  const pair = {
    double: ["ai", "ao"],
    long: ["longin", "longout"],
    string: ["stringin", "stringout"],
    enum: ["mbbi", "mbbo"],
  }[type];
  return ro ? pair[0]! : pair[1]!;
}

function sameValue(a: PvaValue, b: PvaValue): boolean {
  if (!Array.isArray(a) || !Array.isArray(b)) return a === b;
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** A PV served over pvAccess. */
export class PvaPv implements PvaSource {
  /** Channel name. */
  readonly name: string;
  /** Value kind. */
  readonly kind: PvaKind;
  /** Whether the value is an array. */
  readonly array: boolean;
  /** Maximum element count. */
  readonly count: number;
  /** Record type. */
  readonly className: string;
  /** Description, units, limits. */
  readonly metadata: PvaMetadata;
  /** Enum choices. */
  readonly choices: readonly string[];
  #value: PvaValue;
  #severity: number;
  #condition: number;
  #alarm: PvaAlarm;
  #timestamp: number;
  #observers = new Set<PvaObserver>();
  #removed = false;
  #readOnly: boolean;
  #onWrite: PvaPvOptions["onWrite"];
  #canWrite: PvaPvOptions["canWrite"];

  /**
   * Define a PV (the server's `addPv` does this and registers it).
   *
   * @param options The PV definition.
   * @throws {TypeError} On an unknown type.
   */
  constructor(options: PvaPvOptions) {
    const kind = KIND[options.type];
    if (kind === undefined) throw new TypeError(`Cannot use PV type "${options.type}"`);
    this.name = options.name;
    this.kind = kind;
    const given = Array.isArray(options.value) ? options.value.length : 1;
    this.count = Math.max(1, Math.trunc(options.count ?? given));
    this.array = this.count > 1 || Array.isArray(options.value);
    this.className = options.className ??
      defaultClassName(options.type, this.array, options.access === "ro");
    this.choices = Object.freeze([...(options.enumStrings ?? [])]);
    const meta: PvaMetadata = {
      description: options.description ?? "",
      units: options.units ?? "",
      precision: options.precision ?? 0,
    };
    if (options.display) meta.display = { ...options.display };
    if (options.control ?? options.display) {
      meta.control = { ...(options.control ?? options.display)! };
    }
    if (options.alarm) meta.alarm = { ...options.alarm };
    this.metadata = Object.freeze(meta);
    this.#readOnly = options.access === "ro";
    this.#onWrite = options.onWrite;
    this.#canWrite = options.canWrite;
    this.#value = this.#normalize(options.value);
    this.#severity = options.severity ?? 0;
    this.#condition = options.status ?? 0;
    this.#alarm = ntAlarm(this.#severity, this.#condition);
    this.#timestamp = Date.now();
  }

  /** Current value (an enum's index). */
  get value(): PvaValue {
    return this.#value;
  }

  /** Current alarm in NT terms. */
  get alarm(): PvaAlarm {
    return this.#alarm;
  }

  /** Time of the last post, milliseconds since 1970. */
  get timestamp(): number {
    return this.#timestamp;
  }

  /**
   * Set a new value (and optionally alarm and time stamp) and notify monitors.
   *
   * @param value The new value.
   * @param options Alarm and time stamp.
   * @example Usage
   * ```ts ignore
   * pv.post(3.5, { severity: 1, status: 4 });
   * ```
   */
  post(value: PvaValue, options: PvaPostOptions = {}): void {
    const next = this.#normalize(value);
    const severity = options.severity ?? this.#severity;
    const condition = options.status ?? this.#condition;
    // As a record with MDEL 0 (and the CA server): an unchanged value and alarm post no update.
    let changed = !sameValue(next, this.#value);
    this.#value = next;
    if (severity !== this.#severity || condition !== this.#condition) {
      this.#severity = severity;
      this.#condition = condition;
      this.#alarm = ntAlarm(severity, condition);
      changed = true;
    }
    const t = options.timestamp;
    this.#timestamp = t === undefined ? Date.now() : typeof t === "number" ? t : t.getTime();
    if (!changed || this.#removed) return;
    for (const o of [...this.#observers]) o.update();
  }

  /**
   * Watch the PV (circuits do, one observer per open channel).
   *
   * @param observer Told about every post and the removal.
   * @returns Stops watching.
   */
  subscribe(observer: PvaObserver): () => void {
    this.#observers.add(observer);
    return () => this.#observers.delete(observer);
  }

  /**
   * Whether a client may write: not for `access: "ro"`, else as `canWrite` says.
   *
   * @param peer The client.
   * @returns Whether it may write.
   */
  canWrite(peer: PeerInfo): boolean {
    if (this.#readOnly || this.#removed) return false;
    return this.#canWrite?.(peer) ?? true;
  }

  /**
   * Run `onWrite` and store the result.
   *
   * @param value The converted value.
   * @param peer The client.
   * @returns Settles when stored; rejects when refused or out of range.
   */
  async write(value: PvaValue, peer: PeerInfo): Promise<void> {
    const stored = (await this.#onWrite?.(value, peer)) ?? value;
    if (this.kind === "enum") {
      const n = this.choices.length;
      for (const i of [stored].flat()) {
        if (typeof i !== "number" || !Number.isInteger(i) || i < 0 || i >= n) {
          throw new RangeError(`Cannot put enum index ${JSON.stringify(i)}: ${n} choices`);
        }
      }
    }
    if (!this.#removed) this.post(stored);
  }

  /** Disconnect every channel (the server calls this from `removePv`). */
  remove(): void {
    this.#removed = true;
    const observers = [...this.#observers];
    this.#observers.clear();
    for (const o of observers) o.removed();
  }

  #normalize(v: PvaValue): PvaValue {
    const one = (x: unknown): number | string => {
      if (this.kind === "string") return typeof x === "string" ? x : String(x);
      const n = typeof x === "number" ? x : Number(x);
      return this.kind === "double" ? n : Math.trunc(Number.isFinite(n) ? n : 0) | 0;
    };
    if (this.array) {
      const items = (Array.isArray(v) ? v : [v]).slice(0, this.count).map(one);
      return Object.freeze(items) as readonly number[] | readonly string[];
    }
    return one(Array.isArray(v) ? v[0] : v);
  }
}
