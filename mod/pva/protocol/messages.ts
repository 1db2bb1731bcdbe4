/**
 * Every pvAccess message as one discriminated union ({@linkcode PvaMessage}), with
 * {@linkcode encodeMessage} (header + payload) and {@linkcode decodeMessage} (from a
 * {@linkcode Frame}). Decoding picks the layout from the command and the header's direction bit,
 * reads in the message's own byte order (§1.3), resolves the connection's type cache, and
 * decodes operation data with the types the caller knows by ioid.
 *
 * @module
 */

import * as C from "./commands.ts";
import { LocalProtocolError } from "./errors.ts";
import type { Frame } from "./frame.ts";
import { HEADER_SIZE, writeHeader } from "./header.ts";
import {
  type CreateChannelReplyMessage,
  type CreateChannelRequestMessage,
  type DestroyChannelMessage,
  type EchoMessage,
  type GetFieldMessage,
  type GetFieldReplyMessage,
  readCreateChannelReply,
  readCreateChannelRequest,
  readGetFieldReply,
  readMessageText,
  readValidationOffer,
  readValidationReply,
  type RequestEndMessage,
  type TextMessage,
  type ValidatedMessage,
  type ValidationOfferMessage,
  type ValidationReplyMessage,
  writeCreateChannelReply,
  writeCreateChannelRequest,
  writeGetFieldReply,
  writeMessageText,
  writeValidationOffer,
  writeValidationReply,
} from "./_msg_connection.ts";
import {
  type DataReplyMessage,
  type DataTypes,
  type GetExecMessage,
  type InitReplyMessage,
  type InitRequestMessage,
  type MonitorEndMessage,
  type MonitorExecMessage,
  type MonitorUpdateMessage,
  type OtherOperationMessage,
  type PutExecMessage,
  type PutFetchMessage,
  type PutReplyMessage,
  readOperationReply,
  readOperationRequest,
  type RpcExecMessage,
  type RpcReplyMessage,
  writeDataReply,
  writeInitReply,
  writeInitRequest,
  writeMonitorExec,
  writeMonitorUpdate,
  writePutExec,
  writeRpcExec,
  writeRpcReply,
} from "./_msg_operation.ts";
import {
  type BeaconMessage,
  type OriginTagMessage,
  readBeacon,
  readOriginTag,
  readSearch,
  readSearchResponse,
  type SearchMessage,
  type SearchResponseMessage,
  writeBeacon,
  writeOriginTag,
  writeSearch,
  writeSearchResponse,
} from "./_msg_udp.ts";
import { PvaReader, type PvaReaderOptions } from "./reader.ts";
import { readStatus, writeStatus } from "./status.ts";
import type { TypeCache } from "./type_cache.ts";
import { PvaWriter } from "./writer.ts";

/** A control message (§1.4): the header's size field is its value. */
export interface ControlMessage {
  /** Discriminator. */
  kind: "Control";
  /** SET_MARKER, ACK_MARKER, SET_BYTE_ORDER, … */
  command: number;
  /** The value field. */
  value: number;
}

/** An application message we do not decode (skip it, as pvxs does). */
export interface UnknownMessage {
  /** Discriminator. */
  kind: "Unknown";
  /** Its command. */
  command: number;
  /** Its payload. */
  payload: Uint8Array;
}

/** Any pvAccess message, in either direction. */
export type PvaMessage =
  | ControlMessage
  | UnknownMessage
  | ValidationOfferMessage
  | ValidationReplyMessage
  | ValidatedMessage
  | EchoMessage
  | SearchMessage
  | SearchResponseMessage
  | BeaconMessage
  | OriginTagMessage
  | CreateChannelRequestMessage
  | CreateChannelReplyMessage
  | DestroyChannelMessage
  | GetFieldMessage
  | GetFieldReplyMessage
  | RequestEndMessage
  | TextMessage
  | InitRequestMessage
  | InitReplyMessage
  | GetExecMessage
  | PutFetchMessage
  | PutExecMessage
  | DataReplyMessage
  | PutReplyMessage
  | MonitorExecMessage
  | MonitorUpdateMessage
  | MonitorEndMessage
  | RpcExecMessage
  | RpcReplyMessage
  | OtherOperationMessage;

