/**
 * CA command codes, the typed client requests with their decoders (keyed by command ID), and the
 * encoders of server messages.
 *
 * @module
 */

import { readSlotString } from "./dbr.ts";
import { type DecodedHeader, type Header, HEADER_SIZE, setHeader, writeHeader } from "./header.ts";
import type { OutBuffer } from "./out_buffer.ts";

/** Protocol minor version we implement and advertise. */
export const CA_MINOR_VERSION = 13;

/** Command codes (ca-protocol.md §1.5). */
export const VERSION = 0;
/** Subscribe; also every update and the cancel confirmation. */
export const EVENT_ADD = 1;
/** Cancel a subscription. */
export const EVENT_CANCEL = 2;
/** Legacy get. */
export const READ = 3;
/** Put without reply. */
export const WRITE = 4;
/** Name resolution. */
export const SEARCH = 6;
/** Flow control on. */
export const EVENTS_OFF = 8;
/** Flow control off. */
export const EVENTS_ON = 9;
/** Legacy ping. */
export const READ_SYNC = 10;
/** Exception report. */
export const ERROR = 11;
/** Destroy a channel. */
export const CLEAR_CHANNEL = 12;
/** Beacon. */
export const RSRV_IS_UP = 13;
/** Negative search reply. */
export const NOT_FOUND = 14;
/** Get with reply. */
export const READ_NOTIFY = 15;
/** Create a channel. */
export const CREATE_CHAN = 18;
/** Put with completion reply. */
export const WRITE_NOTIFY = 19;
/** Client user name. */
export const CLIENT_NAME = 20;
/** Client host name. */
export const HOST_NAME = 21;
/** Access rights of a channel. */
export const ACCESS_RIGHTS = 22;
/** Echo. */
export const ECHO = 23;
/** Channel creation refused. */
export const CREATE_CH_FAIL = 26;
/** The server drops one channel. */
export const SERVER_DISCONN = 27;

/** SEARCH reply flag: answer even when not found (TCP only). */
export const DO_REPLY = 10;
/** SEARCH reply flag: stay silent when not found. */
export const DONT_REPLY = 5;

/** EVENT_ADD mask bit: value changed. */
export const DBE_VALUE = 1;
/** EVENT_ADD mask bit: value changed beyond the archive deadband. */
export const DBE_LOG = 2;
/** EVENT_ADD mask bit: alarm status or severity changed. */
export const DBE_ALARM = 4;
/** EVENT_ADD mask bit: metadata changed. */
export const DBE_PROPERTY = 8;

/** Every request a client can send, as a discriminated union on `kind`. */
export type Request =
  | { kind: "VersionRequest"; header: DecodedHeader; priority: number; minor: number }
  | {
    kind: "SearchRequest";
    header: DecodedHeader;
    replyFlag: number;
    minor: number;
    searchId: number;
    name: string;
  }
  | { kind: "CreateChanRequest"; header: DecodedHeader; cid: number; minor: number; name: string }
  | { kind: "ClientNameRequest"; header: DecodedHeader; name: string }
  | { kind: "HostNameRequest"; header: DecodedHeader; name: string }
  | {
    kind: "ReadNotifyRequest" | "ReadRequest";
    header: DecodedHeader;
    type: number;
    count: number;
    sid: number;
    ioid: number;
  }
  | {
    kind: "WriteRequest";
    header: DecodedHeader;
    type: number;
    count: number;
    sid: number;
    cid: number;
    payload: Uint8Array;
  }
  | {
    kind: "WriteNotifyRequest";
    header: DecodedHeader;
    type: number;
    count: number;
    sid: number;
    ioid: number;
    payload: Uint8Array;
  }
  | {
    kind: "EventAddRequest";
    header: DecodedHeader;
    type: number;
    count: number;
    sid: number;
    subid: number;
    mask: number;
  }
  | {
    kind: "EventCancelRequest";
    header: DecodedHeader;
    type: number;
    count: number;
    sid: number;
    subid: number;
  }
  | { kind: "ClearChannelRequest"; header: DecodedHeader; sid: number; cid: number }
  | { kind: "EchoRequest"; header: DecodedHeader; payload: Uint8Array }
  | { kind: "EventsOffRequest"; header: DecodedHeader }
  | { kind: "EventsOnRequest"; header: DecodedHeader }
  | { kind: "ReadSyncRequest"; header: DecodedHeader };

/** The `kind` of every request. */
export type RequestKind = Request["kind"];

