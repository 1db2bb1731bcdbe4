/**
 * The pure part of answering searches (§3.3–3.5): what to do with a received UDP datagram —
 * forward a unicast search to the local multicast group with an ORIGIN_TAG, answer a broadcast
 * or forwarded one, or ignore it — and which SEARCH_RESPONSE to send for it.
 *
 * @module
 */

import { addressToString, ipv4Address, isUnspecified, UNSPECIFIED_V4 } from "./address.ts";
import { ORIGIN_TAG, SEARCH } from "./commands.ts";
import { type Frame, splitDatagram } from "./frame.ts";
import { encodeHeader, HEADER_SIZE } from "./header.ts";
import { decodeMessage } from "./messages.ts";
import {
  SEARCH_MUST_REPLY,
  SEARCH_UNICAST,
  type SearchMessage,
  type SearchResponseMessage,
} from "./_msg_udp.ts";

/** The local multicast group every PVA server on a host joins (on 127.0.0.1). */
export const LOCAL_MULTICAST_GROUP = "224.0.0.128";

/** Offset of the flags byte in a SEARCH payload. */
const FLAGS_AT = 4;
/** Offset of responseAddress in a SEARCH payload. */
const ADDRESS_AT = 8;

/** What to do with (part of) a received datagram. */
export type SearchAction =
  | {
    /** Send `datagram` to {@linkcode LOCAL_MULTICAST_GROUP} on our UDP port; answer nothing. */
    action: "forward";
    /** ORIGIN_TAG + the SEARCH with the unicast flag cleared and responseAddress filled in. */
    datagram: Uint8Array;
  }
  | {
    /** Answer `search` (see {@linkcode searchReply}) at `replyIp:replyPort`. */
    action: "answer";
    /** The decoded search. */
    search: SearchMessage;
    /** Where to send the response (responseAddress, or the datagram's source). */
    replyIp: string;
    /** responsePort from the SEARCH body, not the UDP source port. */
    replyPort: number;
  }
  | {
    /** Nothing to do. */
    action: "ignore";
    /** Why, for debug logs. */
    reason: string;
  };

/** Options of {@linkcode planSearchDatagram}. */
export interface PlanOptions {
  /**
   * Whether an ORIGIN_TAG address names this host (besides 0.0.0.0 and 127.x, always accepted).
   * @default {() => false}
   */
  isLocalAddress?: (ip: string) => boolean;
}

function acceptsTcp(s: SearchMessage): boolean {
  return s.protocols.length === 0 || s.protocols.includes("tcp");
}

/**
 * Build the datagram that hands a unicast search on to the host's other servers: an ORIGIN_TAG
 * (big-endian, client direction, as pvxs writes it; address 127.0.0.1 when the search came from
 * loopback, else 0.0.0.0) followed by the SEARCH message byte for byte, except that the unicast
 * flag is cleared and an unspecified responseAddress becomes the client's IP.
 *
 * @param searchBytes The SEARCH message as received (header and payload).
 * @param sourceIp The datagram's source IPv4 address.
 * @returns The datagram to send to 224.0.0.128.
 * @example Usage
 * ```ts
 * import { forwardedSearch } from "./search_plan.ts";
 * const search = new Uint8Array(8 + 26);
 * search.set([0xca, 2, 0x80, 3, 0, 0, 0, 26]);
 * forwardedSearch(search, "127.0.0.1")[3]; // 22 (ORIGIN_TAG)
 * ```
 */
export function forwardedSearch(searchBytes: Uint8Array, sourceIp: string): Uint8Array {
  const tagAddress = sourceIp.startsWith("127.") ? ipv4Address("127.0.0.1") : UNSPECIFIED_V4;
  const tag = encodeHeader({
    command: ORIGIN_TAG,
    size: tagAddress.length,
    fromServer: false,
    littleEndian: false,
  });
  const out = new Uint8Array(tag.length + tagAddress.length + searchBytes.length);
  out.set(tag);
  out.set(tagAddress, tag.length);
  const at = tag.length + tagAddress.length;
  out.set(searchBytes, at);
  const body = at + HEADER_SIZE;
  out[body + FLAGS_AT] = out[body + FLAGS_AT]! & ~SEARCH_UNICAST;
  if (isUnspecified(out.subarray(body + ADDRESS_AT, body + ADDRESS_AT + 16))) {
    out.set(ipv4Address(sourceIp), body + ADDRESS_AT);
  }
  return out;
}

function frameBytes(f: Frame): Uint8Array {
  const out = new Uint8Array(HEADER_SIZE + f.payload.length);
  out.set(
    encodeHeader({
      command: f.header.command,
      size: f.header.size,
      fromServer: f.header.fromServer,
      littleEndian: f.header.littleEndian,
    }),
  );
  out.set(f.payload, HEADER_SIZE);
  return out;
}

