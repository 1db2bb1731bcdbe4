/**
 * The requests a client circuit has in flight (reads, subscriptions, puts with callback) and the
 * events their answers become. Pure: no I/O, no clock.
 *
 * @module
 */

import type { ClientEvent } from "./_client_events.ts";
import type { Reply } from "./_client_replies.ts";
import { toChannelValue } from "./_client_time_value.ts";
import { EVENT_ADD, READ_NOTIFY, WRITE, WRITE_NOTIFY } from "./commands.ts";
import { ECA_BADTYPE, ECA_NORMAL } from "./status.ts";

/** A subscription as EVENT_ADD asked for it (EVENT_CANCEL repeats type and count). */
export interface Subscription {
  /** Client channel id. */
  readonly cid: number;
  /** Whether the channel has more than one element (values stay arrays). */
  readonly array: boolean;
  /** DBR type asked for. */
  readonly type: number;
  /** Element count asked for. */
  readonly count: number;
}

/** Replies that answer a request in flight. */
export type AnswerReply = Extract<
  Reply,
  { kind: "EventAddReply" | "ReadNotifyReply" | "WriteNotifyReply" | "ErrorReply" }
>;

const U32 = 0x1_0000_0000;

/**
 * Requests in flight on one circuit, by the id their answers carry.
 *
 * @example Usage
 * ```ts
 * import { PendingRequests } from "./client_messages.ts";
 * const pending = new PendingRequests();
 * const ioid = pending.addRead(1, false);
 * pending.dropChannel(1); // the read is forgotten; a late answer becomes no event
 * ioid; // 1
 * ```
 */
export class PendingRequests {
  #subs = new Map<number, Subscription>();
  #reads = new Map<number, { readonly cid: number; readonly array: boolean }>();
  #writes = new Map<number, { readonly cid: number }>();
  #nextId = 1;

  /**
   * Record a READ_NOTIFY.
   *
   * @param cid Client channel id.
   * @param array Whether the channel has more than one element.
   * @returns The request id to send.
   */
  addRead(cid: number, array: boolean): number {
    const ioid = this.#allocate(this.#reads);
    this.#reads.set(ioid, { cid, array });
    return ioid;
  }

  /**
   * Record an EVENT_ADD.
   *
   * @param sub What was asked for.
   * @returns The subscription id to send.
   */
  addSubscription(sub: Subscription): number {
    const subid = this.#allocate(this.#subs);
    this.#subs.set(subid, sub);
    return subid;
  }

  /**
   * Record a WRITE_NOTIFY.
   *
   * @param cid Client channel id.
   * @returns The request id to send.
   */
  addWrite(cid: number): number {
    const ioid = this.#allocate(this.#writes);
    this.#writes.set(ioid, { cid });
    return ioid;
  }

  /**
   * Forget a subscription; later updates for it become no event.
   *
   * @param subid Subscription id.
   * @returns The subscription, if it was known.
   */
  removeSubscription(subid: number): Subscription | undefined {
    const sub = this.#subs.get(subid);
    this.#subs.delete(subid);
    return sub;
  }

  /**
   * Forget every request of a channel (cleared or gone).
   *
   * @param cid Client channel id.
   */
  dropChannel(cid: number): void {
    for (const [id, sub] of this.#subs) if (sub.cid === cid) this.#subs.delete(id);
    for (const [id, read] of this.#reads) if (read.cid === cid) this.#reads.delete(id);
    for (const [id, write] of this.#writes) if (write.cid === cid) this.#writes.delete(id);
  }

  /**
   * The event a reply means for the request it answers.
   *
   * @param reply A data, put or error reply.
   * @returns The event, or `undefined` when nobody waits for the answer any more.
   */
  answer(reply: AnswerReply): ClientEvent | undefined {
    switch (reply.kind) {
      case "EventAddReply": {
        const sub = this.#subs.get(reply.subid);
        if (!sub) return undefined;
        const value = reply.eca === ECA_NORMAL ? toChannelValue(reply, sub.array) : undefined;
        return value
          ? { kind: "MonitorUpdate", cid: sub.cid, subid: reply.subid, value }
          : { kind: "MonitorFailed", cid: sub.cid, subid: reply.subid, eca: failure(reply.eca) };
      }
      case "ReadNotifyReply": {
        const read = this.#reads.get(reply.ioid);
        if (!read) return undefined;
        this.#reads.delete(reply.ioid);
        const value = reply.eca === ECA_NORMAL ? toChannelValue(reply, read.array) : undefined;
        return value
          ? { kind: "ReadDone", cid: read.cid, ioid: reply.ioid, value }
          : { kind: "ReadFailed", cid: read.cid, ioid: reply.ioid, eca: failure(reply.eca) };
      }
      case "WriteNotifyReply":
        return this.#writeAnswer(reply.ioid, reply.eca, "");
      case "ErrorReply":
        return this.#error(reply);
    }
  }

  #writeAnswer(ioid: number, eca: number, text: string): ClientEvent | undefined {
    const write = this.#writes.get(ioid);
    if (!write) return undefined;
    this.#writes.delete(ioid);
    return eca === ECA_NORMAL
      ? { kind: "WriteDone", cid: write.cid, ioid }
      : { kind: "WriteFailed", cid: write.cid, ioid, eca, text };
  }

  #error(reply: Extract<Reply, { kind: "ErrorReply" }>): ClientEvent | undefined {
    const request = reply.request;
    const id = request?.p2 ?? 0;
    if (request?.cmd === WRITE_NOTIFY && this.#writes.has(id)) {
      return this.#writeAnswer(id, failure(reply.eca), reply.text);
    }
    const read = request?.cmd === READ_NOTIFY ? this.#reads.get(id) : undefined;
    if (read) {
      this.#reads.delete(id);
      return { kind: "ReadFailed", cid: read.cid, ioid: id, eca: reply.eca };
    }
    const sub = request?.cmd === EVENT_ADD ? this.#subs.get(id) : undefined;
    if (sub) {
      this.#subs.delete(id);
      return { kind: "MonitorFailed", cid: sub.cid, subid: id, eca: reply.eca };
    }
    // WRITE carries the client channel id in P2; other errors name it in the header.
    const cid = request?.cmd === WRITE ? id : reply.cid;
    return { kind: "ServerError", cid, eca: reply.eca, text: reply.text };
  }

  #allocate(inUse: ReadonlyMap<number, unknown>): number {
    while (true) {
      const id = this.#nextId;
      this.#nextId = (this.#nextId + 1) % U32;
      if (!inUse.has(id)) return id;
    }
  }
}

/** A status that says success on a reply without a usable value is still a failure. */
function failure(eca: number): number {
  return eca === ECA_NORMAL ? ECA_BADTYPE : eca;
}
