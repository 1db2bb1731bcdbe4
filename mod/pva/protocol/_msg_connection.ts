/**
 * TCP connection-level messages (§4.1–4.3, §4.8, §4.10) as payload codecs: validation, channels,
 * echo, GET_FIELD, DESTROY_REQUEST / CANCEL_REQUEST and MESSAGE.
 *
 * @module
 */

import { type FieldDesc, readFieldDesc, writeFieldDesc } from "./field_desc.ts";
import { RemoteProtocolError } from "./errors.ts";
import type { PvaReader } from "./reader.ts";
import { isSuccess, readStatus, type Status, writeStatus } from "./status.ts";
import { readTyped, type StructValue, type TypedValue, writeTyped } from "./value.ts";
import type { PvaWriter } from "./writer.ts";

/** CONNECTION_VALIDATION from the server: what it offers. */
export interface ValidationOfferMessage {
  /** Discriminator. */
  kind: "ValidationOffer";
  /** serverReceiveBufferSize (informational; QSRV2 0x10000). */
  receiveBufferSize: number;
  /** serverIntrospectionRegistryMaxSize (0x7FFF). */
  registryMaxSize: number;
  /** Auth methods, preferred last (`["anonymous", "ca"]`). */
  authMethods: string[];
}

/** CONNECTION_VALIDATION from the client: its choice and credentials. */
export interface ValidationReplyMessage {
  /** Discriminator. */
  kind: "ValidationReply";
  /** clientReceiveBufferSize (informational). */
  receiveBufferSize: number;
  /** clientIntrospectionRegistryMaxSize. */
  registryMaxSize: number;
  /** connectionQos (ignored). */
  qos: number;
  /** Selected auth method. */
  method: string;
  /** Credentials: for "ca" `struct {string user; string host}`; NULL type for "anonymous". */
  authData: TypedValue;
}

/** CONNECTION_VALIDATED (S→C). */
export interface ValidatedMessage {
  /** Discriminator. */
  kind: "Validated";
  /** Normally OK. */
  status: Status;
}

/** ECHO in either direction: the reply carries the request's payload verbatim. */
export interface EchoMessage {
  /** Discriminator. */
  kind: "Echo";
  /** Arbitrary bytes (empty from both stock clients). */
  payload: Uint8Array;
}

/** CREATE_CHANNEL (C→S). */
export interface CreateChannelRequestMessage {
  /** Discriminator. */
  kind: "CreateChannelRequest";
  /** Channels asked for (always one in practice). */
  channels: { cid: number; name: string }[];
}

/** CREATE_CHANNEL (S→C), one per requested channel. */
export interface CreateChannelReplyMessage {
  /** Discriminator. */
  kind: "CreateChannelReply";
  /** Client channel id, echoed. */
  cid: number;
  /** Our channel id, 0xFFFFFFFF on failure. */
  sid: number;
  /** OK, or FATAL "Refused to create Channel". */
  status: Status;
}

/** DESTROY_CHANNEL in either direction. */
export interface DestroyChannelMessage {
  /** Discriminator. */
  kind: "DestroyChannel";
  /** Server channel id. */
  sid: number;
  /** Client channel id. */
  cid: number;
}

/** GET_FIELD (C→S). */
export interface GetFieldMessage {
  /** Discriminator. */
  kind: "GetField";
  /** Channel. */
  sid: number;
  /** Request id. */
  ioid: number;
  /** Sub-field name; `""` for the whole type (what tools send). */
  subField: string;
}

/** GET_FIELD reply (S→C); note there is no subcommand byte. */
export interface GetFieldReplyMessage {
  /** Discriminator. */
  kind: "GetFieldReply";
  /** Request id. */
  ioid: number;
  /** Result. */
  status: Status;
  /** The type, on success. */
  type?: FieldDesc | null;
}

/** DESTROY_REQUEST or CANCEL_REQUEST (C→S): no reply. */
export interface RequestEndMessage {
  /** Discriminator. */
  kind: "DestroyRequest" | "CancelRequest";
  /** Channel. */
  sid: number;
  /** Request id. */
  ioid: number;
}

/** MESSAGE (S→C): log text attached to an operation. */
export interface TextMessage {
  /** Discriminator. */
  kind: "Message";
  /** Request id. */
  ioid: number;
  /** 0 info, 1 warning, 2 error, 3 fatal. */
  severity: number;
  /** The text. */
  text: string;
}

/**
 * The "ca" credentials of a validation reply.
 *
 * @param m The client's validation reply.
 * @returns User and host (`""` when pvxs sends them empty), or `undefined` for other methods.
 * @example Usage
 * ```ts
 * import { credentials } from "./_msg_connection.ts";
 * credentials({ kind: "ValidationReply", receiveBufferSize: 0, registryMaxSize: 0, qos: 0, method: "anonymous", authData: { type: null, value: null } }); // undefined
 * ```
 */
