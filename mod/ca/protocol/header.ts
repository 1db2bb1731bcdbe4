/**
 * The CA message header: the 16-byte standard form and the 24-byte extended form, big-endian.
 *
 * @module
 */

/** Bytes in a standard header. */
export const HEADER_SIZE = 16;
/** Bytes in an extended header (standard header plus payload size and element count words). */
export const EXTENDED_HEADER_SIZE = 24;
/** `size` field value that marks the extended form. */
export const EXTENDED_MARKER = 0xffff;

/** The decoded fields of one header. `size` and `count` are the real values in either form. */
export interface Header {
  /** Command code. */
  cmd: number;
  /** Payload bytes that follow the header. */
  size: number;
  /** DBR type or command-specific value. */
  type: number;
  /** Element count or command-specific value. */
  count: number;
  /** Parameter 1 (bytes 8–11). */
  p1: number;
  /** Parameter 2 (bytes 12–15). */
  p2: number;
}

/**
 * Round a byte count up to the next multiple of 8, the CA payload alignment.
 *
 * @param n Unpadded byte count.
 * @returns The padded byte count.
 * @example Usage
 * ```ts
 * import { align8 } from "./header.ts";
 * align8(13); // 16
 * ```
 */
export function align8(n: number): number {
  return (n + 7) & ~7;
}

/**
 * Whether a message needs the extended header: libca and RSRV switch at an aligned payload size
 * or element count of 0xFFFF and above, also for messages without payload.
 *
 * @param size Aligned payload size.
 * @param count Element count.
 * @returns True when the 24-byte form must be used.
 */
export function needsExtended(size: number, count: number): boolean {
  return size >= EXTENDED_MARKER || count >= EXTENDED_MARKER;
}

/**
 * Fill a reusable header object in place (hot paths encode without allocating).
 *
 * @param h The object to fill.
 * @param cmd Command code.
 * @param size Payload size (aligned).
 * @param type Data type or command-specific field.
 * @param count Element count or command-specific field.
 * @param p1 Parameter 1.
 * @param p2 Parameter 2.
 * @returns `h`.
 */
export function setHeader(
  h: Header,
  cmd: number,
  size: number,
  type: number,
  count: number,
  p1: number,
  p2: number,
): Header {
  h.cmd = cmd;
  h.size = size;
  h.type = type;
  h.count = count;
  h.p1 = p1;
  h.p2 = p2;
  return h;
}

/**
 * Write a header at `offset` of `view`, choosing the extended form when needed.
 *
 * @param view Destination with room for 24 bytes at `offset`.
 * @param offset Byte offset of the header.
 * @param h Header fields; `size` must already be aligned.
 * @returns The number of header bytes written (16 or 24).
 */
export function writeHeader(view: DataView, offset: number, h: Header): number {
  view.setUint16(offset, h.cmd);
  view.setUint16(offset + 4, h.type);
  view.setUint32(offset + 8, h.p1 >>> 0);
  view.setUint32(offset + 12, h.p2 >>> 0);
  if (needsExtended(h.size, h.count)) {
    view.setUint16(offset + 2, EXTENDED_MARKER);
    view.setUint16(offset + 6, 0);
    view.setUint32(offset + 16, h.size);
    view.setUint32(offset + 20, h.count);
    return EXTENDED_HEADER_SIZE;
  }
  view.setUint16(offset + 2, h.size);
  view.setUint16(offset + 6, h.count);
  return HEADER_SIZE;
}

/**
 * Encode a header into a new buffer.
 *
 * @param h Header fields; `size` must already be aligned.
 * @returns 16 or 24 bytes.
 * @example Usage
 * ```ts
 * import { encodeHeader } from "./header.ts";
 * encodeHeader({ cmd: 23, size: 0, type: 0, count: 0, p1: 0, p2: 0 }).length; // 16
 * ```
 */
export function encodeHeader(h: Header): Uint8Array {
  const bytes = new Uint8Array(needsExtended(h.size, h.count) ? EXTENDED_HEADER_SIZE : HEADER_SIZE);
  writeHeader(new DataView(bytes.buffer), 0, h);
  return bytes;
}

/** A header read from a byte stream together with its length on the wire. */
export interface DecodedHeader extends Header {
  /** 16 or 24. */
  headerSize: number;
}

/**
 * Read a header at `offset`, if enough bytes are there.
 *
 * @param view Source bytes.
 * @param offset Start of the header.
 * @param end End of the valid bytes in `view`.
 * @returns The header, or `undefined` when more bytes are needed.
 */
export function readHeader(view: DataView, offset: number, end: number): DecodedHeader | undefined {
  const h: DecodedHeader = { cmd: 0, size: 0, type: 0, count: 0, p1: 0, p2: 0, headerSize: 0 };
  return readHeaderInto(view, offset, end, h) ? h : undefined;
}

/**
 * {@linkcode readHeader} into a reused object, so a stream of requests allocates no headers.
 *
 * @param view Source bytes.
 * @param offset Start of the header.
 * @param end End of the valid bytes in `view`.
 * @param h The object to fill (left partly filled when more bytes are needed).
 * @returns Whether the whole header was there.
 */
export function readHeaderInto(
  view: DataView,
  offset: number,
  end: number,
  h: DecodedHeader,
): boolean {
  if (end - offset < HEADER_SIZE) return false;
  const size16 = view.getUint16(offset + 2);
  h.cmd = view.getUint16(offset);
  h.type = view.getUint16(offset + 4);
  h.p1 = view.getUint32(offset + 8);
  h.p2 = view.getUint32(offset + 12);
  if (size16 !== EXTENDED_MARKER) {
    h.size = size16;
    h.count = view.getUint16(offset + 6);
    h.headerSize = HEADER_SIZE;
    return true;
  }
  if (end - offset < EXTENDED_HEADER_SIZE) return false;
  h.size = view.getUint32(offset + 16);
  h.count = view.getUint32(offset + 20);
  h.headerSize = EXTENDED_HEADER_SIZE;
  return true;
}

/**
 * Decode a header from the start of `bytes`.
 *
 * @param bytes At least 16 (or 24 for the extended form) bytes.
 * @returns The header, or `undefined` when `bytes` is too short.
 * @example Usage
 * ```ts
 * import { decodeHeader } from "./header.ts";
 * decodeHeader(new Uint8Array(16))?.cmd; // 0
 * ```
 */
export function decodeHeader(bytes: Uint8Array): DecodedHeader | undefined {
  return readHeader(
    new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    0,
    bytes.length,
  );
}