/**
 * The DBE_* mask of an EVENT_ADD request, read in place from its payload.
 *
 * @param bytes Buffer holding the payload.
 * @param at Start of the payload.
 * @param size Payload bytes.
 * @returns The mask at payload offset 12; a short payload means "value and alarm", as old clients
 *   meant.
 */
export function eventAddMask(bytes: Uint8Array, at: number, size: number): number {
  return size >= 14 ? (bytes[at + 12]! << 8) | bytes[at + 13]! : DBE_VALUE | DBE_ALARM;
}

/** Most bytes of a host or user name that are kept (RSRV's cap). */
const MAX_NAME_BYTES = 512;

function text(payload: Uint8Array, max = payload.length): string {
  return readSlotString(payload, 0, Math.min(max, payload.length));
}

type Decoder = (h: DecodedHeader, payload: Uint8Array) => Request;

/**
 * Decoders of client requests keyed by command ID. A missing entry is a command a client must not
 * send (obsolete or server-only).
 */
export const REQUEST_DECODERS: ReadonlyMap<number, Decoder> = new Map<number, Decoder>([
  [VERSION, (h) => ({ kind: "VersionRequest", header: h, priority: h.type, minor: h.count })],
  [SEARCH, (h, p) => ({
    kind: "SearchRequest",
    header: h,
    replyFlag: h.type,
    minor: h.count,
    searchId: h.p2,
    name: text(p),
  })],
  [CREATE_CHAN, (h, p) => ({
    kind: "CreateChanRequest",
    header: h,
    cid: h.p1,
    minor: h.p2,
    name: text(p),
  })],
  [
    CLIENT_NAME,
    (h, p) => ({ kind: "ClientNameRequest", header: h, name: text(p, MAX_NAME_BYTES) }),
  ],
  [HOST_NAME, (h, p) => ({ kind: "HostNameRequest", header: h, name: text(p, MAX_NAME_BYTES) })],
  [READ_NOTIFY, (h) => ({
    kind: "ReadNotifyRequest",
    header: h,
    type: h.type,
    count: h.count,
    sid: h.p1,
    ioid: h.p2,
  })],
  [READ, (h) => ({
    kind: "ReadRequest",
    header: h,
    type: h.type,
    count: h.count,
    sid: h.p1,
    ioid: h.p2,
  })],
  [WRITE, (h, p) => ({
    kind: "WriteRequest",
    header: h,
    type: h.type,
    count: h.count,
    sid: h.p1,
    cid: h.p2,
    payload: p,
  })],
  [WRITE_NOTIFY, (h, p) => ({
    kind: "WriteNotifyRequest",
    header: h,
    type: h.type,
    count: h.count,
    sid: h.p1,
    ioid: h.p2,
    payload: p,
  })],
  [EVENT_ADD, (h, p) => ({
    kind: "EventAddRequest",
    header: h,
    type: h.type,
    count: h.count,
    sid: h.p1,
    subid: h.p2,
    mask: eventAddMask(p, 0, p.length),
  })],
  [EVENT_CANCEL, (h) => ({
    kind: "EventCancelRequest",
    header: h,
    type: h.type,
    count: h.count,
    sid: h.p1,
    subid: h.p2,
  })],
  [CLEAR_CHANNEL, (h) => ({ kind: "ClearChannelRequest", header: h, sid: h.p1, cid: h.p2 })],
  [ECHO, (h, p) => ({ kind: "EchoRequest", header: h, payload: p })],
  [EVENTS_OFF, (h) => ({ kind: "EventsOffRequest", header: h })],
  [EVENTS_ON, (h) => ({ kind: "EventsOnRequest", header: h })],
  [READ_SYNC, (h) => ({ kind: "ReadSyncRequest", header: h })],
]);

/** {@linkcode REQUEST_DECODERS} indexed by command ID: an array load instead of a hash lookup. */
const DECODER_TABLE: readonly (Decoder | undefined)[] = Array.from(
  { length: Math.max(...REQUEST_DECODERS.keys()) + 1 },
  (_, cmd) => REQUEST_DECODERS.get(cmd),
);

/**
 * Decode one request.
 *
 * @param header Its header.
 * @param payload Its payload (a view; copy what must outlive the input buffer).
 * @returns The request, or `undefined` for a command code clients must not send.
 */
export function decodeRequest(header: DecodedHeader, payload: Uint8Array): Request | undefined {
  return DECODER_TABLE[header.cmd]?.(header, payload);
}

