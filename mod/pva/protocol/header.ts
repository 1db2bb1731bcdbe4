/**
 * The 8-byte pvAccess message header (pva-protocol.md §1.1–1.3): magic 0xCA, version, flags,
 * command, and a u32 payload size (or, for control messages, a value) in the byte order that the
 * message's own flags announce.
 *
 * @module
 */

import { RemoteProtocolError } from "./errors.ts";

/** Bytes in a header. */
export const HEADER_SIZE = 8;
/** First byte of every message. */
export const MAGIC = 0xca;
/** The protocol version we send (pvxs and pvAccessCPP send 2). */
export const PVA_VERSION = 2;

/** Flags bit 0: control message. */
export const FLAG_CONTROL = 0x01;
/** Flags bits 4–5: segmentation. */
export const FLAG_SEGMENT_MASK = 0x30;
/** Flags bit 6: sent by a server. */
export const FLAG_SERVER = 0x40;
/** Flags bit 7: big-endian message. */
export const FLAG_BIG_ENDIAN = 0x80;

/** Segmentation state of a message (flags bits 4–5). */
export type Segment = "none" | "first" | "middle" | "last";

const SEGMENT_BITS: Record<Segment, number> = { none: 0, first: 0x10, middle: 0x30, last: 0x20 };
const SEGMENTS: readonly Segment[] = ["none", "first", "last", "middle"];

/** A decoded header. */
export interface Header {
  /** Protocol version byte (2 from every current peer). */
  version: number;
  /** Command code; application or control according to {@linkcode Header.control}. */
  command: number;
  /** Control message (flags bit 0): no payload, {@linkcode Header.size} is a value. */
  control: boolean;
  /** Segmentation state. */
  segment: Segment;
  /** Sent by a server (flags bit 6). */
  fromServer: boolean;
  /** Byte order of this message (flags bit 7 clear). */
  littleEndian: boolean;
  /** Payload bytes that follow, or the control message's value. */
  size: number;
}

/** What {@linkcode encodeHeader} needs; omitted fields take the defaults of our server. */
export interface HeaderInit {
  /** Command code. */
  command: number;
  /** Payload size, or a control message's value. */
  size: number;
  /**
   * Control message.
   * @default {false}
   */
  control?: boolean;
  /**
   * Segmentation state.
   * @default {"none"}
   */
  segment?: Segment;
  /**
   * Direction bit: always true on everything a server sends (pvxs drops peers that lie).
   * @default {true}
   */
  fromServer?: boolean;
  /**
   * Byte order (our TCP is little-endian, our UDP big-endian, §1.3).
   * @default {true}
   */
  littleEndian?: boolean;
}

/**
 * The flags byte for a header.
 *
 * @param h The header's fields.
 * @returns Flags byte (e.g. 0x40 for a little-endian server application message).
 * @example Usage
 * ```ts
 * import { encodeFlags } from "./header.ts";
 * encodeFlags({ command: 2, size: 0, control: true }); // 0x41
 * ```
 */
export function encodeFlags(h: HeaderInit): number {
  return (h.control ? FLAG_CONTROL : 0) | SEGMENT_BITS[h.segment ?? "none"] |
    ((h.fromServer ?? true) ? FLAG_SERVER : 0) | ((h.littleEndian ?? true) ? 0 : FLAG_BIG_ENDIAN);
}

/**
 * Write a header at `offset` of `view`.
 *
 * @param view Destination with 8 bytes of room at `offset`.
 * @param h The header's fields.
 * @param offset Byte offset.
 * @example Usage
 * ```ts
 * import { writeHeader } from "./header.ts";
 * const b = new Uint8Array(8);
 * writeHeader(new DataView(b.buffer), { command: 9, size: 1 });
 * b[2]; // 0x40
 * ```
 */
export function writeHeader(view: DataView, h: HeaderInit, offset = 0): void {
  view.setUint8(offset, MAGIC);
  view.setUint8(offset + 1, PVA_VERSION);
  view.setUint8(offset + 2, encodeFlags(h));
  view.setUint8(offset + 3, h.command);
  view.setUint32(offset + 4, h.size >>> 0, h.littleEndian ?? true);
}

/**
 * Encode a header into 8 new bytes.
 *
 * @param h The header's fields.
 * @returns The header bytes.
 * @example Usage
 * ```ts
 * import { encodeHeader } from "./header.ts";
 * encodeHeader({ command: 2, size: 0, control: true }); // ca 02 41 02 00 00 00 00
 * ```
 */
export function encodeHeader(h: HeaderInit): Uint8Array {
  const out = new Uint8Array(HEADER_SIZE);
  writeHeader(new DataView(out.buffer), h);
  return out;
}

/**
 * Read a header at `offset`, if 8 bytes are there.
 *
 * @param view Source bytes.
 * @param offset Start of the header.
 * @param end End of the valid bytes in `view`.
 * @returns The header, or `undefined` when fewer than 8 bytes are available.
 * @throws {RemoteProtocolError} When the magic byte is not 0xCA or the version is 0.
 * @example Usage
 * ```ts
 * import { readHeader } from "./header.ts";
 * const b = new Uint8Array([0xca, 2, 0x40, 9, 1, 0, 0, 0]);
 * readHeader(new DataView(b.buffer), 0, 8)?.size; // 1
 * ```
 */
export function readHeader(view: DataView, offset: number, end: number): Header | undefined {
  if (end - offset < HEADER_SIZE) return undefined;
  const magic = view.getUint8(offset);
  if (magic !== MAGIC) {
    throw new RemoteProtocolError(
      `Cannot decode header: bad magic 0x${magic.toString(16).padStart(2, "0")}`,
    );
  }
  const version = view.getUint8(offset + 1);
  // pvxs refuses version 0 and ignores the value otherwise.
  if (version === 0) throw new RemoteProtocolError("Cannot decode header: version 0");
  const flags = view.getUint8(offset + 2);
  const littleEndian = (flags & FLAG_BIG_ENDIAN) === 0;
  return {
    version,
    command: view.getUint8(offset + 3),
    control: (flags & FLAG_CONTROL) !== 0,
    segment: SEGMENTS[(flags & FLAG_SEGMENT_MASK) >> 4]!,
    fromServer: (flags & FLAG_SERVER) !== 0,
    littleEndian,
    size: view.getUint32(offset + 4, littleEndian),
  };
}

/**
 * Decode a header from the start of `bytes`.
 *
 * @param bytes At least 8 bytes.
 * @returns The header, or `undefined` when `bytes` is too short.
 * @throws {RemoteProtocolError} On a bad magic byte or version 0.
 * @example Usage
 * ```ts
 * import { decodeHeader } from "./header.ts";
 * decodeHeader(new Uint8Array([0xca, 2, 0xc0, 4, 0, 0, 0, 45]))?.littleEndian; // false
 * ```
 */
export function decodeHeader(bytes: Uint8Array): Header | undefined {
  return readHeader(
    new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    0,
    bytes.length,
  );
}
