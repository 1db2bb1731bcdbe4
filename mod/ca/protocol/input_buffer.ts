/**
 * Received TCP bytes (server or client side of a circuit): one growable buffer with a read
 * offset, compacted only when a chunk does not fit, so consuming a message copies nothing. Its
 * size is bounded by the caller's limit. Storage is allocated on demand and can be released while
 * empty; a caller that processes each chunk at once may lend it instead
 * ({@linkcode InputBuffer.lend}) and keep only the unfinished tail ({@linkcode InputBuffer.detach}).
 *
 * @module
 */

import { RemoteProtocolError } from "./errors.ts";
import { type DecodedHeader, readHeader, readHeaderInto } from "./header.ts";

/** First capacity of an owned buffer; it doubles as needed. */
const INITIAL_INPUT = 4096;
const EMPTY = new Uint8Array(0);
const EMPTY_VIEW = new DataView(EMPTY.buffer);

/** Bytes received and not yet consumed. */
export class InputBuffer {
  #in: Uint8Array = EMPTY;
  #view: DataView = EMPTY_VIEW;
  #start = 0;
  #end = 0;
  /** `#in` is the caller's chunk, valid only until {@linkcode InputBuffer.detach}. */
  #lent = false;

  /**
   * Append received bytes.
   *
   * @param chunk The bytes (copied).
   * @param limit Most bytes that may be pending.
   * @throws {RemoteProtocolError} When more than `limit` bytes would be pending.
   */
  append(chunk: Uint8Array, limit: number): void {
    if (this.#lent) this.#own(0);
    const len = chunk.length;
    if (this.#end + len > this.#in.length) {
      const live = this.#end - this.#start;
      if (live + len > limit) {
        throw new RemoteProtocolError(`Cannot buffer more input: ${live + len} bytes pending`);
      }
      if (live + len > this.#in.length) this.#own(live + len);
      else {
        this.#in.copyWithin(0, this.#start, this.#end);
        this.#start = 0;
        this.#end = live;
      }
    }
    this.#in.set(chunk, this.#end);
    this.#end += len;
  }

  /**
   * Take received bytes without copying them when nothing is pending: the buffer reads the
   * caller's chunk in place until {@linkcode InputBuffer.detach}, which the caller must call
   * before it reuses the chunk.
   *
   * @param chunk The bytes.
   * @param limit Most bytes that may be pending.
   * @throws {RemoteProtocolError} When more than `limit` bytes would be pending.
   */
  lend(chunk: Uint8Array, limit: number): void {
    if (this.#start !== this.#end || this.#lent) {
      this.append(chunk, limit);
      return;
    }
    if (chunk.length > limit) {
      throw new RemoteProtocolError(`Cannot buffer more input: ${chunk.length} bytes pending`);
    }
    this.#in = chunk;
    this.#view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.#start = 0;
    this.#end = chunk.length;
    this.#lent = true;
  }

  /**
   * Stop reading a lent chunk: copy its unconsumed tail into owned storage (sized to fit), or hold
   * nothing when all of it was consumed.
   */
  detach(): void {
    if (!this.#lent) return;
    if (this.#end === this.#start) this.release();
    else this.#own(this.#end - this.#start);
  }

  /** Drop the storage while nothing is pending (an idle connection); the next bytes allocate anew. */
  release(): void {
    if (this.#end !== this.#start) return;
    this.#in = EMPTY;
    this.#view = EMPTY_VIEW;
    this.#start = this.#end = 0;
    this.#lent = false;
  }

  /** Move the live bytes into a new owned buffer of at least `need` bytes. */
  #own(need: number): void {
    need = Math.max(need, this.#end - this.#start);
    let size = Math.max(INITIAL_INPUT, this.#lent ? 0 : this.#in.length * 2);
    while (size < need) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.#in.subarray(this.#start, this.#end));
    this.#end -= this.#start;
    this.#start = 0;
    this.#in = grown;
    this.#view = new DataView(grown.buffer);
    this.#lent = false;
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
    if (this.#start === this.#end && !this.#lent) this.#start = this.#end = 0;
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
    if (!h && this.#start === this.#end && !this.#lent) this.#start = this.#end = 0;
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
