/**
 * Answers to UDP search datagrams: VERSION (echoing the client's sequence number) followed by one
 * SEARCH reply per hosted name, split into datagrams of at most 1024 bytes; the answers to several
 * datagrams of one client can share datagrams. Unknown names get no answer at all, whatever the
 * reply flag.
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

/** The names of one search datagram that the server hosts. */
export interface SearchMatch {
  /** The client's datagram sequence number (VERSION, minor ≥ 11), echoed in the reply. */
  seq: number | undefined;
  /** The search ids of the hosted names, in request order. */
  ids: number[];
}

/**
 * Find the names of one search datagram that the server hosts.
 *
 * @param datagram The received bytes (one or more whole messages).
 * @param options The name lookup.
 * @returns The hosted names' search ids, or `undefined` when there is none (no answer at all).
 * @example Usage
 * ```ts
 * import { findSearched } from "./search.ts";
 * findSearched(new Uint8Array(0), { tcpPort: 5064, has: () => true }); // undefined
 * ```
 */
export function findSearched(
  datagram: Uint8Array,
  options: SearchOptions,
): SearchMatch | undefined {
  const view = new DataView(datagram.buffer, datagram.byteOffset, datagram.byteLength);
  let seq: number | undefined;
  const ids: number[] = [];
  let at = 0;
  while (datagram.length - at >= HEADER_SIZE) {
    const cmd = view.getUint16(at);
    const size = view.getUint16(at + 2);
    if (size === 0xffff || at + HEADER_SIZE + size > datagram.length) break;
    if (cmd === VERSION) {
      if (view.getUint16(at + 6) >= 11) seq = view.getUint32(at + 8);
    } else if (cmd === SEARCH) {
      if (hosts(datagram, at + HEADER_SIZE, size, options)) ids.push(view.getUint32(at + 12));
    } else break;
    at += HEADER_SIZE + size;
  }
  return ids.length === 0 ? undefined : { seq, ids };
}

/**
 * Reply datagrams for the matches of one client, packed as RSRV packs them: one SEARCH reply per
 * id, at most 1024 bytes a datagram, each datagram and each change of sequence number starting
 * with a VERSION that carries it (libca reads a reply's sequence number from the VERSION before
 * it). Answering several search datagrams at once thus takes fewer reply datagrams.
 *
 * @param matches The client's matches, oldest first.
 * @param tcpPort TCP port advertised in the replies.
 * @returns The datagrams.
 * @example Usage
 * ```ts
 * import { encodeSearchReplies } from "./search.ts";
 * encodeSearchReplies([{ seq: 1, ids: [7] }], 5064)[0]!.length; // 40
 * ```
 */
export function encodeSearchReplies(
  matches: readonly SearchMatch[],
  tcpPort: number,
): Uint8Array[] {
  const out: Uint8Array[] = [];
  const bytes = new Uint8Array(MAX_DATAGRAM);
  const view = new DataView(bytes.buffer);
  const h = scratch;
  let length = 0;
  for (const { seq, ids } of matches) {
    let version = seq !== undefined;
    for (const id of ids) {
      if (length + (version ? HEADER_SIZE : 0) + REPLY_SIZE > MAX_DATAGRAM) {
        out.push(bytes.slice(0, length));
        bytes.fill(0);
        length = 0;
        version = seq !== undefined;
      }
      if (version) {
        length += writeHeader(view, length, setHeader(h, VERSION, 0, 1, CA_MINOR_VERSION, seq!, 0));
        version = false;
      }
      writeHeader(view, length, setHeader(h, SEARCH, 8, tcpPort, 0, 0xffffffff, id));
      view.setUint16(length + HEADER_SIZE, CA_MINOR_VERSION);
      length += REPLY_SIZE;
    }
  }
  if (length > 0) out.push(bytes.slice(0, length));
  return out;
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
export function answerSearch(datagram: Uint8Array, options: SearchOptions): Uint8Array[] {
  const match = findSearched(datagram, options);
  return match === undefined ? [] : encodeSearchReplies([match], options.tcpPort);
}

function hosts(bytes: Uint8Array, at: number, size: number, options: SearchOptions): boolean {
  if (size === 0 || bytes[at] === 0) return false;
  if (options.hasBytes?.(bytes, at, size)) return true;
  return options.has(readSlotString(bytes, at, size));
}

/** Header fields being written; writeHeader copies them out at once. */
const scratch: Header = { cmd: 0, size: 0, type: 0, count: 0, p1: 0, p2: 0 };
