/**
 * Reassembly of server replies from a TCP byte stream, with bounded buffering.
 *
 * @module
 */

import { RemoteProtocolError } from "./errors.ts";
import type { DecodedHeader } from "./header.ts";
import { InputBuffer } from "./input_buffer.ts";

/** Bytes beyond the largest payload that may wait in the buffer (headers, the next message). */
const INPUT_SLACK = 64 * 1024;

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
  #input = new InputBuffer();
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
    this.#input.append(chunk, this.#maxPayload + INPUT_SLACK);
  }

  /**
   * Take the next whole message.
   *
   * @returns The message, or `undefined` until more bytes arrive.
   * @throws {RemoteProtocolError} When the payload size is misaligned or over the limit.
   */
  next(): Frame | undefined {
    const h = this.#input.header();
    if (!h) return undefined;
    if ((h.size & 7) !== 0) {
      throw new RemoteProtocolError(`Cannot accept misaligned payload size "${h.size}"`);
    }
    if (h.size > this.#maxPayload) {
      throw new RemoteProtocolError(
        `Cannot accept payload of ${h.size} bytes: limit is ${this.#maxPayload}`,
      );
    }
    const payload = this.#input.take(h);
    return payload ? { header: h, payload } : undefined;
  }
}
