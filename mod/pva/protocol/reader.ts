/**
 * A bounds-checked cursor over received bytes with the pvAccess primitive decodings, in the
 * byte order of the message being read (§1.3). It also carries the connection's receive-side type
 * cache so that every type description read through it can use 0xFD/0xFE (§2.6).
 *
 * @module
 */

import { RemoteProtocolError } from "./errors.ts";
import type { TypeCache } from "./type_cache.ts";

const utf8 = new TextDecoder("utf-8", { fatal: false });

/** Options of {@linkcode PvaReader}. */
export interface PvaReaderOptions {
  /**
   * Byte order of the message.
   * @default {true}
   */
  littleEndian?: boolean;
  /** The connection's receive-side type cache; without one, 0xFD/0xFE are refused. */
  cache?: TypeCache;
}

/** Reads one message (or payload) front to back; every read past the end throws. */
export class PvaReader {
  /** The bytes read. */
  readonly bytes: Uint8Array;
  /** Byte order of the numbers. */
  readonly littleEndian: boolean;
  /** Receive-side type cache of the connection, if any. */
  readonly cache: TypeCache | undefined;
  /** A view of the whole buffer (shared by the readers of one buffer), and where `bytes` start. */
  #view: DataView;
  #base: number;
  #offset = 0;

  /**
   * @param bytes The bytes to read (not copied).
   * @param options Byte order and type cache.
   * @example Usage
   * ```ts
   * import { PvaReader } from "./reader.ts";
   * new PvaReader(new Uint8Array([3, 0x61, 0x62, 0x63])).string(); // "abc"
   * ```
   */
  constructor(bytes: Uint8Array, options: PvaReaderOptions = {}) {
    this.bytes = bytes;
    this.littleEndian = options.littleEndian ?? true;
    this.cache = options.cache;
    this.#base = bytes.byteOffset;
    this.#view = viewOf(bytes.buffer);
  }

  /** Bytes consumed so far. */
  get offset(): number {
    return this.#offset;
  }

  /** Bytes not yet consumed. */
  get remaining(): number {
    return this.bytes.length - this.#offset;
  }

  #take(n: number): number {
    const at = this.#offset;
    if (at + n > this.bytes.length) {
      throw new RemoteProtocolError(
        `Cannot decode message: need ${n} bytes at offset ${at}, have ${this.bytes.length - at}`,
      );
    }
    this.#offset = at + n;
    return at;
  }

  /** Consume `n` bytes; returns where they start in {@linkcode PvaReader.#view}. */
  #at(n: number): number {
    return this.#base + this.#take(n);
  }

  /** @returns Unsigned byte. */
  u8(): number {
    return this.#view.getUint8(this.#at(1));
  }
  /** @returns Signed byte. */
  i8(): number {
    return this.#view.getInt8(this.#at(1));
  }
  /** @returns Boolean byte (non-zero is true). */
  bool(): boolean {
    return this.u8() !== 0;
  }
  /** @returns Unsigned 16-bit integer. */
  u16(): number {
    return this.#view.getUint16(this.#at(2), this.littleEndian);
  }
  /** @returns Signed 16-bit integer. */
  i16(): number {
    return this.#view.getInt16(this.#at(2), this.littleEndian);
  }
  /** @returns Unsigned 32-bit integer. */
  u32(): number {
    return this.#view.getUint32(this.#at(4), this.littleEndian);
  }
  /** @returns Signed 32-bit integer. */
  i32(): number {
    return this.#view.getInt32(this.#at(4), this.littleEndian);
  }
  /** @returns Unsigned 64-bit integer. */
  u64(): bigint {
    return this.#view.getBigUint64(this.#at(8), this.littleEndian);
  }
  /** @returns Signed 64-bit integer. */
  i64(): bigint {
    return this.#view.getBigInt64(this.#at(8), this.littleEndian);
  }
  /** @returns 32-bit float. */
  f32(): number {
    return this.#view.getFloat32(this.#at(4), this.littleEndian);
  }
  /** @returns 64-bit float. */
  f64(): number {
    return this.#view.getFloat64(this.#at(8), this.littleEndian);
  }

  /**
   * Read a size (§2.2).
   *
   * @returns The count, or -1 for the null size 0xFF.
   */
  size(): number {
    const b = this.u8();
    if (b < 0xfe) return b;
    if (b === 0xff) return -1;
    return this.u32();
  }

  /**
   * Read a count that must not be null and must fit in what is left of the message (one byte per
   * element at least), so a hostile count cannot make us allocate.
   *
   * @param what Name for the error message.
   * @returns The count.
   */
  count(what: string): number {
    const n = this.size();
    if (n < 0 || n > this.remaining) {
      throw new RemoteProtocolError(
        `Cannot decode ${what}: bad count ${n} at offset ${this.offset}`,
      );
    }
    return n;
  }

  /** @returns A string (§2.3); the null size reads as "" as pvAccessJava may send it. */
  string(): string {
    const n = this.size();
    if (n <= 0) return "";
    const at = this.#take(n);
    return utf8.decode(this.bytes.subarray(at, at + n));
  }

  /**
   * @param n Byte count.
   * @returns A view of the next `n` bytes (not a copy).
   */
  bytesView(n: number): Uint8Array {
    const at = this.#take(n);
    return this.bytes.subarray(at, at + n);
  }

  /** @returns A view of everything not yet consumed; consumes it. */
  rest(): Uint8Array {
    return this.bytesView(this.remaining);
  }

  /**
   * Check that the whole message was consumed.
   *
   * @param what Name for the error message.
   * @throws {RemoteProtocolError} When bytes are left over.
   */
  end(what: string): void {
    if (this.remaining !== 0) {
      throw new RemoteProtocolError(`Cannot decode ${what}: ${this.remaining} extra bytes`);
    }
  }
}

/**
 * The messages of one connection are views into one buffer (see FrameSplitter): their readers
 * share one DataView of it instead of creating one each.
 */
let lastBuffer: ArrayBufferLike | undefined;
let lastView: DataView | undefined;

function viewOf(buffer: ArrayBufferLike): DataView {
  if (buffer !== lastBuffer || lastView === undefined) {
    lastBuffer = buffer;
    lastView = new DataView(buffer);
  }
  return lastView;
}
