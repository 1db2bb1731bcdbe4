/**
 * A circuit's open channels and subscriptions as plain records, kept small: a server holds one
 * {@linkcode Channel} per client and PV, often tens of thousands.
 *
 * @module
 */

import type { ChannelObserver, ChannelSource, Snapshot } from "./_channel_source.ts";
import type { DbrLayout } from "../protocol/dbr.ts";

/** One EVENT_ADD of a client. */
export interface Subscription {
  /** Client's subscription id. */
  readonly subid: number;
  /** The channel it watches. */
  readonly channel: Channel;
  /** Requested DBR type. */
  readonly type: number;
  /** Layout of `type`. */
  readonly layout: DbrLayout;
  /** Requested element count (0 = current length). */
  readonly count: number;
  /** DBE_* mask. */
  readonly mask: number;
  /** Newest state not yet sent. */
  pending: Snapshot | undefined;
  /** Cancelled while an update was pending. */
  cancelled: boolean;
}

/** Where a channel reports its PV's changes: one per circuit, shared by all its channels. */
export interface ChannelEvents {
  /**
   * The PV changed.
   *
   * @param ch The channel.
   * @param mask DBE_* bits.
   * @param snap The new state.
   */
  onEvent(ch: Channel, mask: number, snap: Snapshot): void;
  /**
   * The PV is gone.
   *
   * @param ch The channel.
   */
  onRemoved(ch: Channel): void;
}

/** An open channel; a class, not a literal with closures, to keep 10,000s of them small. */
export class Channel implements ChannelObserver {
  /** Server id. */
  readonly sid: number;
  /** Client id. */
  readonly cid: number;
  /** The PV. */
  readonly pv: ChannelSource;
  /** Current access rights (bit 0 read, bit 1 write). */
  rights: number;
  /** Subscriptions by subid, created with the first one. */
  subs: Map<number, Subscription> | undefined = undefined;
  readonly #events: ChannelEvents;

  /**
   * @param events The circuit's receiver of changes.
   * @param sid Server id.
   * @param cid Client id.
   * @param pv The PV.
   * @param rights Initial access rights.
   */
  constructor(events: ChannelEvents, sid: number, cid: number, pv: ChannelSource, rights: number) {
    this.#events = events;
    this.sid = sid;
    this.cid = cid;
    this.pv = pv;
    this.rights = rights;
  }

  /**
   * Forward a change to the circuit.
   *
   * @param mask DBE_* bits.
   * @param snap The new state.
   */
  onEvent(mask: number, snap: Snapshot): void {
    this.#events.onEvent(this, mask, snap);
  }

  /** Forward the PV's removal to the circuit. */
  onRemoved(): void {
    this.#events.onRemoved(this);
  }
}

/**
 * Elements to send for a request of `count` (0 = the current length) of `pv`.
 *
 * @param layout Requested type's layout.
 * @param count Requested count.
 * @param snap Current state.
 * @param pv The PV (its maximum count).
 * @returns The element count of the reply.
 */
export function elementCount(
  layout: DbrLayout,
  count: number,
  snap: Snapshot,
  pv: ChannelSource,
): number {
  if (layout.code === 38) return 1;
  if (count === 0) return snap.values.length;
  return Math.min(count, pv.count);
}
