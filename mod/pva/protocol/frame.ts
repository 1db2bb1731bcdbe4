/**
 * Framing (§1.1, §1.6): turning bytes into messages. {@linkcode FrameSplitter} cuts a TCP stream
 * that arrives in arbitrary pieces into header + payload frames; {@linkcode splitDatagram} does
 * the same for one UDP datagram (several messages back to back, no control messages).
 *
 * @module
 */

import { RemoteProtocolError } from "./errors.ts";
import { type Header, HEADER_SIZE, readHeader } from "./header.ts";
import { detach } from "./writer.ts";

/** One message as received: its header and its payload (empty for control messages). */
export interface Frame {
  /** The decoded header. */
  header: Header;
  /** The payload bytes (a copy owned by the frame). */
  payload: Uint8Array;
}

/** Options of {@linkcode FrameSplitter}. */
export interface FrameSplitterOptions {
  /**
   * Largest payload accepted in one message (segment); a larger header is refused before its body
   * is buffered.
   * @default {67108864}
   */
  maxPayload?: number;
}

/** Default {@linkcode FrameSplitterOptions.maxPayload}: 64 MiB. */
export const DEFAULT_MAX_PAYLOAD = 64 * 1024 * 1024;

/** Keeps partial input between calls and hands out complete frames. */
export class FrameSplitter {
  #buf = new Uint8Array(64 * 1024);
  #view = new DataView(this.#buf.buffer);
  #start = 0;
  #end = 0;
  #maxPayload: number;

  /**
   * @param options Size limit.
   * @example Usage
   * ```ts
   * import { FrameSplitter } from "./frame.ts";
   * const s = new FrameSplitter();
   * s.push(new Uint8Array([0xca, 2, 0x41, 2])).length; // 0
   * s.push(new Uint8Array([0, 0, 0, 0]))[0]?.header.command; // 2
   * ```
   */
  constructor(options: FrameSplitterOptions = {}) {
    this.#maxPayload = options.maxPayload ?? DEFAULT_MAX_PAYLOAD;
  }

  /** Bytes received and not yet returned as frames. */
  get pending(): number {
    return this.#end - this.#start;
  }

  #append(chunk: Uint8Array): void {
    if (this.#end + chunk.length > this.#buf.length) {
      const live = this.#end - this.#start;
      if (live + chunk.length > this.#buf.length) {
        let size = Math.max(this.#buf.length * 2, 1024);
        while (size < live + chunk.length) size *= 2;
        const grown = new Uint8Array(size);
        grown.set(this.#buf.subarray(this.#start, this.#end));
        // The frames of the last push are no longer valid: free the old buffer now.
        detach(this.#buf);
        this.#buf = grown;
        this.#view = new DataView(grown.buffer);
      } else {
        this.#buf.copyWithin(0, this.#start, this.#end);
      }
      this.#start = 0;
      this.#end = live;
    }
    this.#buf.set(chunk, this.#end);
    this.#end += chunk.length;
  }

  /**
   * Free the buffer now (the connection closed), rather than when the splitter is collected:
   * a splitter outlives young-generation collections and would hold its buffer until a full one.
   * A push after this starts over with a new buffer.
   */
  release(): void {
    detach(this.#buf);
    this.#buf = new Uint8Array(0);
    this.#view = new DataView(this.#buf.buffer);
    this.#start = this.#end = 0;
  }

  /**
   * Add received bytes and take every frame now complete.
   *
   * @param chunk Bytes as read from the socket (copied).
   * @returns The complete frames, in order. Their payloads are views into the splitter's buffer,
   *   valid until the next push: decode them first (a client sends 10,000s of small messages in
   *   a burst, and a copy each is an allocation each; {@linkcode SegmentAssembler} copies the
   *   segments it keeps).
   * @throws {RemoteProtocolError} On a bad header or a payload above the limit; the stream
   *   cannot be resynchronised, so close the connection.
   */
  push(chunk: Uint8Array): Frame[] {
    this.#append(chunk);
    const out: Frame[] = [];
    for (;;) {
      const h = readHeader(this.#view, this.#start, this.#end);
      if (!h) break;
      const size = h.control ? 0 : h.size;
      if (size > this.#maxPayload) {
        throw new RemoteProtocolError(
          `Cannot accept message ${h.command}: payload of ${size} bytes exceeds ${this.#maxPayload}`,
        );
      }
      if (this.#end - this.#start < HEADER_SIZE + size) break;
      const at = this.#start + HEADER_SIZE;
      out.push({ header: h, payload: this.#buf.subarray(at, at + size) });
      this.#start = at + size;
    }
    if (this.#start === this.#end) this.#start = this.#end = 0;
    return out;
  }
}

/**
 * Split one UDP datagram into its messages.
 *
 * @param datagram The whole datagram.
 * @returns Its frames in order.
 * @throws {RemoteProtocolError} On a bad header, a truncated message, a control message or a
 *   segmented one (pvxs drops such datagrams).
 * @example Usage
 * ```ts
 * import { splitDatagram } from "./frame.ts";
 * splitDatagram(new Uint8Array([0xca, 2, 0x80, 2, 0, 0, 0, 0]))[0]?.header.command; // 2
 * ```
 */
export function splitDatagram(datagram: Uint8Array): Frame[] {
  const view = new DataView(datagram.buffer, datagram.byteOffset, datagram.byteLength);
  const out: Frame[] = [];
  let at = 0;
  while (at < datagram.length) {
    const h = readHeader(view, at, datagram.length);
    if (!h) throw new RemoteProtocolError(`Cannot split datagram: truncated header at ${at}`);
    if (h.control || h.segment !== "none") {
      throw new RemoteProtocolError("Cannot split datagram: control or segmented message");
    }
    const body = at + HEADER_SIZE;
    if (body + h.size > datagram.length) {
      throw new RemoteProtocolError(`Cannot split datagram: message ${h.command} is truncated`);
    }
    out.push({ header: h, payload: datagram.slice(body, body + h.size) });
    at = body + h.size;
  }
  return out;
}
