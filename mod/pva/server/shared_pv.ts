/**
 * A {@linkcode PvaSource} over a PV of the protocol-neutral model (`mod/pv`'s `Pv`, shared with the
 * CA server), described here structurally so this module does not depend on that model: one
 * object can be served by CA and PVA at once, and each protocol renders it its own way.
 *
 * @module
 */

import { ntAlarm } from "./_alarm.ts";
import type { PeerInfo, PvaKind, PvaMetadata, PvaObserver, PvaSource, PvaValue } from "./source.ts";

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
  const ctx = (peer: PeerInfo) => ({ host: peer.host || peer.address, user: peer.user });
  return {
    name: pv.name,
    kind,
    array: pv.count > 1,
    get value() {
      return pv.value;
    },
    get choices() {
      return pv.enumStrings;
    },
    get alarm() {
      const a = ntAlarm(pv.severity, pv.status);
      return pv.message ? { ...a, message: pv.message } : a;
    },
    get timestamp() {
      return pv.timestamp;
    },
    get metadata(): PvaMetadata {
      const [dh, dl, hihi, high, low, lolo, ch, cl] = pv.meta.limits;
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
    },
    subscribe(observer: PvaObserver): () => void {
      const o = { onEvent: () => observer.update(), onRemoved: () => observer.removed() };
      pv.observe(o);
      return () => pv.unobserve(o);
    },
    canWrite: (peer) => pv.canWrite(ctx(peer)),
    async write(value, peer) {
      const refusal = await pv.write(value, ctx(peer));
      if (refusal) throw refusal;
    },
  };
}
