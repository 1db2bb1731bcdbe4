/**
 * Received TCP bytes (server or client side of a circuit): one growable buffer with a read
 * offset, compacted only when a chunk does not fit, so consuming a message copies nothing. Its
 * size is bounded by the caller's limit.
 *
 * @module
 */

import { RemoteProtocolError } from "./errors.ts";
import { type DecodedHeader, readHeader, readHeaderInto } from "./header.ts";

const INITIAL_INPUT = 64 * 1024;

/** Bytes received and not yet consumed. */
export class InputBuffer {
  #in = new Uint8Array(INITIAL_INPUT);
  #view = new DataView(this.#in.buffer);
  #start = 0;
  #end = 0;

  /**
   * Append received bytes.
   *
   * @param chunk The bytes (copied).
   * @param limit Most bytes that may be pending.
   * @throws {RemoteProtocolError} When more than `limit` bytes would be pending.
   */
  append(chunk: Uint8Array, limit: number): void {
    const len = chunk.length;
    if (this.#end + len > this.#in.length) {
      const live = this.#end - this.#start;
      if (live + len > limit) {
        throw new RemoteProtocolError(`Cannot buffer more input: ${live + len} bytes pending`);
      }
      if (live + len > this.#in.length) {
        let size = this.#in.length * 2;
        while (size < live + len) size *= 2;
        const grown = new Uint8Array(size);
        grown.set(this.#in.subarray(this.#start, this.#end));
        this.#in = grown;
        this.#view = new DataView(grown.buffer);
      } else {
        this.#in.copyWithin(0, this.#start, this.#end);
      }
      this.#start = 0;
      this.#end = live;
    }
    this.#in.set(chunk, this.#end);
    this.#end += len;
  }

  /** The backing store; payload offsets from {@linkcode InputBuffer.consume} index into it. */
  get bytes(): Uint8Array {
    return this.#in;
  }

  /**
   * {@linkcode InputBuffer.header} into a reused object (the server's request path).
   *
   * @param h The object to fill.
   * @returns Whether the whole header has arrived.
   */
  nextHeader(h: DecodedHeader): boolean {
    if (readHeaderInto(this.#view, this.#start, this.#end, h)) return true;
    if (this.#start === this.#end) this.#start = this.#end = 0;
    return false;
  }

  /**
   * Consume the message whose header was just read, if its payload has arrived, without making a
   * view of the payload.
   *
   * @param h The header.
   * @returns The payload's offset in {@linkcode InputBuffer.bytes} (valid until the next append),
   *   or -1 when more bytes are needed.
   */
  consume(h: DecodedHeader): number {
    const total = h.headerSize + h.size;
    if (this.#end - this.#start < total) return -1;
    const bodyAt = this.#start + h.headerSize;
    this.#start += total;
    return bodyAt;
  }

  /**
   * The header of the next message, if all of it has arrived (the payload may not have).
   *
   * @returns The header, or `undefined`.
   */
  header(): DecodedHeader | undefined {
    const h = readHeader(this.#view, this.#start, this.#end);
    if (!h && this.#start === this.#end) this.#start = this.#end = 0;
    return h;
  }

  /**
   * Consume the message whose header {@linkcode InputBuffer.header} returned, if its payload has
   * arrived.
   *
   * @param h The header.
   * @returns A view of the payload (valid until the next append), or `undefined`.
   */
  take(h: DecodedHeader): Uint8Array | undefined {
    const total = h.headerSize + h.size;
    if (this.#end - this.#start < total) return undefined;
    const bodyAt = this.#start + h.headerSize;
    this.#start += total;
    return this.#in.subarray(bodyAt, bodyAt + h.size);
  }
}
