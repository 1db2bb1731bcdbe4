/**
 * The client's side of the wire: encoders of the requests a CA client sends (search datagrams,
 * the circuit handshake, channel and subscription requests) and the decoders of every server
 * reply, keyed by command ID, plus the DBR_TIME payload decoder.
 *
 * @module
 */

import {
  ACCESS_RIGHTS,
  CA_MINOR_VERSION,
  CLEAR_CHANNEL,
  CLIENT_NAME,
  CREATE_CH_FAIL,
  CREATE_CHAN,
  DONT_REPLY,
  ECHO,
  ERROR,
  EVENT_ADD,
  EVENT_CANCEL,
  HOST_NAME,
  READ_NOTIFY,
  SEARCH,
  SERVER_DISCONN,
  VERSION,
  WRITE,
  WRITE_NOTIFY,
  writeBare,
  writeWithPayload,
} from "./commands.ts";
import type { Values } from "./convert.ts";
import {
  DBR_DOUBLE,
  DBR_STRING,
  dbrLayout,
  dbrSize,
  type DbrSource,
  decodeDbrValues,
  encodeDbr,
  readSlotString,
} from "./dbr.ts";
import { align8, type DecodedHeader, HEADER_SIZE, readHeader, writeHeader } from "./header.ts";
import type { OutBuffer } from "./out_buffer.ts";

/** Seconds between the POSIX and the EPICS (1990-01-01 UTC) epochs. */
export const EPICS_EPOCH_OFFSET = 631152000;
/** Largest search datagram libca sends. */
export const MAX_SEARCH_DATAGRAM = 1024;
/** Family offset of DBR_TIME_<native>: `DBR_TIME_x = 14 + x`. */
const TIME_FAMILY = 14;

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

const encoder = new TextEncoder();

function nulTerminated(text: string): Uint8Array {
  const bytes = encoder.encode(text);
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  return out;
}

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
 * Append the client's opening messages: VERSION (priority, our minor), CLIENT_NAME, HOST_NAME.
 *
 * @param out Destination.
 * @param hello `priority` 0–99, user name and host name.
 */
export function writeHello(
  out: OutBuffer,
  hello: { priority: number; user: string; host: string },
): void {
  writeBare(out, {
    cmd: VERSION,
    size: 0,
    type: hello.priority,
    count: CA_MINOR_VERSION,
    p1: 0,
    p2: 0,
  });
  const zero = { size: 0, type: 0, count: 0, p1: 0, p2: 0 };
  writeWithPayload(out, { cmd: CLIENT_NAME, ...zero }, nulTerminated(hello.user));
  writeWithPayload(out, { cmd: HOST_NAME, ...zero }, nulTerminated(hello.host));
}

/**
 * Append CREATE_CHAN.
 *
 * @param out Destination.
 * @param msg Client channel id and PV name.
 */
export function writeCreateChan(out: OutBuffer, msg: { cid: number; name: string }): void {
  writeWithPayload(
    out,
    { cmd: CREATE_CHAN, size: 0, type: 0, count: 0, p1: msg.cid, p2: CA_MINOR_VERSION },
    nulTerminated(msg.name),
  );
}

/**
 * Append READ_NOTIFY.
 *
 * @param out Destination.
 * @param msg Server channel id, request id, DBR type and element count (0 = current length).
 */
export function writeReadNotify(
  out: OutBuffer,
  msg: { sid: number; ioid: number; type: number; count: number },
): void {
  writeBare(out, {
    cmd: READ_NOTIFY,
    size: 0,
    type: msg.type,
    count: msg.count,
    p1: msg.sid,
    p2: msg.ioid,
  });
}

/**
 * Append EVENT_ADD (low, high and timeout 0, then the mask).
 *
 * @param out Destination.
 * @param msg Server channel id, subscription id, DBR type, element count and DBE_* mask.
 */
export function writeEventAdd(
  out: OutBuffer,
  msg: { sid: number; subid: number; type: number; count: number; mask: number },
): void {
  const payload = new Uint8Array(16);
  new DataView(payload.buffer).setUint16(12, msg.mask);
  writeWithPayload(out, {
    cmd: EVENT_ADD,
    size: 0,
    type: msg.type,
    count: msg.count,
    p1: msg.sid,
    p2: msg.subid,
  }, payload);
}

