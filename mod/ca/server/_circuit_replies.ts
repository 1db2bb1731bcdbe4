/**
 * A circuit's outgoing bytes: two output buffers that alternate while a write is in flight, and the
 * encoders of every server message a circuit sends. Hot paths (read replies, monitor updates)
 * reuse one header object and one request object, so encoding allocates nothing per message.
 *
 * @module
 */

import type { Snapshot } from "./_channel_source.ts";
import { type Channel, elementCount, type Subscription } from "./_circuit_channel.ts";
import {
  EVENT_ADD,
  READ,
  READ_NOTIFY,
  writeError,
  writeVersion,
  writeWithPayload,
} from "../protocol/commands.ts";
import { DBR_LAYOUTS, type DbrLayout, dbrLayout, dbrSize, encodeDbrTo } from "../protocol/dbr.ts";
import {
  align8,
  type DecodedHeader,
  EXTENDED_HEADER_SIZE,
  type Header,
  HEADER_SIZE,
  needsExtended,
  setHeader,
  writeHeader,
} from "../protocol/header.ts";
import { OutBuffer } from "../protocol/out_buffer.ts";
import { ECA_BADTYPE, ECA_NORDACCESS, ECA_NORMAL, ECA_TOLARGE } from "../protocol/status.ts";

const OUT_INITIAL = 512;

// Scratch state shared by every circuit: encoding is synchronous, so no two circuits use it at
// once, and an idle circuit does not carry its own copies.
/** Monitor payloads are encoded here once, then copied to each subscriber's output. */
const scratch = new OutBuffer(OUT_INITIAL);
/** Header fields of the message being written; writeHeader copies them out at once. */
const hdr: Header = { cmd: 0, size: 0, type: 0, count: 0, p1: 0, p2: 0 };
/** Layout and element count of the payload being encoded. */
const enc: { layout: DbrLayout; n: number } = { layout: DBR_LAYOUTS[0]!, n: 0 };

/** Encodes replies and hands them out in batches. */
export class Replies {
  // Small first allocations (most batches are a few headers); they grow by doubling as needed.
  #out = new OutBuffer(OUT_INITIAL);
  #spare = new OutBuffer(OUT_INITIAL);

