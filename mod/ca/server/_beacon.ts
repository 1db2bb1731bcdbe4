/**
 * The beacon schedule: a beacon at start, then gaps of 0.02 s doubling up to the period; sequence
 * numbers 0, 0, 1, 2, … (one per cycle, as RSRV sends them).
 *
 * @module
 */

/** Next beacon's sequence number and the delay before the one after it. */
export interface BeaconStep {
  /** Sequence number to send now. */
  seq: number;
  /** Milliseconds until the next beacon. */
  delayMs: number;
}

/** Produces the beacon ramp. */
export class BeaconSchedule {
  #periodMs: number;
  #gapMs = 20;
  #sent = 0;

  /**
   * @param periodSeconds Steady-state period.
   */
  constructor(periodSeconds: number) {
    this.#periodMs = periodSeconds * 1000;
  }

  /**
   * Advance by one beacon.
   *
   * @returns The sequence number of the beacon to send now and the delay before the next.
   * @example Usage
   * ```ts
   * import { BeaconSchedule } from "./_beacon.ts";
   * const s = new BeaconSchedule(15);
   * s.next(); // { seq: 0, delayMs: 20 }
   * ```
   */
  next(): BeaconStep {
    const seq = this.#sent === 0 ? 0 : this.#sent - 1;
    this.#sent++;
    const delayMs = Math.min(this.#gapMs, this.#periodMs);
    if (this.#gapMs < this.#periodMs) this.#gapMs *= 2;
    return { seq: seq >>> 0, delayMs };
  }
}