/** The `kind` strings of {@linkcode PvaMessage}. */
export type PvaMessageKind = PvaMessage["kind"];

/** Kinds only clients send (their default direction bit is "client"). */
const CLIENT_KINDS: ReadonlySet<PvaMessageKind> = new Set<PvaMessageKind>([
  "ValidationReply",
  "Search",
  "OriginTag",
  "CreateChannelRequest",
  "GetField",
  "DestroyRequest",
  "CancelRequest",
  "InitRequest",
  "GetExec",
  "PutFetch",
  "PutExec",
  "MonitorExec",
  "RpcExec",
]);

/**
 * The command code of a message.
 *
 * @param m The message.
 * @returns Its command.
 * @example Usage
 * ```ts
 * import { commandOf } from "./messages.ts";
 * commandOf({ kind: "Echo", payload: new Uint8Array() }); // 2
 * ```
 */
export function commandOf(m: PvaMessage): number {
  switch (m.kind) {
    case "Control":
    case "Unknown":
    case "InitRequest":
    case "InitReply":
    case "OtherOperation":
      return m.command;
    case "ValidationOffer":
    case "ValidationReply":
      return C.CONNECTION_VALIDATION;
    case "Validated":
      return C.CONNECTION_VALIDATED;
    case "Echo":
      return C.ECHO;
    case "Search":
      return C.SEARCH;
    case "SearchResponse":
      return C.SEARCH_RESPONSE;
    case "Beacon":
      return C.BEACON;
    case "OriginTag":
      return C.ORIGIN_TAG;
    case "CreateChannelRequest":
    case "CreateChannelReply":
      return C.CREATE_CHANNEL;
    case "DestroyChannel":
      return C.DESTROY_CHANNEL;
    case "GetField":
    case "GetFieldReply":
      return C.GET_FIELD;
    case "DestroyRequest":
      return C.DESTROY_REQUEST;
    case "CancelRequest":
      return C.CANCEL_REQUEST;
    case "Message":
      return C.MESSAGE;
    case "GetExec":
    case "GetReply":
      return C.GET;
    case "PutFetch":
    case "PutExec":
    case "PutFetchReply":
    case "PutReply":
      return C.PUT;
    case "MonitorExec":
    case "MonitorUpdate":
    case "MonitorEnd":
      return C.MONITOR;
    case "RpcExec":
    case "RpcReply":
      return C.RPC;
    default: {
      const never: never = m;
      throw new LocalProtocolError(`Cannot encode message ${JSON.stringify(never)}`);
    }
  }
}

function writePayload(w: PvaWriter, m: PvaMessage): void {
  switch (m.kind) {
    case "Control":
      return;
    case "Unknown":
    case "Echo":
    case "OtherOperation":
      return w.bytes(m.payload);
    case "ValidationOffer":
      return writeValidationOffer(w, m);
    case "ValidationReply":
      return writeValidationReply(w, m);
    case "Validated":
      return writeStatus(w, m.status);
    case "Search":
      return writeSearch(w, m);
    case "SearchResponse":
      return writeSearchResponse(w, m);
    case "Beacon":
      return writeBeacon(w, m);
    case "OriginTag":
      return writeOriginTag(w, m);
    case "CreateChannelRequest":
      return writeCreateChannelRequest(w, m);
    case "CreateChannelReply":
      return writeCreateChannelReply(w, m);
    case "DestroyChannel":
      w.u32(m.sid);
      return w.u32(m.cid);
    case "GetField":
      w.u32(m.sid);
      w.u32(m.ioid);
      return w.string(m.subField);
    case "GetFieldReply":
      return writeGetFieldReply(w, m);
    case "DestroyRequest":
    case "CancelRequest":
      w.u32(m.sid);
      return w.u32(m.ioid);
    case "Message":
      return writeMessageText(w, m);
    case "InitRequest":
      return writeInitRequest(w, m);
    case "InitReply":
      return writeInitReply(w, m);
    case "GetExec":
    case "PutFetch":
      w.u32(m.sid);
      w.u32(m.ioid);
      return w.u8(m.subcmd);
    case "PutExec":
      return writePutExec(w, m);
    case "GetReply":
    case "PutFetchReply":
      return writeDataReply(w, m);
    case "PutReply":
    case "MonitorEnd":
      w.u32(m.ioid);
      w.u8(m.subcmd);
      return writeStatus(w, m.status);
    case "MonitorExec":
      return writeMonitorExec(w, m);
    case "MonitorUpdate":
      return writeMonitorUpdate(w, m);
    case "RpcExec":
      return writeRpcExec(w, m);
    case "RpcReply":
      return writeRpcReply(w, m);
    default: {
      const never: never = m;
      throw new LocalProtocolError(`Cannot encode message ${JSON.stringify(never)}`);
    }
  }
}

