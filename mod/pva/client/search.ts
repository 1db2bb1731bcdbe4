/**
 * The UDP side of the PVA client as pure functions: the SEARCH datagrams it sends (§3.2) and
 * the servers that the SEARCH_RESPONSEs it receives name (§3.4).
 *
 * @module
 */

import {
  addressToString,
  decodeMessage,
  encodeDatagram,
  isUnspecified,
  RemoteProtocolError,
  SEARCH_UNICAST,
  splitDatagram,
} from "../protocol/mod.ts";

/** A name to search for. */
export interface SearchName {
  /** searchInstanceID: our channel id. */
  id: number;
  /** PV name. */
  name: string;
}

/** Options of {@linkcode searchDatagrams}. */
export interface SearchDatagramOptions {
  /** searchSequenceID. */
  sequence: number;
  /** Our UDP socket's port: servers answer there (§3.3). */
  replyPort: number;
  /** Set the unicast flag (the destination is not a broadcast address, §3.2). */
  unicast: boolean;
}

/** Names per datagram: keeps each well under 1400 bytes (§1.6) for PV names up to ~60 chars. */
const NAMES_PER_DATAGRAM = 16;

/**
 * The SEARCH datagrams for a list of names (big-endian, as pvxs sends UDP).
 *
 * @param names Names and their ids.
 * @param options Sequence, reply port and unicast flag.
 * @returns One datagram per batch of names.
 * @example Usage
 * ```ts
 * import { searchDatagrams } from "./search.ts";
 * const [d] = searchDatagrams([{ id: 1, name: "CAP:HB" }], { sequence: 1, replyPort: 5000, unicast: true });
 * d![3]; // 3 (SEARCH)
 * ```
 */
export function searchDatagrams(
  names: readonly SearchName[],
  options: SearchDatagramOptions,
): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < names.length; i += NAMES_PER_DATAGRAM) {
    out.push(encodeDatagram({
      kind: "Search",
      sequence: options.sequence,
      flags: options.unicast ? SEARCH_UNICAST : 0,
      responseAddress: new Uint8Array(16), // all zeros, as pvxs: "reply to the source"
      responsePort: options.replyPort,
      protocols: ["tcp"],
      channels: names.slice(i, i + NAMES_PER_DATAGRAM),
    }));
  }
  return out;
}

/** A server that answered a search. */
export interface FoundServer {
  /** The searchInstanceIDs it has. */
  ids: number[];
  /** Its IPv4 address. */
  host: string;
  /** Its TCP port. */
  port: number;
}

/**
 * The servers named by the SEARCH_RESPONSEs in a datagram. Negative and discovery replies
 * (found = 0) and responses for other protocols are skipped; an unspecified server address
 * means the datagram's source (§3.4).
 *
 * @param datagram The bytes received.
 * @param sourceIp The datagram's source address.
 * @returns The servers; empty for datagrams that are not search responses or are malformed.
 * @example Usage
 * ```ts
 * import { foundServers } from "./search.ts";
 * foundServers(new Uint8Array([1, 2, 3]), "127.0.0.1"); // []
 * ```
 */
export function foundServers(datagram: Uint8Array, sourceIp: string): FoundServer[] {
  const out: FoundServer[] = [];
  try {
    for (const frame of splitDatagram(datagram)) {
      const m = decodeMessage(frame);
      if (m.kind !== "SearchResponse" || !m.found || m.ids.length === 0) continue;
      if (m.protocol !== "tcp") continue;
      const host = isUnspecified(m.serverAddress) ? sourceIp : addressToString(m.serverAddress);
      out.push({ ids: m.ids, host, port: m.serverPort });
    }
  } catch (error) {
    // A stray or broken datagram on our port is no reason to stop searching.
    if (!(error instanceof RemoteProtocolError)) throw error;
  }
  return out;
}
