/**
 * A {@linkcode PvaSource} over a PV of the protocol-neutral model (`mod/pv`'s `Pv`, shared with the
 * CA server), described here structurally so this module does not depend on that model: one
 * object can be served by CA and PVA at once, and each protocol renders it its own way.
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

/** What the PVA server uses of a shared PV (`mod/pv` `Pv` has all of it). */
export interface SharedPv {
  /** Channel name. */
  readonly name: string;
  /** "enum", "double", "float", "long", "short", "char" or "string". */
  readonly type: string;
  /** Maximum element count (above 1: an array). */
  readonly count: number;
  /** Current value. */
  readonly value: PvaValue;
  /** Alarm severity 0–3. */
  readonly severity: number;
  /** EPICS alarm condition 0–21. */
  readonly status: number;
  /** Alarm message ("" for the condition's name). */
  readonly message: string;
  /** Milliseconds since 1970. */
  readonly timestamp: number;
  /** Enum choices. */
  readonly enumStrings: readonly string[];
  /** Description. */
  readonly description: string;
  /** Units, precision and limits (display high, low; alarm hihi, high, low, lolo; control high, low). */
  readonly meta: {
    readonly units: string;
    readonly precision: number;
    readonly limits: readonly number[];
  };
  /** Start reporting changes. */
  observe(observer: { onEvent(mask: number, snap: unknown): void; onRemoved(): void }): void;
  /** Stop reporting changes. */
  unobserve(observer: { onEvent(mask: number, snap: unknown): void; onRemoved(): void }): void;
  /** Write permission. */
  canWrite(ctx: { host: string; user: string }): boolean;
  /** A client write: `undefined` once stored, or a refusal (an Error with the reason). */
  write(
    value: PvaValue,
    ctx: { host: string; user: string },
  ): Error | undefined | Promise<Error | undefined>;
}

const KINDS: Record<string, PvaKind> = {
  enum: "enum",
  double: "double",
  float: "double",
  long: "int",
  short: "int",
  // A CA DBR_CHAR is unsigned: ubyte, as QSRV serves a waveform of UCHAR (text in `_log`).
  char: "ubyte",
  string: "string",
};

function range(high: number | undefined, low: number | undefined) {
  return high || low ? { low: low ?? 0, high: high ?? 0 } : undefined;
}

/** Reports a PV's events to one PVA observer (a method object, not two closures, per watch). */
class Relay {
  readonly #observer: PvaObserver;

  constructor(observer: PvaObserver) {
    this.#observer = observer;
  }

  onEvent(): void {
    this.#observer.update();
  }

  onRemoved(): void {
    this.#observer.removed();
  }
}

/**
 * A shared PV's pvAccess view. A class, so that what each of 10,000s of PVs costs is one small
 * object: an object literal with getters and methods would carry a closure for each.
 */
class SharedPvSource implements PvaSource {
  readonly name: string;
  readonly kind: PvaKind;
  readonly array: boolean;
  readonly #pv: SharedPv;

  constructor(pv: SharedPv, kind: PvaKind) {
    this.name = pv.name;
    this.kind = kind;
    this.array = pv.count > 1;
    this.#pv = pv;
  }

  get value(): PvaValue {
    return this.#pv.value;
  }

  get choices(): readonly string[] {
    return this.#pv.enumStrings;
  }

  get alarm(): PvaAlarm {
    const pv = this.#pv;
    const a = ntAlarm(pv.severity, pv.status);
    return pv.message ? { ...a, message: pv.message } : a;
  }

  get timestamp(): number {
    return this.#pv.timestamp;
  }

  get metadata(): PvaMetadata {
    const pv = this.#pv;
    // By index: destructuring an array runs its iterator (garbage for every GET).
    const l = pv.meta.limits;
    const dh = l[0], dl = l[1], hihi = l[2], high = l[3], low = l[4], lolo = l[5];
    const ch = l[6], cl = l[7];
    const m: PvaMetadata = {
      description: pv.description,
      units: pv.meta.units,
      precision: pv.meta.precision,
    };
    const display = range(dh, dl);
    const control = range(ch, cl) ?? display;
    if (display) m.display = display;
    if (control) m.control = control;
    if (hihi || high || low || lolo) {
      m.alarm = { lolo: lolo ?? 0, low: low ?? 0, high: high ?? 0, hihi: hihi ?? 0 };
    }
    return m;
  }

  subscribe(observer: PvaObserver): () => void {
    const relay = new Relay(observer);
    const pv = this.#pv;
    pv.observe(relay);
    return () => pv.unobserve(relay);
  }

  canWrite(peer: PeerInfo): boolean {
    return this.#pv.canWrite(writer(peer));
  }

  async write(value: PvaValue, peer: PeerInfo): Promise<void> {
    const refusal = await this.#pv.write(value, writer(peer));
    if (refusal) throw refusal;
  }
}

/** Who writes, as the PV model knows clients: anonymous clients by their address, as for CA. */
function writer(peer: PeerInfo): { host: string; user: string } {
  return { host: peer.host || peer.address, user: peer.user };
}

/**
 * Serve a shared PV over pvAccess.
 *
 * @param pv The PV.
 * @returns Its pvAccess view.
 * @throws {TypeError} On a type the PVA server has no normative type for.
 */
export function sharedPvSource(pv: SharedPv): PvaSource {
  const kind = KINDS[pv.type];
  if (!kind) throw new TypeError(`Cannot serve PV "${pv.name}" of type "${pv.type}" over PVA`);
  return new SharedPvSource(pv, kind);
}