/** Options of {@linkcode encodeMessage} and {@linkcode writeMessage}. */
export interface EncodeOptions {
  /**
   * Direction bit. Defaults to "client" for kinds only clients send (requests, SEARCH,
   * ORIGIN_TAG) and "server" for everything else.
   */
  fromServer?: boolean;
}

/**
 * Append one message (header and payload) to a writer, in the writer's byte order. Several
 * messages can be batched into one socket write this way (the server's first write is
 * SET_BYTE_ORDER + CONNECTION_VALIDATION).
 *
 * @param w Destination (its byte order is the message's: TCP little-endian, UDP big-endian).
 * @param m The message.
 * @param options Direction.
 * @example Usage
 * ```ts
 * import { writeMessage } from "./messages.ts";
 * import { PvaWriter } from "./writer.ts";
 * const w = new PvaWriter();
 * writeMessage(w, { kind: "Control", command: 2, value: 0 });
 * w.finish(); // ca 02 41 02 00 00 00 00
 * ```
 */
export function writeMessage(w: PvaWriter, m: PvaMessage, options: EncodeOptions = {}): void {
  const at = w.length;
  const command = commandOf(m);
  const fromServer = options.fromServer ?? !CLIENT_KINDS.has(m.kind);
  const littleEndian = w.littleEndian;
  // Header with a provisional size, patched once the payload length is known.
  w.u32(0);
  w.u32(0);
  writePayload(w, m);
  const control = m.kind === "Control";
  const size = control ? m.value : w.length - at - HEADER_SIZE;
  writeHeader(HEADER_VIEW, { command, size, control, fromServer, littleEndian });
  w.patch(at, HEADER_SCRATCH);
}

/** Where {@linkcode writeMessage} builds each header before patching it in (no allocation). */
const HEADER_SCRATCH = new Uint8Array(HEADER_SIZE);
const HEADER_VIEW = new DataView(HEADER_SCRATCH.buffer);

/**
 * Encode one message with its header.
 *
 * @param m The message.
 * @param options Byte order (default little-endian, our TCP choice) and direction.
 * @returns The bytes.
 * @example Usage
 * ```ts
 * import { encodeMessage } from "./messages.ts";
 * encodeMessage({ kind: "Validated", status: { type: "ok", message: "" } }); // ca 02 40 09 01 00 00 00 ff
 * ```
 */
export function encodeMessage(
  m: PvaMessage,
  options: EncodeOptions & { littleEndian?: boolean } = {},
): Uint8Array {
  const w = new PvaWriter({ littleEndian: options.littleEndian ?? true });
  writeMessage(w, m, options);
  return w.finish();
}

/**
 * Encode UDP messages into one datagram, big-endian as pvxs sends UDP (§1.3): a
 * SEARCH_RESPONSE, a BEACON.
 *
 * @param messages The messages, in order.
 * @returns The datagram.
 * @example Usage
 * ```ts
 * import { encodeDatagram } from "./messages.ts";
 * encodeDatagram({ kind: "Echo", payload: new Uint8Array() })[2]; // 0xc0
 * ```
 */
