/**
 * BitSet (§2.8): which fields of a structure a partial value carries, numbered in pre-order with
 * bit 0 the whole structure. Wire form: a size (byte count) and the bytes, least significant bit
 * first, each complete 8-byte group written as a u64 in the message byte order; trailing zero
 * bytes are dropped.
 *
 * @module
 */

import { LocalProtocolError, RemoteProtocolError } from "./errors.ts";
import type { PvaReader } from "./reader.ts";
import type { PvaWriter } from "./writer.ts";

/** Most bits a peer may send: 64 Ki fields is far beyond any real structure. */
const MAX_BYTES = 8192;

/** A growable set of non-negative bit numbers. */
export class BitSet {
  #words: number[] = [];

  /**
   * A set holding the given bits.
   *
   * @param bits Bit numbers.
   * @returns The set.
   * @example Usage
   * ```ts
   * import { BitSet } from "./bitset.ts";
   * [...BitSet.of(3, 1)]; // [1, 3]
   * ```
   */
  static of(...bits: number[]): BitSet {
    const s = new BitSet();
    for (const b of bits) s.set(b);
    return s;
  }

  /**
   * Add a bit.
   *
   * @param bit Bit number.
   * @returns This set.
   */
  set(bit: number): this {
    if (!Number.isInteger(bit) || bit < 0) throw new LocalProtocolError(`Cannot set bit ${bit}`);
    const w = bit >>> 5;
    while (this.#words.length <= w) this.#words.push(0);
    this.#words[w] = (this.#words[w]! | (1 << (bit & 31))) >>> 0;
    return this;
  }

  /**
   * Set every bit from `from` up to but excluding `to`.
   *
   * @param from First bit.
   * @param to End (exclusive).
   * @returns This set.
   */
  setRange(from: number, to: number): this {
    for (let b = from; b < to; b++) this.set(b);
    return this;
  }

  /**
   * Remove a bit.
   *
   * @param bit Bit number.
   * @returns This set.
   */
  clear(bit: number): this {
    const w = bit >>> 5;
    if (w < this.#words.length) this.#words[w] = (this.#words[w]! & ~(1 << (bit & 31))) >>> 0;
    return this;
  }

  /**
   * @param bit Bit number.
   * @returns Whether it is set.
   */
  has(bit: number): boolean {
    const w = this.#words[bit >>> 5];
    return w !== undefined && (w & (1 << (bit & 31))) !== 0;
  }

  /** True when no bit is set. */
  get empty(): boolean {
    return this.#words.every((w) => w === 0);
  }

  /**
   * The first set bit at or after `from`.
   *
   * @param from Where to start.
   * @returns The bit number, or -1.
   */
  nextSetBit(from: number): number {
    let w = from >>> 5;
    if (w >= this.#words.length) return -1;
    let word = (this.#words[w]! & (~0 << (from & 31))) >>> 0;
    for (;;) {
      if (word !== 0) return w * 32 + (31 - Math.clz32(word & -word));
      if (++w >= this.#words.length) return -1;
      word = this.#words[w]!;
    }
  }

  /** The set bits in ascending order. */
  *[Symbol.iterator](): IterableIterator<number> {
    for (let b = this.nextSetBit(0); b >= 0; b = this.nextSetBit(b + 1)) yield b;
  }

  /**
   * A new set with the bits present in both.
   *
   * @param other The other set.
   * @returns The intersection.
   */
  and(other: BitSet): BitSet {
    const out = new BitSet();
    const n = Math.min(this.#words.length, other.#words.length);
    for (let i = 0; i < n; i++) out.#words.push((this.#words[i]! & other.#words[i]!) >>> 0);
    return out;
  }

  /**
   * Add every bit of `other` to this set.
   *
   * @param other The other set.
   * @returns This set.
   */
  orInPlace(other: BitSet): this {
    while (this.#words.length < other.#words.length) this.#words.push(0);
    other.#words.forEach((w, i) => this.#words[i] = (this.#words[i]! | w) >>> 0);
    return this;
  }

  /** @returns A copy. */
  clone(): BitSet {
    const out = new BitSet();
    out.#words = [...this.#words];
    return out;
  }

  /**
   * @param other The other set.
   * @returns Whether both hold the same bits.
   */
  equals(other: BitSet): boolean {
    const n = Math.max(this.#words.length, other.#words.length);
    for (let i = 0; i < n; i++) if ((this.#words[i] ?? 0) !== (other.#words[i] ?? 0)) return false;
    return true;
  }

  /** @returns How many bytes {@linkcode BitSet.toBytes} gives. */
  get byteLength(): number {
    const words = this.#words;
    let i = words.length - 1;
    while (i >= 0 && words[i] === 0) i--;
    if (i < 0) return 0;
    return 4 * i + 4 - (Math.clz32(words[i]!) >>> 3);
  }

  /**
   * @param k Byte index.
   * @returns Byte `k` of {@linkcode BitSet.toBytes}, without building the array.
   */
  byteAt(k: number): number {
    return ((this.#words[k >>> 2] ?? 0) >>> ((k & 3) * 8)) & 0xff;
  }

  /** @returns The bytes (bit 8k+j in byte k, bit j), without trailing zero bytes. */
  toBytes(): Uint8Array {
    const bytes = new Uint8Array(this.#words.length * 4);
    this.#words.forEach((w, i) => {
      bytes[4 * i] = w & 0xff;
      bytes[4 * i + 1] = (w >>> 8) & 0xff;
      bytes[4 * i + 2] = (w >>> 16) & 0xff;
      bytes[4 * i + 3] = w >>> 24;
    });
    let n = bytes.length;
    while (n > 0 && bytes[n - 1] === 0) n--;
    return bytes.subarray(0, n);
  }

  /**
   * A set from its byte form.
   *
   * @param bytes Bit 8k+j in byte k, bit j.
   * @returns The set.
   */
  static fromBytes(bytes: Uint8Array): BitSet {
    const out = new BitSet();
    for (let i = 0; i < bytes.length; i += 4) {
      out.#words.push(
        ((bytes[i] ?? 0) | (bytes[i + 1] ?? 0) << 8 | (bytes[i + 2] ?? 0) << 16 |
          (bytes[i + 3] ?? 0) << 24) >>> 0,
      );
    }
    return out;
  }

  /** @returns E.g. `"{1,3,4}"`, the captures' notation. */
  toString(): string {
    return `{${[...this].join(",")}}`;
  }
}

/**
 * Write a BitSet in the writer's byte order.
 *
 * @param w Destination.
 * @param bits The set.
 * @example Usage
 * ```ts
 * import { BitSet, writeBitSet } from "./bitset.ts";
 * import { PvaWriter } from "./writer.ts";
 * const w = new PvaWriter();
 * writeBitSet(w, BitSet.of(1));
 * w.finish(); // 01 02
 * ```
 */
export function writeBitSet(w: PvaWriter, bits: BitSet): void {
  if (w.littleEndian) {
    // Every GET reply and monitor update has one: no array for it.
    const n = bits.byteLength;
    w.size(n);
    for (let k = 0; k < n; k++) w.u8(bits.byteAt(k));
    return;
  }
  const bytes = bits.toBytes();
  w.size(bytes.length);
  w.bytes(orderGroups(bytes, w.littleEndian));
}

/**
 * Read a BitSet in the reader's byte order.
 *
 * @param r Source.
 * @returns The set.
 * @throws {RemoteProtocolError} When the byte count is null or implausibly large.
 * @example Usage
 * ```ts
 * import { readBitSet } from "./bitset.ts";
 * import { PvaReader } from "./reader.ts";
 * readBitSet(new PvaReader(new Uint8Array([2, 0xec, 0x2e]))).toString(); // "{2,3,5,6,7,9,10,11,13}"
 * ```
 */
export function readBitSet(r: PvaReader): BitSet {
  const n = r.size();
  if (n < 0 || n > MAX_BYTES) throw new RemoteProtocolError(`Cannot decode BitSet of ${n} bytes`);
  return BitSet.fromBytes(orderGroups(r.bytesView(n), r.littleEndian));
}

/** Reverse each complete 8-byte group for big-endian (u64 groups in message order). */
function orderGroups(bytes: Uint8Array, littleEndian: boolean): Uint8Array {
  if (littleEndian || bytes.length < 8) return bytes;
  const out = bytes.slice();
  for (let g = 0; g + 8 <= out.length; g += 8) out.subarray(g, g + 8).reverse();
  return out;
}
