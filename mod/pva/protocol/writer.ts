/**
 * A growable output buffer with the pvAccess primitive encodings: fixed-size numbers in a chosen
 * byte order, the variable-length size (§2.2) and strings (§2.3).
 *
 * @module
 */

import { LocalProtocolError } from "./errors.ts";

const utf8 = new TextEncoder();

/** Options of {@linkcode PvaWriter}. */
export interface PvaWriterOptions {
  /**
   * Byte order of the numbers written.
   * @default {true}
   */
  littleEndian?: boolean;
  /**
   * Starting capacity in bytes.
   * @default {256}
   */
  initialSize?: number;
}

/** Bytes appended by encoders; read them with {@linkcode PvaWriter.finish}. */
export class PvaWriter {
  #bytes: Uint8Array;
  #view: DataView;
  #length = 0;
  /** Byte order of the numbers written. */
  readonly littleEndian: boolean;

  /**
   * @param options Byte order and starting capacity.
   * @example Usage
   * ```ts
   * import { PvaWriter } from "./writer.ts";
   * const w = new PvaWriter({ littleEndian: false });
   * w.u16(1);
   * w.finish(); // 00 01
   * ```
   */
  constructor(options: PvaWriterOptions = {}) {
    this.littleEndian = options.littleEndian ?? true;
    this.#bytes = new Uint8Array(options.initialSize ?? 256);
    this.#view = new DataView(this.#bytes.buffer);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.#length;
  }

  #room(n: number): number {
    const at = this.#length;
    const need = at + n;
    if (need > this.#bytes.length) {
      let size = Math.max(this.#bytes.length * 2, 16);
      while (size < need) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(this.#bytes.subarray(0, at));
      // Free the outgrown buffer now: a writer that lives long (a connection's) would otherwise
      // leave each size it grew through to a full collection. Views of it were only valid until
      // this write (see view()).
      detach(this.#bytes);
      this.#bytes = grown;
      this.#view = new DataView(grown.buffer);
    }
    this.#length = need;
    return at;
  }

  /** @param v Unsigned byte. */
  u8(v: number): void {
    const at = this.#room(1);
    this.#view.setUint8(at, v);
  }
  /** @param v Signed byte. */
  i8(v: number): void {
    const at = this.#room(1);
    this.#view.setInt8(at, v);
  }
  /** @param v Boolean as one byte 0/1. */
  bool(v: boolean): void {
    this.u8(v ? 1 : 0);
  }
  /** @param v Unsigned 16-bit integer. */
  u16(v: number): void {
    const at = this.#room(2);
    this.#view.setUint16(at, v, this.littleEndian);
  }
  /** @param v Signed 16-bit integer. */
  i16(v: number): void {
    const at = this.#room(2);
    this.#view.setInt16(at, v, this.littleEndian);
  }
  /** @param v Unsigned 32-bit integer. */
  u32(v: number): void {
    const at = this.#room(4);
    this.#view.setUint32(at, v >>> 0, this.littleEndian);
  }
  /** @param v Signed 32-bit integer. */
  i32(v: number): void {
    const at = this.#room(4);
    this.#view.setInt32(at, v, this.littleEndian);
  }
  /** @param v Unsigned 64-bit integer (a number must be a safe integer). */
  u64(v: bigint | number): void {
    const at = this.#room(8);
    this.#view.setBigUint64(at, BigInt.asUintN(64, BigInt(v)), this.littleEndian);
  }
  /** @param v Signed 64-bit integer (a number must be a safe integer). */
  i64(v: bigint | number): void {
    const at = this.#room(8);
    this.#view.setBigInt64(at, BigInt.asIntN(64, BigInt(v)), this.littleEndian);
  }
  /** @param v 32-bit float. */
  f32(v: number): void {
    const at = this.#room(4);
    this.#view.setFloat32(at, v, this.littleEndian);
  }
  /** @param v 64-bit float. */
  f64(v: number): void {
    const at = this.#room(8);
    this.#view.setFloat64(at, v, this.littleEndian);
  }

  /**
   * Write a size (§2.2): one byte below 254, else 0xFE and a u32; -1 is the null size 0xFF.
   *
   * @param n Count, or -1 for null.
   * @throws {LocalProtocolError} For other negative or non-integer counts.
   */
  size(n: number): void {
    if (n === -1) return this.u8(0xff);
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) {
      throw new LocalProtocolError(`Cannot encode size ${n}`);
    }
    if (n < 254) return this.u8(n);
    this.u8(0xfe);
    this.u32(n);
  }

  /** @param s String written as size + UTF-8 bytes (§2.3). */
  string(s: string): void {
    if (s.length === 0) return this.u8(0);
    // ASCII fast path: most names and ids are ASCII.
    // deno-lint-ignore no-control-regex
    if (s.length < 254 && /^[\x00-\x7f]*$/.test(s)) {
      this.u8(s.length);
      const at = this.#room(s.length);
      for (let i = 0; i < s.length; i++) this.#bytes[at + i] = s.charCodeAt(i);
      return;
    }
    const b = utf8.encode(s);
    this.size(b.length);
    this.bytes(b);
  }

  /** @param b Raw bytes to append. */
  bytes(b: Uint8Array): void {
    const at = this.#room(b.length);
    this.#bytes.set(b, at);
  }

  /**
   * Overwrite bytes written earlier (a message header is known only after its payload).
   *
   * @param at Byte offset.
   * @param b The bytes.
   */
  patch(at: number, b: Uint8Array): void {
    if (at + b.length > this.#length) throw new LocalProtocolError("Cannot patch unwritten bytes");
    this.#bytes.set(b, at);
  }

  /**
   * The bytes written so far, as a copy; the writer can be reused after {@linkcode PvaWriter.reset}.
   *
   * @returns A new array.
   */
  finish(): Uint8Array {
    return this.#bytes.slice(0, this.#length);
  }

  /**
   * The bytes written so far, without a copy: valid until the writer is written to or reset.
   *
   * @returns A view of the writer's buffer.
   */
  view(): Uint8Array {
    return this.#bytes.subarray(0, this.#length);
  }

  /** Bytes the writer holds (what it can take before it grows). */
  get capacity(): number {
    return this.#bytes.length;
  }

  /**
   * Free the buffer at once (views of it become empty) instead of when the writer is collected;
   * the writer starts over empty.
   */
  discard(): void {
    detach(this.#bytes);
    this.#bytes = new Uint8Array(0);
    this.#view = new DataView(this.#bytes.buffer);
    this.#length = 0;
  }

  /** Forget everything written (keeps the capacity). */
  reset(): void {
    this.#length = 0;
  }
}

/**
 * Free a buffer's memory at once (transferring an ArrayBuffer detaches it) rather than at the
 * garbage collection that finds it unreachable. Views of it become empty.
 *
 * @param bytes A buffer nothing will read again.
 */
export function detach(bytes: Uint8Array): void {
  const buffer = bytes.buffer;
  if (buffer instanceof ArrayBuffer && !buffer.detached) buffer.transfer(0);
}
