/**
 * The bytes a circuit has for its client: messages encoded little-endian with the server's
 * direction bit, straight into one growing buffer that is handed out as one socket write (no
 * buffer per message, no copy to join them).
 *
 * @module
 */

import { type PvaMessage, PvaWriter, writeMessage } from "../protocol/mod.ts";

/** Above this size a taken buffer is not reused, so a burst does not pin its memory. */
const KEEP_CAPACITY = 64 * 1024;
const INITIAL_SIZE = 1024;

/** Encoded messages waiting for the socket. */
export class OutQueue {
  #w = new PvaWriter({ initialSize: INITIAL_SIZE });

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
   * Take everything queued.
   *
   * @returns One buffer, or `undefined` when empty.
   */
  take(): Uint8Array | undefined {
    const length = this.#w.length;
    if (length === 0) return undefined;
    const out = this.#w.finish();
    if (length > KEEP_CAPACITY) this.#w = new PvaWriter({ initialSize: INITIAL_SIZE });
    else this.#w.reset();
    return out;
  }
}
