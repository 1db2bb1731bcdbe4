/**
 * Answers to UDP search datagrams: VERSION (echoing the client's sequence number) followed by one
 * SEARCH reply per hosted name, split into datagrams of at most 1024 bytes. Unknown names get no
 * answer at all, whatever the reply flag.
 *
 * @module
 */

import { CA_MINOR_VERSION, SEARCH, VERSION } from "./commands.ts";
import { readSlotString } from "./dbr.ts";
import { HEADER_SIZE, writeHeader } from "./header.ts";

/** Largest reply datagram RSRV sends. */
const MAX_DATAGRAM = 1024;
const REPLY_SIZE = 24;

/**
 * Build the reply datagrams for one search datagram.
 *
 * @param datagram The received bytes (one or more whole messages).
 * @param options `tcpPort` to advertise and `has(name)` telling whether we host a name.
 * @returns Zero or more reply datagrams.
 * @example Usage
 * ```ts
 * import { answerSearch } from "./search.ts";
 * answerSearch(new Uint8Array(0), { tcpPort: 5064, has: () => true }); // []
 * ```
 */
export function answerSearch(
  datagram: Uint8Array,
  options: { tcpPort: number; has: (name: string) => boolean },
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
      const name = readSlotString(datagram, at + HEADER_SIZE, size);
      if (name !== "" && options.has(name)) found.push(view.getUint32(at + 12));
    } else break;
    at += HEADER_SIZE + size;
  }
  if (found.length === 0) return [];
  const prefix = seq === undefined ? 0 : HEADER_SIZE;
  const perDatagram = Math.floor((MAX_DATAGRAM - prefix) / REPLY_SIZE);
  const out: Uint8Array[] = [];
  for (let i = 0; i < found.length; i += perDatagram) {
    const ids = found.slice(i, i + perDatagram);
    const bytes = new Uint8Array(prefix + ids.length * REPLY_SIZE);
    const dv = new DataView(bytes.buffer);
    if (seq !== undefined) {
      writeHeader(dv, 0, {
        cmd: VERSION,
        size: 0,
        type: 1,
        count: CA_MINOR_VERSION,
        p1: seq,
        p2: 0,
      });
    }
    ids.forEach((id, k) => {
      const o = prefix + k * REPLY_SIZE;
      writeHeader(dv, o, {
        cmd: SEARCH,
        size: 8,
        type: options.tcpPort,
        count: 0,
        p1: 0xffffffff,
        p2: id,
      });
      dv.setUint16(o + HEADER_SIZE, CA_MINOR_VERSION);
    });
    out.push(bytes);
  }
  return out;
}
