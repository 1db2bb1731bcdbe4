/**
 * A growable output buffer that messages are encoded into, so encoding allocates nothing per
 * message once the buffer has reached its working size. The backing store is allocated on the
 * first write and can be released while empty, so an idle connection holds none.
 *
 * @module
 */

const EMPTY = new Uint8Array(0);
const EMPTY_VIEW = new DataView(EMPTY.buffer);

/** Bytes appended by encoders; read with {@linkcode OutBuffer.take}. */
export class OutBuffer {
  #bytes: Uint8Array = EMPTY;
  #view: DataView = EMPTY_VIEW;
  #length = 0;
  readonly #initialSize: number;

  /**
   * @param initialSize Capacity allocated by the first write.
   */
  constructor(initialSize = 4096) {
    this.#initialSize = Math.max(16, initialSize);
  }

  /** Bytes written and not yet taken. */
  get length(): number {
    return this.#length;
  }

  /** The whole backing store (valid until the next {@linkcode OutBuffer.reserve}). */
  get bytes(): Uint8Array {
    return this.#bytes;
  }

  /** A DataView over {@linkcode OutBuffer.bytes}. */
  get view(): DataView {
    return this.#view;
  }

  /**
   * Make room for `n` more bytes.
   *
   * @param n Bytes about to be written.
   * @returns The offset at which to write them; call {@linkcode OutBuffer.commit} afterwards.
   */
  reserve(n: number): number {
    const need = this.#length + n;
    if (need > this.#bytes.length) {
      let size = Math.max(this.#bytes.length * 2, this.#initialSize);
      while (size < need) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(this.#bytes.subarray(0, this.#length));
      this.#bytes = grown;
      this.#view = new DataView(grown.buffer);
    }
    return this.#length;
  }

  /**
   * Mark `n` bytes after the current end as written.
   *
   * @param n Bytes written at the offset {@linkcode OutBuffer.reserve} returned.
   */
  commit(n: number): void {
    this.#length += n;
  }

  /**
   * Append raw bytes.
   *
   * @param data Bytes to copy.
   */
  append(data: Uint8Array): void {
    const at = this.reserve(data.length);
    this.#bytes.set(data, at);
    this.#length += data.length;
  }

  /**
   * Hand out everything written so far and start empty. The returned view stays valid until the
   * buffer is written again, so callers alternate two buffers while a write is in flight.
   *
   * @returns The written bytes (a view, not a copy).
   */
  take(): Uint8Array {
    const out = this.#bytes.subarray(0, this.#length);
    this.#length = 0;
    return out;
  }

  /**
   * Drop the backing store when nothing is pending; the next write allocates a new one, so views
   * handed out by {@linkcode OutBuffer.take} keep their bytes.
   */
  release(): void {
    if (this.#length !== 0 || this.#bytes === EMPTY) return;
    this.#bytes = EMPTY;
    this.#view = EMPTY_VIEW;
  }
}
