/**
 * Decoders of every server reply a CA client handles, keyed by command ID.
 *
 * @module
 */

import {
  ACCESS_RIGHTS,
  CLEAR_CHANNEL,
  CREATE_CH_FAIL,
  CREATE_CHAN,
  ECHO,
  ERROR,
  EVENT_ADD,
  READ_NOTIFY,
  SEARCH,
  SERVER_DISCONN,
  VERSION,
  WRITE_NOTIFY,
} from "./commands.ts";
import { readSlotString } from "./dbr.ts";
import { type DecodedHeader, readHeader } from "./header.ts";

/** Every server reply a client handles, as a discriminated union on `kind`. */
export type Reply =
  | { kind: "VersionReply"; header: DecodedHeader; minor: number }
  | {
    kind: "SearchReply";
    header: DecodedHeader;
    port: number;
    /** IPv4 as u32, or 0xFFFFFFFF for "the sender of this datagram". */
    address: number;
    searchId: number;
    /** Server minor version from the payload; 0 when the payload is missing. */
    minor: number;
  }
  | { kind: "AccessRightsReply"; header: DecodedHeader; cid: number; rights: number }
  | {
    kind: "CreateChanReply";
    header: DecodedHeader;
    cid: number;
    sid: number;
    type: number;
    count: number;
  }
  | { kind: "CreateChFailReply"; header: DecodedHeader; cid: number }
  | ({ kind: "EventAddReply"; header: DecodedHeader; subid: number } & DataReply)
  | ({ kind: "ReadNotifyReply"; header: DecodedHeader; ioid: number } & DataReply)
  | { kind: "EventCancelReply"; header: DecodedHeader; subid: number }
  | { kind: "WriteNotifyReply"; header: DecodedHeader; ioid: number; eca: number }
  | { kind: "ClearChannelReply"; header: DecodedHeader; sid: number; cid: number }
  | { kind: "ServerDisconnReply"; header: DecodedHeader; cid: number }
  | {
    kind: "ErrorReply";
    header: DecodedHeader;
    cid: number;
    eca: number;
    /** The offending request's header, when the payload holds one. */
    request: DecodedHeader | undefined;
    text: string;
  }
  | { kind: "EchoReply"; header: DecodedHeader };

/** The data part of EVENT_ADD and READ_NOTIFY replies. */
export interface DataReply {
  /** ECA status (P1). */
  eca: number;
  /** DBR type of the payload. */
  type: number;
  /** Elements in the payload. */
  count: number;
  /** DBR payload (a view into the input buffer). */
  payload: Uint8Array;
}

/** The `kind` of every reply. */
export type ReplyKind = Reply["kind"];

type Decoder = (h: DecodedHeader, payload: Uint8Array) => Reply;

function decodeError(h: DecodedHeader, p: Uint8Array): Reply {
  const request = readHeader(new DataView(p.buffer, p.byteOffset, p.byteLength), 0, p.length);
  const textAt = request ? request.headerSize : p.length;
  return {
    kind: "ErrorReply",
    header: h,
    cid: h.p1,
    eca: h.p2,
    request,
    text: readSlotString(p, textAt, p.length - textAt),
  };
}

/**
 * Decoders of server replies keyed by command ID. A missing entry is a command a server must not
 * send to a client (libca drops the circuit for those).
 */
export const REPLY_DECODERS: ReadonlyMap<number, Decoder> = new Map<number, Decoder>([
  [VERSION, (h) => ({ kind: "VersionReply", header: h, minor: h.count })],
  [SEARCH, (h, p) => ({
    kind: "SearchReply",
    header: h,
    port: h.type,
    address: h.p1,
    searchId: h.p2,
    minor: p.length >= 2 ? (p[0]! << 8) | p[1]! : 0,
  })],
  [ACCESS_RIGHTS, (h) => ({ kind: "AccessRightsReply", header: h, cid: h.p1, rights: h.p2 })],
  [CREATE_CHAN, (h) => ({
    kind: "CreateChanReply",
    header: h,
    cid: h.p1,
    sid: h.p2,
    type: h.type,
    count: h.count,
  })],
  [CREATE_CH_FAIL, (h) => ({ kind: "CreateChFailReply", header: h, cid: h.p1 })],
  // An EVENT_ADD without payload confirms a cancel; updates always carry data.
  [EVENT_ADD, (h, p) =>
    h.size === 0 ? { kind: "EventCancelReply", header: h, subid: h.p2 } : {
      kind: "EventAddReply",
      header: h,
      subid: h.p2,
      eca: h.p1,
      type: h.type,
      count: h.count,
      payload: p,
    }],
  [READ_NOTIFY, (h, p) => ({
    kind: "ReadNotifyReply",
    header: h,
    ioid: h.p2,
    eca: h.p1,
    type: h.type,
    count: h.count,
    payload: p,
  })],
  [WRITE_NOTIFY, (h) => ({ kind: "WriteNotifyReply", header: h, ioid: h.p2, eca: h.p1 })],
  [CLEAR_CHANNEL, (h) => ({ kind: "ClearChannelReply", header: h, sid: h.p1, cid: h.p2 })],
  [SERVER_DISCONN, (h) => ({ kind: "ServerDisconnReply", header: h, cid: h.p1 })],
  [ERROR, decodeError],
  [ECHO, (h) => ({ kind: "EchoReply", header: h })],
]);

/**
 * Decode one server reply.
 *
 * @param header Its header.
 * @param payload Its payload (a view; copy what must outlive the input buffer).
 * @returns The reply, or `undefined` for a command code servers must not send to clients.
 * @example Usage
 * ```ts
 * import { decodeReply } from "./client_messages.ts";
 * import { decodeHeader } from "./header.ts";
 * const h = decodeHeader(new Uint8Array([0, 23, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]))!;
 * decodeReply(h, new Uint8Array(0))?.kind; // "EchoReply"
 * ```
 */
export function decodeReply(header: DecodedHeader, payload: Uint8Array): Reply | undefined {
  return REPLY_DECODERS.get(header.cmd)?.(header, payload);
}
