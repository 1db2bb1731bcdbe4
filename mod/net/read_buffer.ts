/**
 * The read buffer of one TCP connection, sized by what arrives: an idle connection keeps one
 * small read pending; a read that fills the buffer doubles it for the next one, and a small read
 * of a grown buffer goes back to the minimum, so thousands of quiet clients do not hold 64 KiB
 * each while a busy one reads in large chunks. Both protocol servers use it.
 *
 * @module
 */

const READ_MIN = 1024;
const READ_MAX = 64 * 1024;

/** A read buffer that adapts its size to the reads. */
export class AdaptiveReadBuffer {
  #buf = new Uint8Array(READ_MIN);

  /**
   * The buffer to pass to the next `read`.
   *
   * @returns The current buffer.
   */
  get buffer(): Uint8Array {
    return this.#buf;
  }

  /**
   * Account for a read of `n` bytes into {@linkcode AdaptiveReadBuffer.buffer} and return them.
   * Call after the bytes are consumed or copied: the next read may reuse the memory.
   *
   * @param n Bytes read.
   * @returns The bytes read.
   * @example Usage
   * ```ts
   * import { AdaptiveReadBuffer } from "./read_buffer.ts";
   * const reads = new AdaptiveReadBuffer();
   * reads.buffer.length; // 1024
   * reads.filled(1024);
   * reads.buffer.length; // 2048
   * ```
   */
  filled(n: number): Uint8Array {
    const data = this.#buf.subarray(0, n);
    if (n === this.#buf.length && n < READ_MAX) this.#buf = new Uint8Array(n * 2);
    else if (n < this.#buf.length / 4 && this.#buf.length > READ_MIN) {
      this.#buf = new Uint8Array(READ_MIN);
    }
    return data;
  }
}
