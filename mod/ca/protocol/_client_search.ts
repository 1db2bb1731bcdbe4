/**
 * The UDP side of a CA client: search datagrams out (a VERSION prefix followed by as many SEARCH
 * requests as fit) and the search replies in.
 *
 * @module
 */

import { CA_MINOR_VERSION, DONT_REPLY, SEARCH, VERSION } from "./commands.ts";
import { align8, HEADER_SIZE, readHeader, writeHeader } from "./header.ts";
import { decodeReply, type Reply } from "./_client_replies.ts";
import { nulTerminated } from "./_client_requests.ts";

/** Largest search datagram libca sends. */
export const MAX_SEARCH_DATAGRAM = 1024;

/** One name to resolve. */
export interface SearchEntry {
  /** Search id (libca uses the channel's CID). */
  readonly searchId: number;
  /** PV name. */
  readonly name: string;
}

/**
 * Build search datagrams: each starts with VERSION (sequence number valid) followed by as many
 * SEARCH messages (DONT_REPLY) as fit in {@linkcode MAX_SEARCH_DATAGRAM} bytes.
 *
 * @param entries Names to search for.
 * @param options `seq`: the sequence number in the VERSION prefix.
 * @returns One or more datagrams (none for no entries).
 * @example Usage
 * ```ts
 * import { encodeSearchDatagrams } from "./client_messages.ts";
 * encodeSearchDatagrams([{ searchId: 7, name: "temp" }], { seq: 1 })[0]!.length; // 40
 * ```
 */
export function encodeSearchDatagrams(
  entries: readonly SearchEntry[],
  options: { seq: number },
): Uint8Array[] {
  const out: Uint8Array[] = [];
  let parts: Uint8Array[] = [];
  let size = 0;
  const flush = () => {
    if (parts.length === 0) return;
    const bytes = new Uint8Array(size);
    const view = new DataView(bytes.buffer);
    writeHeader(view, 0, {
      cmd: VERSION,
      size: 0,
      type: 1,
      count: CA_MINOR_VERSION,
      p1: options.seq,
      p2: 0,
    });
    let at = HEADER_SIZE;
    for (const part of parts) {
      bytes.set(part, at);
      at += part.length;
    }
    out.push(bytes);
    parts = [];
  };
  for (const entry of entries) {
    const name = nulTerminated(entry.name);
    const msg = new Uint8Array(HEADER_SIZE + align8(name.length));
    writeHeader(new DataView(msg.buffer), 0, {
      cmd: SEARCH,
      size: align8(name.length),
      type: DONT_REPLY,
      count: CA_MINOR_VERSION,
      p1: entry.searchId,
      p2: entry.searchId,
    });
    msg.set(name, HEADER_SIZE);
    if (parts.length > 0 && size + msg.length > MAX_SEARCH_DATAGRAM) flush();
    if (parts.length === 0) size = HEADER_SIZE;
    parts.push(msg);
    size += msg.length;
  }
  flush();
  return out;
}

/**
 * Take the search replies out of a UDP datagram, skipping its VERSION and anything else.
 *
 * @param datagram Received bytes (one or more whole messages).
 * @returns The SEARCH replies in datagram order; a truncated tail is ignored.
 * @example Usage
 * ```ts
 * import { decodeSearchReplies } from "./client_messages.ts";
 * decodeSearchReplies(new Uint8Array(0)); // []
 * ```
 */
export function decodeSearchReplies(
  datagram: Uint8Array,
): Extract<Reply, { kind: "SearchReply" }>[] {
  const view = new DataView(datagram.buffer, datagram.byteOffset, datagram.byteLength);
  const out: Extract<Reply, { kind: "SearchReply" }>[] = [];
  let at = 0;
  while (true) {
    const h = readHeader(view, at, datagram.length);
    if (!h || at + h.headerSize + h.size > datagram.length) break;
    const body = datagram.subarray(at + h.headerSize, at + h.headerSize + h.size);
    const reply = h.cmd === SEARCH ? decodeReply(h, body) : undefined;
    if (reply?.kind === "SearchReply") out.push(reply);
    at += h.headerSize + h.size;
  }
  return out;
}