/**
 * Append EVENT_CANCEL.
 *
 * @param out Destination.
 * @param msg Server channel id, subscription id, and the subscription's type and count.
 */
export function writeEventCancel(
  out: OutBuffer,
  msg: { sid: number; subid: number; type: number; count: number },
): void {
  writeBare(out, {
    cmd: EVENT_CANCEL,
    size: 0,
    type: msg.type,
    count: msg.count,
    p1: msg.sid,
    p2: msg.subid,
  });
}

/**
 * Append WRITE (a put without reply) of numbers or strings.
 *
 * @param out Destination.
 * @param msg Server and client channel ids and the values: strings are sent as DBR_STRING,
 *   numbers as DBR_DOUBLE (the server converts to the native type).
 */
export function writeWrite(
  out: OutBuffer,
  msg: { sid: number; cid: number; values: Values },
): void {
  const type = typeof msg.values[0] === "string" ? DBR_STRING : DBR_DOUBLE;
  const layout = dbrLayout(type)!;
  const n = msg.values.length;
  const payload = new Uint8Array(align8(dbrSize(layout, Math.max(n, 1))));
  encodeDbr(payload, 0, { layout, n }, valuesSource(type, msg.values));
  writeWithPayload(out, {
    cmd: WRITE,
    size: 0,
    type,
    count: n,
    p1: msg.sid,
    p2: msg.cid,
  }, payload);
}

function valuesSource(type: number, values: Values): DbrSource {
  return {
    nativeType: type,
    values,
    status: 0,
    severity: 0,
    secPastEpoch: 0,
    nsec: 0,
    units: "",
    precision: 0,
    stringPrecision: 0,
    limits: [],
    enumStrings: [],
    className: "",
  };
}

/**
 * Append CLEAR_CHANNEL.
 *
 * @param out Destination.
 * @param msg Server and client channel ids.
 */
export function writeClearChannel(out: OutBuffer, msg: { sid: number; cid: number }): void {
  writeBare(out, { cmd: CLEAR_CHANNEL, size: 0, type: 0, count: 0, p1: msg.sid, p2: msg.cid });
}

/**
 * Append ECHO.
 *
 * @param out Destination.
 */
export function writeEcho(out: OutBuffer): void {
  writeBare(out, { cmd: ECHO, size: 0, type: 0, count: 0, p1: 0, p2: 0 });
}

/**
 * The DBR_TIME type for a native type.
 *
 * @param nativeType Value type 0–6.
 * @returns DBR_TIME_<native> (14–20).
 * @example Usage
 * ```ts
 * import { timeTypeOf } from "./client_messages.ts";
 * timeTypeOf(6); // 20 (DBR_TIME_DOUBLE)
 * ```
 */
export function timeTypeOf(nativeType: number): number {
  return TIME_FAMILY + nativeType;
}

/** A decoded DBR_TIME payload. */
export interface TimeValue {
  /** Elements: strings for DBR_TIME_STRING, numbers otherwise (enums as indices). */
  readonly values: Values;
  /** Alarm status 0–21. */
  readonly status: number;
  /** Alarm severity 0–3. */
  readonly severity: number;
  /** Time stamp in milliseconds since 1970. */
  readonly timestamp: number;
}

/**
 * Decode a DBR_TIME_<x> payload.
 *
 * @param payload The reply payload.
 * @param reply The reply's DBR `type` (14–20) and element `count`.
 * @returns The value, or `undefined` when the type is not a TIME type or the payload is short.
 * @example Usage
 * ```ts
 * import { decodeTimeValue } from "./client_messages.ts";
 * decodeTimeValue(new Uint8Array(24), { type: 20, count: 1 })?.values; // [0]
 * ```
 */
export function decodeTimeValue(
  payload: Uint8Array,
  reply: { type: number; count: number },
): TimeValue | undefined {
  if (reply.type < TIME_FAMILY || reply.type > TIME_FAMILY + 6) return undefined;
  const layout = dbrLayout(reply.type)!;
  if (payload.length < layout.voff) return undefined;
  const values = decodeDbrValues(payload, reply);
  if (typeof values === "number") return undefined;
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const sec = view.getUint32(4);
  const nsec = view.getUint32(8);
  return {
    values,
    status: view.getInt16(0),
    severity: view.getInt16(2),
    timestamp: (sec + EPICS_EPOCH_OFFSET) * 1000 + nsec / 1e6,
  };
}