  /** Queue the server VERSION that greets every client. */
  constructor() {
    writeVersion(this.#out);
  }

  /** Bytes queued. */
  get length(): number {
    return this.#out.length;
  }

  /**
   * Everything queued, swapping buffers; the view stays valid until the next call.
   *
   * @returns The bytes, or `undefined` when nothing is queued.
   */
  take(): Uint8Array | undefined {
    if (this.#out.length === 0) return undefined;
    const out = this.#out;
    this.#out = this.#spare;
    this.#spare = out;
    return out.take();
  }

  /** Drop the buffers while nothing is queued (the last batch handed out has been written). */
  release(): void {
    this.#out.release();
    this.#spare.release();
  }

  /**
   * A message without payload.
   *
   * @param cmd Command.
   * @param type Type field.
   * @param count Count field.
   * @param p1 Parameter 1.
   * @param p2 Parameter 2.
   */
  bare(cmd: number, type: number, count: number, p1: number, p2: number): void {
    const out = this.#out;
    const at = out.reserve(EXTENDED_HEADER_SIZE);
    out.commit(writeHeader(out.view, at, this.#fields(cmd, 0, type, count, p1, p2)));
  }

  /**
   * Echo a request's header with a copied payload (ECHO).
   *
   * @param h The request header.
   * @param payload Its payload.
   */
  echo(h: DecodedHeader, payload: Uint8Array): void {
    writeWithPayload(this.#out, h, payload);
  }

  /**
   * CA_PROTO_ERROR about a request.
   *
   * @param cid Client channel id (0xFFFFFFFF if none).
   * @param eca Status code.
   * @param request The offending request's header.
   * @param text Context, usually the PV name.
   */
  error(cid: number, eca: number, request: DecodedHeader, text: string): void {
    writeError(this.#out, { cid, eca, request, text });
  }

  /**
   * The reply to READ or READ_NOTIFY.
   *
   * @param ch The channel.
   * @param h The request's header: `type`, `count`, and the ioid in `p2`.
   * @param minor The client's protocol minor version.
   */
  read(ch: Channel, h: DecodedHeader, minor: number): void {
    const type = h.type;
    const ioid = h.p2;
    const layout = dbrLayout(type);
    const notify = h.cmd === READ_NOTIFY;
    if (!notify) {
      if (!layout?.readable || !(ch.rights & 1)) {
        const eca = layout?.readable ? ECA_NORDACCESS : ECA_BADTYPE;
        this.error(ch.cid, eca, h, ch.pv.name);
        return;
      }
    }
    const cmd = notify ? READ_NOTIFY : READ;
    if (!layout || !layout.readable) {
      this.failed(cmd, type, h.count, ECA_BADTYPE, ioid, 8);
      return;
    }
    const snap = ch.pv.snapshot();
    const n = elementCount(layout, h.count, snap, ch.pv);
    const size = Math.max(8, align8(dbrSize(layout, n)));
    if (needsExtended(size, n) && minor < 9) {
      this.failed(cmd, type, h.count, ECA_TOLARGE, ioid, 8);
      return;
    }
    if (!(ch.rights & 1)) {
      this.failed(cmd, type, n, ECA_NORDACCESS, ioid, size);
      return;
    }
    // Encode first, then write the header: a failed conversion changes P1 (READ_NOTIFY only).
    const out = this.#out;
    const at = out.reserve(EXTENDED_HEADER_SIZE + size);
    const hs = needsExtended(size, n) ? EXTENDED_HEADER_SIZE : HEADER_SIZE;
    enc.layout = layout;
    enc.n = n;
    const r = encodeDbrTo(out, at + hs, enc, snap);
    let p1 = notify ? ECA_NORMAL : ch.cid;
    if (r < 0) {
      out.bytes.fill(0, at + hs, at + hs + size);
      if (notify) p1 = -r;
    } else if (r < size) out.bytes.fill(0, at + hs + r, at + hs + size);
    writeHeader(out.view, at, this.#fields(cmd, size, type, n, p1, ioid));
    out.commit(hs + size);
  }

  /**
   * A data reply carrying a failure status and a zeroed payload.
   *
   * @param cmd READ, READ_NOTIFY or EVENT_ADD.
   * @param type Requested type.
   * @param count Count field.
   * @param eca Status (P1).
   * @param p2 ioid or subid.
   * @param size Payload bytes.
   */
  failed(cmd: number, type: number, count: number, eca: number, p2: number, size: number): void {
    const out = this.#out;
    const at = out.reserve(EXTENDED_HEADER_SIZE + size);
    const hs = writeHeader(out.view, at, this.#fields(cmd, size, type, count, eca, p2));
    out.bytes.fill(0, at + hs, at + hs + size);
    out.commit(hs + size);
  }

  /**
   * A monitor update (EVENT_ADD) for a subscription; the encoded payload is cached on the snapshot
   * for every other subscription with the same type and count.
   *
   * @param sub The subscription.
   * @param snap The state to send.
   */
  update(sub: Subscription, snap: Snapshot): void {
    const { layout, channel } = sub;
    const n = elementCount(layout, sub.count, snap, channel.pv);
    const size = Math.max(8, align8(dbrSize(layout, n)));
    if (!(channel.rights & 1)) {
      this.failed(EVENT_ADD, sub.type, n, ECA_NORDACCESS, sub.subid, size);
      return;
    }
    const key = sub.type + 64 * n;
    let payload = snap.encoded?.get(key);
    let eca = ECA_NORMAL;
    if (!payload) {
      const at = scratch.reserve(size);
      scratch.bytes.fill(0, at, at + size);
      enc.layout = layout;
      enc.n = n;
      const r = encodeDbrTo(scratch, at, enc, snap);
      payload = scratch.bytes.slice(at, at + size);
      scratch.take();
      if (r < 0) {
        payload.fill(0);
        eca = -r;
      } else (snap.encoded ??= new Map()).set(key, payload);
    }
    const out = this.#out;
    const at = out.reserve(EXTENDED_HEADER_SIZE + size);
    const hs = writeHeader(
      out.view,
      at,
      this.#fields(EVENT_ADD, size, sub.type, n, eca, sub.subid),
    );
    out.bytes.set(payload, at + hs);
    out.commit(hs + size);
  }

  /** The reused header object, filled in. */
  #fields(cmd: number, size: number, type: number, count: number, p1: number, p2: number): Header {
    return setHeader(hdr, cmd, size, type, count, p1, p2);
  }
}