export function encodeDatagram(...messages: PvaMessage[]): Uint8Array {
  const w = new PvaWriter({ littleEndian: false, initialSize: 128 });
  for (const m of messages) writeMessage(w, m);
  return w.finish();
}

const LITTLE_ENDIAN = { littleEndian: true };
const BIG_ENDIAN = { littleEndian: false };
/** Reader options of each connection's type cache, made once (not once per message). */
const CACHE_OPTIONS = new WeakMap<TypeCache, { le: PvaReaderOptions; be: PvaReaderOptions }>();

function readerOptions(littleEndian: boolean, cache: TypeCache | undefined): PvaReaderOptions {
  if (cache === undefined) return littleEndian ? LITTLE_ENDIAN : BIG_ENDIAN;
  let both = CACHE_OPTIONS.get(cache);
  if (both === undefined) {
    both = { le: { littleEndian: true, cache }, be: { littleEndian: false, cache } };
    CACHE_OPTIONS.set(cache, both);
  }
  return littleEndian ? both.le : both.be;
}

/** Options of {@linkcode decodeMessage}. */
export interface DecodeOptions {
  /** The connection's receive-side type cache (required for pvAccessCPP peers). */
  cache?: TypeCache;
  /** Operation data types by ioid, for PUT data, GET/PUT replies and MONITOR updates. */
  types?: DataTypes;
}

/**
 * Decode one (reassembled) message.
 *
 * @param frame Header and payload, from {@linkcode FrameSplitter} / {@linkcode SegmentAssembler}
 *   or {@linkcode splitDatagram}.
 * @param options Type cache and operation types.
 * @returns The message; `Unknown` for commands without a decoder.
 * @throws {RemoteProtocolError} On malformed payloads.
 * @example Usage
 * ```ts
 * import { decodeHeader } from "./header.ts";
 * import { decodeMessage } from "./messages.ts";
 * const header = decodeHeader(new Uint8Array([0xca, 2, 0x00, 2, 0, 0, 0, 0]))!;
 * decodeMessage({ header, payload: new Uint8Array() }).kind; // "Echo"
 * ```
 */
export function decodeMessage(frame: Frame, options: DecodeOptions = {}): PvaMessage {
  const h = frame.header;
  if (h.control) return { kind: "Control", command: h.command, value: h.size };
  const r = new PvaReader(frame.payload, readerOptions(h.littleEndian, options.cache));
  switch (h.command) {
    case C.BEACON:
      return readBeacon(r);
    case C.ECHO:
      // A frame's payload may be a view into a reused buffer: messages keep copies.
      return { kind: "Echo", payload: frame.payload.slice() };
    case C.SEARCH:
      return readSearch(r);
    case C.SEARCH_RESPONSE:
      return readSearchResponse(r);
    case C.ORIGIN_TAG:
      return readOriginTag(r);
    case C.DESTROY_CHANNEL:
      return { kind: "DestroyChannel", sid: r.u32(), cid: r.u32() };
    case C.CONNECTION_VALIDATED:
      return { kind: "Validated", status: readStatus(r) };
    case C.MESSAGE:
      return readMessageText(r);
    case C.DESTROY_REQUEST:
      return { kind: "DestroyRequest", sid: r.u32(), ioid: r.u32() };
    case C.CANCEL_REQUEST:
      return { kind: "CancelRequest", sid: r.u32(), ioid: r.u32() };
    case C.CONNECTION_VALIDATION:
      return h.fromServer ? readValidationOffer(r) : readValidationReply(r);
    case C.CREATE_CHANNEL:
      return h.fromServer ? readCreateChannelReply(r) : readCreateChannelRequest(r);
    case C.GET_FIELD:
      return h.fromServer
        ? readGetFieldReply(r)
        : { kind: "GetField", sid: r.u32(), ioid: r.u32(), subField: r.string() };
  }
  if (C.OPERATION_COMMANDS.has(h.command)) {
    return h.fromServer
      ? readOperationReply(r, h.command, options.types)
      : readOperationRequest(r, h.command, options.types);
  }
  return { kind: "Unknown", command: h.command, payload: frame.payload.slice() };
}
