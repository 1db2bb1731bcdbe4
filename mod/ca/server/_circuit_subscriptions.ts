/**
 * A circuit's subscriptions: EVENT_ADD and EVENT_CANCEL, and the coalescing of updates. A change
 * only marks a subscription dirty with the newest snapshot; {@linkcode Subscriptions.flush} encodes
 * one update per dirty subscription when the server next writes to the client.
 *
 * @module
 */

import type { Snapshot } from "./_channel_source.ts";
import type { Channel, Subscription } from "./_circuit_channel.ts";
import type { Replies } from "./_circuit_replies.ts";
import { EVENT_ADD, type Request } from "../protocol/commands.ts";
import { dbrLayout } from "../protocol/dbr.ts";
import type { DecodedHeader } from "../protocol/header.ts";
import { ECA_ALLOCMEM, ECA_BADMASK, ECA_BADMONID, ECA_BADTYPE } from "../protocol/status.ts";

const UNKNOWN_CID = 0xffffffff;

/** Subscriptions of one circuit by subid. */
export class Subscriptions {
  #replies: Replies;
  #max: number;
  /** By subid; created with the first subscription (most circuits of a busy server have none). */
  #subs: Map<number, Subscription> | undefined = undefined;
  #dirty: Subscription[] = [];

  /**
   * @param replies Where updates and confirmations go.
   * @param max Most subscriptions.
   */
  constructor(replies: Replies, max: number) {
    this.#replies = replies;
    this.#max = max;
  }

  /** Active subscriptions. */
  get size(): number {
    return this.#subs?.size ?? 0;
  }

  /** Whether some subscription has an update waiting. */
  get hasDirty(): boolean {
    return this.#dirty.length > 0;
  }

  /**
   * EVENT_ADD: subscribe (replacing a subscription with the same id) and send the current value,
   * or queue it while events are off.
   *
   * @param ch The channel.
   * @param h The request's header: `type`, `count`, and the subscription id in `p2`.
   * @param mask The DBE_* mask from its payload.
   * @param eventsOn Whether the client accepts events now.
   */
  add(ch: Channel, h: DecodedHeader, mask: number, eventsOn: boolean): void {
    const subid = h.p2;
    const layout = dbrLayout(h.type);
    let eca = 0;
    if (!layout || !layout.readable) eca = ECA_BADTYPE;
    else if ((mask & 0xf) === 0) eca = ECA_BADMASK;
    else if (this.size >= this.#max && !this.#subs?.has(subid)) eca = ECA_ALLOCMEM;
    if (eca !== 0 || !layout) {
      this.#replies.error(ch.cid, eca, h, ch.pv.name);
      return;
    }
    const subs = this.#subs ??= new Map();
    const old = subs.get(subid);
    if (old) this.#remove(old);
    const sub: Subscription = {
      subid,
      channel: ch,
      type: h.type,
      layout,
      count: h.count,
      mask,
      pending: undefined,
      cancelled: false,
    };
    subs.set(subid, sub);
    if (!ch.subs || ch.subs.size === 0) ch.pv.listen?.(ch, true);
    (ch.subs ??= new Map()).set(subid, sub);
    const snap = ch.pv.snapshot();
    if (eventsOn) this.#replies.update(sub, snap);
    else this.#markDirty(sub, snap);
  }

  /**
   * EVENT_CANCEL: drop a subscription and confirm, or report an unknown one.
   *
   * @param req The request.
   * @param cidOf Client id of an open channel by SID.
   * @returns A notice when the subscription was unknown.
   */
  cancel(
    req: Extract<Request, { kind: "EventCancelRequest" }>,
    cidOf: (sid: number) => number | undefined,
  ): string | undefined {
    const sub = this.#subs?.get(req.subid);
    if (!sub || sub.channel.sid !== req.sid) {
      this.#replies.error(cidOf(req.sid) ?? UNKNOWN_CID, ECA_BADMONID, req.header, "");
      return `Refused cancel of unknown subscription "${req.subid}"`;
    }
    this.#remove(sub);
    this.#replies.bare(EVENT_ADD, sub.type, sub.count, req.sid, req.subid);
    return undefined;
  }

  /**
   * Drop every subscription of a channel that is going away.
   *
   * @param ch The channel.
   */
  dropChannel(ch: Channel): void {
    if (!ch.subs) return;
    for (const sub of ch.subs.values()) {
      sub.cancelled = true;
      sub.pending = undefined;
      this.#subs?.delete(sub.subid);
    }
    ch.subs = undefined;
  }

  /**
   * A channel's PV changed: mark the subscriptions whose mask matches.
   *
   * @param ch The channel.
   * @param mask DBE_* bits of the change.
   * @param snap The new state.
   * @returns Whether any subscription became dirty.
   */
  onEvent(ch: Channel, mask: number, snap: Snapshot): boolean {
    if (!ch.subs) return false;
    let any = false;
    for (const sub of ch.subs.values()) {
      if ((sub.mask & mask) !== 0) {
        this.#markDirty(sub, snap);
        any = true;
      }
    }
    return any;
  }

  /**
   * Mark every subscription of a channel dirty with its current state (after a rights change).
   *
   * @param ch The channel.
   */
  repeat(ch: Channel): void {
    if (!ch.subs || ch.subs.size === 0) return;
    const snap = ch.pv.snapshot();
    for (const sub of ch.subs.values()) this.#markDirty(sub, snap);
  }

  /** Encode the newest pending update of every dirty subscription. */
  flush(): void {
    if (this.#dirty.length === 0) return;
    const dirty = this.#dirty;
    this.#dirty = [];
    for (const sub of dirty) {
      const snap = sub.pending;
      sub.pending = undefined;
      if (snap && !sub.cancelled) this.#replies.update(sub, snap);
    }
  }

  /** Forget everything (the circuit closed). */
  clear(): void {
    this.#subs = undefined;
    this.#dirty = [];
  }

  #remove(sub: Subscription): void {
    sub.cancelled = true;
    sub.pending = undefined;
    this.#subs?.delete(sub.subid);
    const ch = sub.channel;
    if (ch.subs?.delete(sub.subid) && ch.subs.size === 0) ch.pv.listen?.(ch, false);
  }

  #markDirty(sub: Subscription, snap: Snapshot): void {
    if (sub.pending === undefined) this.#dirty.push(sub);
    sub.pending = snap;
  }
}