export function credentials(m: ValidationReplyMessage): { user: string; host: string } | undefined {
  if (m.method !== "ca" || m.authData.type?.kind !== "structure") return undefined;
  const v = (m.authData.value ?? {}) as StructValue;
  const text = (x: unknown) => (typeof x === "string" ? x : "");
  return { user: text(v["user"]), host: text(v["host"]) };
}

/**
 * Write the payload of a ValidationOffer message.
 *
 * @param w Destination.
 * @param m The message.
 */
export function writeValidationOffer(w: PvaWriter, m: ValidationOfferMessage): void {
  w.u32(m.receiveBufferSize);
  w.u16(m.registryMaxSize);
  w.size(m.authMethods.length);
  for (const a of m.authMethods) w.string(a);
}

/**
 * Read the payload of a ValidationOffer message.
 *
 * @param r Source positioned at the payload.
 * @returns The message.
 */
export function readValidationOffer(r: PvaReader): ValidationOfferMessage {
  const receiveBufferSize = r.u32();
  const registryMaxSize = r.u16();
  const n = r.count("auth methods");
  const authMethods = Array.from({ length: n }, () => r.string());
  return { kind: "ValidationOffer", receiveBufferSize, registryMaxSize, authMethods };
}

/**
 * Write the payload of a ValidationReply message.
 *
 * @param w Destination.
 * @param m The message.
 */
export function writeValidationReply(w: PvaWriter, m: ValidationReplyMessage): void {
  w.u32(m.receiveBufferSize);
  w.u16(m.registryMaxSize);
  w.u16(m.qos);
  w.string(m.method);
  writeTyped(w, m.authData);
}

/**
 * Read the payload of a ValidationReply message.
 *
 * @param r Source positioned at the payload.
 * @returns The message.
 */
export function readValidationReply(r: PvaReader): ValidationReplyMessage {
  return {
    kind: "ValidationReply",
    receiveBufferSize: r.u32(),
    registryMaxSize: r.u16(),
    qos: r.u16(),
    method: r.string(),
    // Tolerate a reply that ends after the method name (treated as no credentials).
    authData: r.remaining > 0 ? readTyped(r) : { type: null, value: null },
  };
}

/**
 * Write the payload of a CreateChannelRequest message.
 *
 * @param w Destination.
 * @param m The message.
 */
export function writeCreateChannelRequest(w: PvaWriter, m: CreateChannelRequestMessage): void {
  w.u16(m.channels.length);
  for (const c of m.channels) {
    w.u32(c.cid);
    w.string(c.name);
  }
}

/**
 * Read the payload of a CreateChannelRequest message.
 *
 * @param r Source positioned at the payload.
 * @returns The message.
 */
export function readCreateChannelRequest(r: PvaReader): CreateChannelRequestMessage {
  const n = r.u16();
  if (n * 5 > r.remaining) {
    throw new RemoteProtocolError(`Cannot decode CREATE_CHANNEL: count ${n}`);
  }
  return {
    kind: "CreateChannelRequest",
    channels: Array.from({ length: n }, () => ({ cid: r.u32(), name: r.string() })),
  };
}

/**
 * Write the payload of a CreateChannelReply message.
 *
 * @param w Destination.
 * @param m The message.
 */
export function writeCreateChannelReply(w: PvaWriter, m: CreateChannelReplyMessage): void {
  w.u32(m.cid);
  w.u32(m.sid);
  writeStatus(w, m.status);
}

/**
 * Read the payload of a CreateChannelReply message.
 *
 * @param r Source positioned at the payload.
 * @returns The message.
 */
export function readCreateChannelReply(r: PvaReader): CreateChannelReplyMessage {
  return { kind: "CreateChannelReply", cid: r.u32(), sid: r.u32(), status: readStatus(r) };
}

/**
 * Write the payload of a GetFieldReply message.
 *
 * @param w Destination.
 * @param m The message.
 */
export function writeGetFieldReply(w: PvaWriter, m: GetFieldReplyMessage): void {
  w.u32(m.ioid);
  writeStatus(w, m.status);
  if (isSuccess(m.status)) writeFieldDesc(w, m.type ?? null);
}

/**
 * Read the payload of a GetFieldReply message.
 *
 * @param r Source positioned at the payload.
 * @returns The message.
 */
export function readGetFieldReply(r: PvaReader): GetFieldReplyMessage {
  const ioid = r.u32();
  const status = readStatus(r);
  const m: GetFieldReplyMessage = { kind: "GetFieldReply", ioid, status };
  if (isSuccess(status)) m.type = readFieldDesc(r);
  return m;
}

/**
 * Write the payload of a MessageText message.
 *
 * @param w Destination.
 * @param m The message.
 */
export function writeMessageText(w: PvaWriter, m: TextMessage): void {
  w.u32(m.ioid);
  w.u8(m.severity);
  w.string(m.text);
}

/**
 * Read the payload of a MessageText message.
 *
 * @param r Source positioned at the payload.
 * @returns The message.
 */
export function readMessageText(r: PvaReader): TextMessage {
  return { kind: "Message", ioid: r.u32(), severity: r.u8(), text: r.string() };
}
