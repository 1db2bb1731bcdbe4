/**
 * The bytes a circuit has for its client: messages encoded little-endian with the server's
 * direction bit, straight into one growing buffer that is handed out as one socket write (no
 * buffer per message, no copy to join them).
 *
 * @module
 */

import { type PvaMessage, PvaWriter, writeMessage } from "../protocol/mod.ts";

/** Above this size a buffer is given up once output is small again, so a burst does not pin it. */
const KEEP_CAPACITY = 64 * 1024;
const INITIAL_SIZE = 1024;

/**
 * Encoded messages waiting for the socket, in two buffers taking turns: one is being written to
 * the socket while the other fills. A burst of 10,000 requests hands out hundreds of KiB per read;
 * a fresh buffer (grown by doubling) and a copy per take would churn the allocator.
 */
export class OutQueue {
  #w = new PvaWriter({ initialSize: INITIAL_SIZE });
  #spare = new PvaWriter({ initialSize: INITIAL_SIZE });

  /** Bytes queued. */
  get bytes(): number {
    return this.#w.length;
  }

  /** Whether nothing is queued. */
  get empty(): boolean {
    return this.#w.length === 0;
  }

  /**
   * Queue raw bytes (the greeting, or messages encoded elsewhere).
   *
   * @param bytes Encoded messages.
   */
  push(bytes: Uint8Array): void {
    this.#w.bytes(bytes);
  }

  /**
   * Queue a message.
   *
   * @param m The message.
   */
  send(m: PvaMessage): void {
    writeMessage(this.#w, m, { fromServer: true });
  }

  /**
   * Take everything queued, without a copy: the bytes stay valid until the next take but one,
   * so write them out before taking again (as the server does: it takes once a write is done).
   *
   * @returns One buffer, or `undefined` when empty.
   */
  take(): Uint8Array | undefined {
    const length = this.#w.length;
    if (length === 0) return undefined;
    const out = this.#w.view();
    const next = this.#spare.capacity > KEEP_CAPACITY && length <= KEEP_CAPACITY / 4
      ? new PvaWriter({ initialSize: INITIAL_SIZE })
      : this.#spare;
    next.reset();
    this.#spare = this.#w;
    this.#w = next;
    return out;
  }

  /**
   * Free both buffers now (the connection closed): nothing queued is sent, and the bytes of the
   * last take must already be written.
   */
  close(): void {
    this.#w.discard();
    this.#spare.discard();
  }

  /** Give up large buffers (a quiet connection); what is queued is kept. */
  release(): void {
    if (this.#spare.capacity > KEEP_CAPACITY) {
      this.#spare = new PvaWriter({ initialSize: INITIAL_SIZE });
    }
    if (this.#w.length === 0 && this.#w.capacity > KEEP_CAPACITY) {
      this.#w = new PvaWriter({ initialSize: INITIAL_SIZE });
    }
  }
}