/**
 * Append a message without payload.
 *
 * @param out Destination.
 * @param h Header fields (`size` 0 expected).
 */
export function writeBare(out: OutBuffer, h: Header): void {
  const at = out.reserve(24);
  out.commit(writeHeader(out.view, at, h));
}

/** Fields of the fixed-layout replies below; writeHeader copies them out at once. */
const bare: Header = { cmd: 0, size: 0, type: 0, count: 0, p1: 0, p2: 0 };

function putBare(
  out: OutBuffer,
  cmd: number,
  type: number,
  count: number,
  p1: number,
  p2: number,
): void {
  writeBare(out, setHeader(bare, cmd, 0, type, count, p1, p2));
}

/**
 * Append the server VERSION sent on accept.
 *
 * @param out Destination.
 */
export function writeVersion(out: OutBuffer): void {
  putBare(out, VERSION, 0, CA_MINOR_VERSION, 0, 0);
}

/**
 * Append ACCESS_RIGHTS.
 *
 * @param out Destination.
 * @param msg Client channel id and rights bits (1 read, 2 write).
 */
export function writeAccessRights(out: OutBuffer, msg: { cid: number; rights: number }): void {
  putBare(out, ACCESS_RIGHTS, 0, 0, msg.cid, msg.rights);
}

/**
 * Append the CREATE_CHAN reply (extended when the count is ≥ 0xFFFF).
 *
 * @param out Destination.
 * @param msg Ids, native type and native element count.
 */
export function writeCreateChanReply(
  out: OutBuffer,
  msg: { cid: number; sid: number; type: number; count: number },
): void {
  putBare(out, CREATE_CHAN, msg.type, msg.count, msg.cid, msg.sid);
}

/**
 * Append a message with a copied payload (padded to 8 bytes).
 *
 * @param out Destination.
 * @param h Header fields; `size` is replaced by the padded payload length.
 * @param payload Payload bytes.
 */
export function writeWithPayload(out: OutBuffer, h: Header, payload: Uint8Array): void {
  const size = (payload.length + 7) & ~7;
  const at = out.reserve(24 + size);
  const hs = writeHeader(out.view, at, { ...h, size });
  out.bytes.set(payload, at + hs);
  out.bytes.fill(0, at + hs + payload.length, at + hs + size);
  out.commit(hs + size);
}

/** Most bytes of the ERROR context text (RSRV caps the whole message at 512 bytes). */
const MAX_ERROR_TEXT = 400;
const textEncoder = new TextEncoder();

/**
 * Append CA_PROTO_ERROR: the offending request's header as it was on the wire, then a text.
 *
 * @param out Destination.
 * @param msg `cid` (P1; 0xFFFFFFFF if none), `eca` code, the offending `request` header, context
 *   `text` (usually the PV name).
 */
export function writeError(
  out: OutBuffer,
  msg: { cid: number; eca: number; request: DecodedHeader; text: string },
): void {
  const t = textEncoder.encode(msg.text).subarray(0, MAX_ERROR_TEXT);
  const hsz = msg.request.headerSize;
  const body = new Uint8Array(hsz + t.length + 1);
  const view = new DataView(body.buffer);
  view.setUint16(0, msg.request.cmd);
  view.setUint16(4, msg.request.type);
  view.setUint32(8, msg.request.p1);
  view.setUint32(12, msg.request.p2);
  if (hsz > HEADER_SIZE) {
    view.setUint16(2, 0xffff);
    view.setUint32(16, msg.request.size);
    view.setUint32(20, msg.request.count);
  } else {
    view.setUint16(2, msg.request.size);
    view.setUint16(6, msg.request.count);
  }
  body.set(t, hsz);
  writeWithPayload(out, { cmd: ERROR, size: 0, type: 0, count: 0, p1: msg.cid, p2: msg.eca }, body);
}

/**
 * Build a beacon datagram.
 *
 * @param msg Server TCP port, beacon sequence number, server address (0 = let the repeater fill it).
 * @returns 16 bytes.
 */
export function encodeBeacon(msg: { port: number; seq: number; address: number }): Uint8Array {
  const bytes = new Uint8Array(HEADER_SIZE);
  writeHeader(new DataView(bytes.buffer), 0, {
    cmd: RSRV_IS_UP,
    size: 0,
    type: CA_MINOR_VERSION,
    count: msg.port,
    p1: msg.seq,
    p2: msg.address,
  });
  return bytes;
}