/**
 * Decide what to do with a UDP datagram received on the search port (§3.5, "for a Node/Deno
 * server"): a datagram starting with an acceptable ORIGIN_TAG is a forwarded copy, answered
 * directly and never forwarded again (dropped if its responseAddress is unspecified); a SEARCH
 * with the unicast flag is forwarded and not answered (our own copy comes back through multicast
 * loopback); any other SEARCH is answered. Searches whose protocol list excludes "tcp" and other
 * commands are ignored.
 *
 * @param datagram The datagram.
 * @param sourceIp Its source IPv4 address.
 * @param options Which tag addresses are ours.
 * @returns One action per SEARCH in the datagram (or one "ignore").
 * @throws {RemoteProtocolError} On a malformed datagram (drop it).
 * @example Usage
 * ```ts
 * import { planSearchDatagram } from "./search_plan.ts";
 * planSearchDatagram(new Uint8Array([0xca, 2, 0x80, 2, 0, 0, 0, 0]), "127.0.0.1")[0]?.action; // "ignore"
 * ```
 */
export function planSearchDatagram(
  datagram: Uint8Array,
  sourceIp: string,
  options: PlanOptions = {},
): SearchAction[] {
  const frames = splitDatagram(datagram);
  let forwarded = false;
  const out: SearchAction[] = [];
  for (const [i, f] of frames.entries()) {
    if (f.header.command === ORIGIN_TAG && i === 0) {
      const tag = decodeMessage(f);
      if (tag.kind !== "OriginTag") continue;
      const ip = addressToString(tag.address);
      const ok = isUnspecified(tag.address) || ip.startsWith("127.") ||
        (options.isLocalAddress?.(ip) ?? false);
      if (!ok) return [{ action: "ignore", reason: `origin tag ${ip} is not ours` }];
      forwarded = true;
      continue;
    }
    if (f.header.command !== SEARCH) continue;
    const search = decodeMessage(f) as SearchMessage;
    if (!acceptsTcp(search)) {
      out.push({ action: "ignore", reason: "search is not for tcp" });
    } else if (forwarded) {
      if (isUnspecified(search.responseAddress)) {
        out.push({ action: "ignore", reason: "forwarded search without responseAddress" });
      } else {
        out.push({
          action: "answer",
          search,
          replyIp: addressToString(search.responseAddress),
          replyPort: search.responsePort,
        });
      }
    } else if (search.flags & SEARCH_UNICAST) {
      out.push({ action: "forward", datagram: forwardedSearch(frameBytes(f), sourceIp) });
    } else {
      const replyIp = isUnspecified(search.responseAddress)
        ? sourceIp
        : addressToString(search.responseAddress);
      out.push({ action: "answer", search, replyIp, replyPort: search.responsePort });
    }
  }
  return out.length > 0 ? out : [{ action: "ignore", reason: "no search in datagram" }];
}

/** What {@linkcode searchReply} needs to know about us. */
export interface ServerIdentity {
  /** Our 12-byte GUID, fixed for the run. */
  guid: Uint8Array;
  /** Our TCP port. */
  port: number;
  /** Whether we serve a PV name. */
  has: (name: string) => boolean;
}

/**
 * The SEARCH_RESPONSE for a search (§3.3): every id whose name we serve; nothing when none is
 * found and mustReply is clear (never deny names: other servers on the host may have them);
 * found = false and no ids when mustReply is set (the discovery ping).
 *
 * @param search The request.
 * @param us GUID, port and name lookup.
 * @returns The response (send it big-endian), or `undefined` for silence.
 * @example Usage
 * ```ts
 * import { searchReply } from "./search_plan.ts";
 * import type { SearchMessage } from "./_msg_udp.ts";
 * const search: SearchMessage = {
 *   kind: "Search", sequence: 1, flags: 0, responseAddress: new Uint8Array(16), responsePort: 5,
 *   protocols: ["tcp"], channels: [{ id: 7, name: "X" }],
 * };
 * searchReply(search, { guid: new Uint8Array(12), port: 5075, has: () => false }); // undefined
 * ```
 */
export function searchReply(
  search: SearchMessage,
  us: ServerIdentity,
): SearchResponseMessage | undefined {
  const ids = search.channels.filter((c) => us.has(c.name)).map((c) => c.id);
  if (ids.length === 0 && !(search.flags & SEARCH_MUST_REPLY)) return undefined;
  return {
    kind: "SearchResponse",
    guid: us.guid,
    sequence: search.sequence,
    serverAddress: UNSPECIFIED_V4.slice(),
    serverPort: us.port,
    protocol: "tcp",
    found: ids.length > 0,
    ids,
  };
}
