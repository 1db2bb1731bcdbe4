/**
 * The bytes a circuit has for its client: messages encoded little-endian with the server's
 * direction bit, handed out as one buffer per socket write.
 *
 * @module
 */

import { encodeMessage, type PvaMessage } from "../protocol/mod.ts";

/** Encoded messages waiting for the socket. */
export class OutQueue {
  #parts: Uint8Array[] = [];
  #bytes = 0;

  /** Bytes queued. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Whether nothing is queued. */
  get empty(): boolean {
    return this.#parts.length === 0;
  }

  /**
   * Queue raw bytes (the greeting).
   *
   * @param bytes Encoded messages.
   */
  push(bytes: Uint8Array): void {
    this.#parts.push(bytes);
    this.#bytes += bytes.length;
  }

  /**
   * Queue a message.
   *
   * @param m The message.
   */
  send(m: PvaMessage): void {
    this.push(encodeMessage(m, { fromServer: true }));
  }

  /**
   * Take everything queued.
   *
   * @returns One buffer, or `undefined` when empty.
   */
  take(): Uint8Array | undefined {
    const parts = this.#parts;
    if (parts.length === 0) return undefined;
    let out = parts[0]!;
    if (parts.length > 1) {
      out = new Uint8Array(this.#bytes);
      let at = 0;
      for (const p of parts) {
        out.set(p, at);
        at += p.length;
      }
    }
    this.#parts = [];
    this.#bytes = 0;
    return out;
  }
}
