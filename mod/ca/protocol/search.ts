/**
 * Answers to UDP search datagrams: VERSION (echoing the client's sequence number) followed by one
 * SEARCH reply per hosted name, split into datagrams of at most 1024 bytes. Unknown names get no
 * answer at all, whatever the reply flag.
 *
 * @module
 */

import { CA_MINOR_VERSION, SEARCH, VERSION } from "./commands.ts";
import { readSlotString } from "./dbr.ts";
import { type Header, HEADER_SIZE, setHeader, writeHeader } from "./header.ts";

/** Largest reply datagram RSRV sends. */
const MAX_DATAGRAM = 1024;
const REPLY_SIZE = 24;

/** What {@linkcode answerSearch} needs to know about the server. */
export interface SearchOptions {
  /** TCP port advertised in the replies. */
  tcpPort: number;
  /**
   * Whether the server hosts a name.
   *
   * @param name The requested name.
   * @returns True to answer.
   */
  has(name: string): boolean;
  /**
   * Whether the server hosts the NUL-terminated name at `at`, looked up without building a string
   * (a datagram holds up to 31 names and searches arrive by the thousand). `false` is not final:
   * the name is then built and passed to {@linkcode SearchOptions.has}.
   *
   * @param bytes The datagram.
   * @param at Start of the name.
   * @param max Most bytes the name may span.
   * @returns True to answer.
   */
  hasBytes?(bytes: Uint8Array, at: number, max: number): boolean;
}

/**
 * Build the reply datagrams for one search datagram.
 *
 * @param datagram The received bytes (one or more whole messages).
 * @param options The port to advertise and the name lookup.
 * @returns Zero or more reply datagrams.
 * @example Usage
 * ```ts
 * import { answerSearch } from "./search.ts";
 * answerSearch(new Uint8Array(0), { tcpPort: 5064, has: () => true }); // []
 * ```
 */
export function answerSearch(
  datagram: Uint8Array,
  options: SearchOptions,
): Uint8Array[] {
  const view = new DataView(datagram.buffer, datagram.byteOffset, datagram.byteLength);
  let seq: number | undefined;
  const found: number[] = [];
  let at = 0;
  while (datagram.length - at >= HEADER_SIZE) {
    const cmd = view.getUint16(at);
    const size = view.getUint16(at + 2);
    if (size === 0xffff || at + HEADER_SIZE + size > datagram.length) break;
    if (cmd === VERSION) {
      if (view.getUint16(at + 6) >= 11) seq = view.getUint32(at + 8);
    } else if (cmd === SEARCH) {
      if (hosts(datagram, at + HEADER_SIZE, size, options)) found.push(view.getUint32(at + 12));
    } else break;
    at += HEADER_SIZE + size;
  }
  if (found.length === 0) return [];
  const prefix = seq === undefined ? 0 : HEADER_SIZE;
  const perDatagram = Math.floor((MAX_DATAGRAM - prefix) / REPLY_SIZE);
  const out: Uint8Array[] = [];
  const h = scratch;
  for (let i = 0; i < found.length; i += perDatagram) {
    const n = Math.min(perDatagram, found.length - i);
    const bytes = new Uint8Array(prefix + n * REPLY_SIZE);
    const dv = new DataView(bytes.buffer);
    if (seq !== undefined) {
      writeHeader(dv, 0, setHeader(h, VERSION, 0, 1, CA_MINOR_VERSION, seq, 0));
    }
    setHeader(h, SEARCH, 8, options.tcpPort, 0, 0xffffffff, 0);
    for (let k = 0; k < n; k++) {
      const o = prefix + k * REPLY_SIZE;
      h.p2 = found[i + k]!;
      writeHeader(dv, o, h);
      dv.setUint16(o + HEADER_SIZE, CA_MINOR_VERSION);
    }
    out.push(bytes);
  }
  return out;
}

function hosts(bytes: Uint8Array, at: number, size: number, options: SearchOptions): boolean {
  if (size === 0 || bytes[at] === 0) return false;
  if (options.hasBytes?.(bytes, at, size)) return true;
  return options.has(readSlotString(bytes, at, size));
}

/** Header fields being written; writeHeader copies them out at once. */
const scratch: Header = { cmd: 0, size: 0, type: 0, count: 0, p1: 0, p2: 0 };
