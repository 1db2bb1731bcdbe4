/**
 * Reassembly of server replies from a TCP byte stream, with bounded buffering.
 *
 * @module
 */

import { RemoteProtocolError } from "./errors.ts";
import { type DecodedHeader, readHeader } from "./header.ts";

const INITIAL_INPUT = 64 * 1024;

/** One whole message taken from the stream. */
export interface Frame {
  /** Its header. */
  readonly header: DecodedHeader;
  /** Its payload: a view into the input buffer, valid until the next {@linkcode ReplyReader.push}. */
  readonly payload: Uint8Array;
}

/**
 * Collects received chunks and hands out whole messages. The payload size is checked against the
 * limit as soon as a header is complete, before waiting for the body.
 *
 * @example Usage
 * ```ts
 * import { ReplyReader } from "./client_messages.ts";
 * const reader = new ReplyReader({ maxPayloadBytes: 1024 });
 * reader.push(new Uint8Array([0, 23, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
 * reader.next()?.header.cmd; // 23 (ECHO)
 * ```
 */
export class ReplyReader {
  #in = new Uint8Array(INITIAL_INPUT);
  #inView = new DataView(this.#in.buffer);
  #start = 0;
  #end = 0;
  #maxPayload: number;

  /**
   * Create an empty reader.
   *
   * @param options `maxPayloadBytes`: the largest payload accepted.
   */
  constructor(options: { maxPayloadBytes: number }) {
    this.#maxPayload = options.maxPayloadBytes;
  }

  /**
   * Append received bytes.
   *
   * @param chunk Received bytes (copied; the caller may reuse the buffer).
   * @throws {RemoteProtocolError} When more input is pending than any one message may need.
   */
  push(chunk: Uint8Array): void {
    const live = this.#end - this.#start;
    if (this.#end + chunk.length > this.#in.length) {
      if (live + chunk.length > this.#maxPayload + INITIAL_INPUT) {
        throw new RemoteProtocolError(`Cannot buffer more input: ${live + chunk.length} bytes`);
      }
      if (live + chunk.length > this.#in.length) {
        let size = this.#in.length * 2;
        while (size < live + chunk.length) size *= 2;
        const grown = new Uint8Array(size);
        grown.set(this.#in.subarray(this.#start, this.#end));
        this.#in = grown;
        this.#inView = new DataView(grown.buffer);
      } else {
        this.#in.copyWithin(0, this.#start, this.#end);
      }
      this.#start = 0;
      this.#end = live;
    }
    this.#in.set(chunk, this.#end);
    this.#end += chunk.length;
  }

  /**
   * Take the next whole message.
   *
   * @returns The message, or `undefined` until more bytes arrive.
   * @throws {RemoteProtocolError} When the payload size is misaligned or over the limit.
   */
  next(): Frame | undefined {
    const h = readHeader(this.#inView, this.#start, this.#end);
    if (h) {
      if ((h.size & 7) !== 0) {
        throw new RemoteProtocolError(`Cannot accept misaligned payload size "${h.size}"`);
      }
      if (h.size > this.#maxPayload) {
        throw new RemoteProtocolError(
          `Cannot accept payload of ${h.size} bytes: limit is ${this.#maxPayload}`,
        );
      }
      const total = h.headerSize + h.size;
      if (this.#end - this.#start >= total) {
        const payload = this.#in.subarray(this.#start + h.headerSize, this.#start + total);
        this.#start += total;
        return { header: h, payload };
      }
    }
    if (this.#start === this.#end) this.#start = this.#end = 0;
    return undefined;
  }
}
