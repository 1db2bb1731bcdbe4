/**
 * Operation messages (§4.4–4.7, §4.9): INIT requests and replies of GET, PUT, MONITOR, RPC (and
 * PUT_GET, ARRAY, PROCESS, which a server answers with an error), and the exec messages of GET,
 * PUT, MONITOR and RPC, as payload codecs.
 *
 * Data (BitSet + partial value) can only be decoded with the operation's type, which the decoder
 * asks for through {@linkcode DataTypes}; without it the data stays raw.
 *
 * @module
 */

import { BitSet, readBitSet, writeBitSet } from "./bitset.ts";
import {
  GET,
  MONITOR,
  PUT,
  RPC,
  SUBCMD_DESTROY,
  SUBCMD_GET,
  SUBCMD_INIT,
  SUBCMD_PIPELINE,
  SUBCMD_PROCESS,
} from "./commands.ts";
import { type FieldDesc, readFieldDesc, type StructDesc, writeFieldDesc } from "./field_desc.ts";
import { type PartialValue, readPartial, writePartial } from "./partial.ts";
import type { PvaReader } from "./reader.ts";
import { isSuccess, readStatus, type Status, writeStatus } from "./status.ts";
import { readTyped, type TypedValue, writeTyped } from "./value.ts";
import type { PvaWriter } from "./writer.ts";

/** Resolves the data type of an operation by its ioid (the type sent in its INIT reply). */
export type DataTypes = (ioid: number) => StructDesc | undefined;

/** INIT of any operation (C→S, subcmd has 0x08). */
export interface InitRequestMessage {
  /** Discriminator. */
  kind: "InitRequest";
  /** GET, PUT, MONITOR, RPC, PUT_GET, ARRAY or PROCESS. */
  command: number;
  /** Channel. */
  sid: number;
  /** Request id chosen by the client. */
  ioid: number;
  /** 0x08, or 0x88 for a pipelined MONITOR. */
  subcmd: number;
  /** The pvRequest (type + value; the NULL type means everything). */
  pvRequest: TypedValue;
  /** MONITOR with 0x80: the initial window (the client's queueSize). */
  queueSize?: number;
}

/** INIT reply (S→C): Status, then on success the data type (none for RPC). */
export interface InitReplyMessage {
  /** Discriminator. */
  kind: "InitReply";
  /** The operation's command. */
  command: number;
  /** Request id. */
  ioid: number;
  /** The request's subcommand, echoed. */
  subcmd: number;
  /** Result. */
  status: Status;
  /** The full type (QSRV2 never prunes it to the pvRequest). */
  type?: FieldDesc | null;
}

/** GET exec (C→S, subcmd 0x00 or 0x40, optionally | 0x10). */
export interface GetExecMessage {
  /** Discriminator. */
  kind: "GetExec";
  /** Channel. */
  sid: number;
  /** Request id. */
  ioid: number;
  /** Subcommand. */
  subcmd: number;
}

/** PUT "get-put" (C→S, subcmd 0x40): fetch the current value before a put. */
export interface PutFetchMessage {
  /** Discriminator. */
  kind: "PutFetch";
  /** Channel. */
  sid: number;
  /** Request id. */
  ioid: number;
  /** Subcommand. */
  subcmd: number;
}

/** PUT exec (C→S, subcmd 0x00 or 0x10): the value to write. */
export interface PutExecMessage {
  /** Discriminator. */
  kind: "PutExec";
  /** Channel. */
  sid: number;
  /** Request id. */
  ioid: number;
  /** Subcommand. */
  subcmd: number;
  /** BitSet + partial value (absent when the type was unknown; see `raw`). */
  data?: PartialValue;
  /** The undecoded data, when the operation's type was unknown. */
  raw?: Uint8Array;
}

/** Reply carrying data: GET exec reply, PUT get-put reply (S→C). */
export interface DataReplyMessage {
  /** Discriminator. */
  kind: "GetReply" | "PutFetchReply";
  /** Request id. */
  ioid: number;
  /** The request's subcommand, echoed. */
  subcmd: number;
  /** Result. */
  status: Status;
  /** BitSet + partial value, on success. */
  data?: PartialValue;
  /** The undecoded data, when the type was unknown. */
  raw?: Uint8Array;
}

/** PUT exec reply (S→C): Status only. */
export interface PutReplyMessage {
  /** Discriminator. */
  kind: "PutReply";
  /** Request id. */
  ioid: number;
  /** The request's subcommand, echoed. */
  subcmd: number;
  /** Result (ERROR "Put not permitted" for a refused write). */
  status: Status;
}

/** MONITOR exec (C→S): start 0x44, stop 0x04, pipeline ack 0x80 + count, destroy 0x10. */
export interface MonitorExecMessage {
  /** Discriminator. */
  kind: "MonitorExec";
  /** Channel. */
  sid: number;
  /** Request id. */
  ioid: number;
  /** Subcommand. */
  subcmd: number;
  /** With 0x80: how many more updates may be sent. */
  ack?: number;
}

/** MONITOR update (S→C): no Status; data then the overrun BitSet. */
export interface MonitorUpdateMessage {
  /** Discriminator. */
  kind: "MonitorUpdate";
  /** Request id. */
  ioid: number;
  /** 0x00. */
  subcmd: number;
  /** BitSet + partial value. */
  data?: PartialValue;
  /** The undecoded data, when the type was unknown. */
  raw?: Uint8Array;
  /** Fields whose changes were squashed (QSRV2 always sends it empty). */
  overrun: BitSet;
}

/** MONITOR end (S→C, subcmd 0x10): the server ends the subscription. */
export interface MonitorEndMessage {
  /** Discriminator. */
  kind: "MonitorEnd";
  /** Request id. */
  ioid: number;
  /** Subcommand (0x10). */
  subcmd: number;
  /** Why. */
  status: Status;
}

/** RPC exec (C→S): arguments as type + value. */
export interface RpcExecMessage {
  /** Discriminator. */
  kind: "RpcExec";
  /** Channel. */
  sid: number;
  /** Request id. */
  ioid: number;
  /** Subcommand. */
  subcmd: number;
  /** Arguments (pvxlist sends an NTURI). */
  args: TypedValue;
}

/** RPC exec reply (S→C). */
export interface RpcReplyMessage {
  /** Discriminator. */
  kind: "RpcReply";
  /** Request id. */
  ioid: number;
  /** The request's subcommand, echoed. */
  subcmd: number;
  /** Result. */
  status: Status;
  /** The result as type + value, on success. */
  result?: TypedValue;
}

/** Exec request or reply of PUT_GET, ARRAY or PROCESS: kept raw (we do not implement them). */
export interface OtherOperationMessage {
  /** Discriminator. */
  kind: "OtherOperation";
  /** The command. */
  command: number;
  /** Payload after the header. */
  payload: Uint8Array;
}

/**
 * Whether a MONITOR exec subcommand starts (true), stops (false) or leaves the subscription
 * alone (undefined), as pvxs reads it: bit 0x04 with 0x40 starts, 0x04 alone stops.
 *
 * @param subcmd The subcommand.
 * @returns The start/stop decision.
 * @example Usage
 * ```ts
 * import { monitorStart } from "./_msg_operation.ts";
 * [monitorStart(0x44), monitorStart(0x04), monitorStart(0x80)]; // [true, false, undefined]
 * ```
 */
export function monitorStart(subcmd: number): boolean | undefined {
  if (!(subcmd & SUBCMD_PROCESS)) return undefined;
  return (subcmd & SUBCMD_GET) !== 0;
}

/**
 * @param subcmd A subcommand.
 * @returns Whether the operation ends after this exec (0x10).
 * @example Usage
 * ```ts
 * import { destroysAfter } from "./_msg_operation.ts";
 * destroysAfter(0x50); // true
 * ```
 */
export function destroysAfter(subcmd: number): boolean {
  return (subcmd & SUBCMD_DESTROY) !== 0;
}

/**
 * Write the payload of a InitRequest message.
 *
 * @param w Destination.
 * @param m The message.
 */
export function writeInitRequest(w: PvaWriter, m: InitRequestMessage): void {
  w.u32(m.sid);
  w.u32(m.ioid);
  w.u8(m.subcmd);
  writeTyped(w, m.pvRequest);
  if (m.command === MONITOR && (m.subcmd & SUBCMD_PIPELINE)) w.u32(m.queueSize ?? 4);
}

/**
 * Write the payload of a InitReply message.
 *
 * @param w Destination.
 * @param m The message.
 */
export function writeInitReply(w: PvaWriter, m: InitReplyMessage): void {
  w.u32(m.ioid);
  w.u8(m.subcmd);
  writeStatus(w, m.status);
  if (isSuccess(m.status) && m.type !== undefined) writeFieldDesc(w, m.type);
}

/** The last pvRequest decoded from the whole rest of an INIT, with its bytes. */
let lastRequest: { bytes: Uint8Array; value: TypedValue } | undefined;

/**
 * A pvRequest that ends its message. A client getting 10,000 PVs sends the same one 10,000 times:
 * the same bytes give the same (shared, not to be modified) value, decoded once. Bytes that may
 * use the type cache (0xFD, 0xFE) are always decoded: their meaning depends on the connection.
 */
function readRequest(r: PvaReader): TypedValue {
  const start = r.offset;
  const bytes = r.bytes.subarray(start);
  const last = lastRequest;
  if (last !== undefined && sameBytes(last.bytes, bytes)) {
    r.rest();
    return last.value;
  }
  const value = readTyped(r);
  if (r.remaining === 0 && !bytes.includes(0xfd) && !bytes.includes(0xfe)) {
    lastRequest = { bytes: bytes.slice(), value };
  }
  return value;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Decode an operation request (C→S) after its command is known.
 *
 * @param r Source.
 * @param command GET, PUT, MONITOR, RPC, PUT_GET, ARRAY or PROCESS.
 * @param types Operation types by ioid (for PUT data).
 * @returns The message.
 */
export function readOperationRequest(
  r: PvaReader,
  command: number,
  types: DataTypes | undefined,
):
  | InitRequestMessage
  | GetExecMessage
  | PutFetchMessage
  | PutExecMessage
  | MonitorExecMessage
  | RpcExecMessage
  | OtherOperationMessage {
  const start = r.offset;
  const sid = r.u32();
  const ioid = r.u32();
  const subcmd = r.u8();
  if (subcmd & SUBCMD_INIT) {
    const m: InitRequestMessage = {
      kind: "InitRequest",
      command,
      sid,
      ioid,
      subcmd,
      pvRequest: command === MONITOR && (subcmd & SUBCMD_PIPELINE) ? readTyped(r) : readRequest(r),
    };
    if (command === MONITOR && (subcmd & SUBCMD_PIPELINE) && r.remaining >= 4) {
      m.queueSize = r.u32();
    }
    return m;
  }
  switch (command) {
    case GET:
      return { kind: "GetExec", sid, ioid, subcmd };
    case PUT: {
      if (subcmd & SUBCMD_GET) return { kind: "PutFetch", sid, ioid, subcmd };
      const m: PutExecMessage = { kind: "PutExec", sid, ioid, subcmd };
      const type = types?.(ioid);
      if (type) m.data = readPartial(r, type);
      else m.raw = r.rest().slice();
      return m;
    }
    case MONITOR: {
      const m: MonitorExecMessage = { kind: "MonitorExec", sid, ioid, subcmd };
      if (subcmd & SUBCMD_PIPELINE) m.ack = r.u32();
      return m;
    }
    case RPC:
      return { kind: "RpcExec", sid, ioid, subcmd, args: readTyped(r) };
    default:
      return { kind: "OtherOperation", command, payload: r.bytes.slice(start) };
  }
}

/**
 * Decode an operation reply (S→C) after its command is known.
 *
 * @param r Source.
 * @param command GET, PUT, MONITOR, RPC, PUT_GET, ARRAY or PROCESS.
 * @param types Operation types by ioid (for data).
 * @returns The message.
 */
export function readOperationReply(
  r: PvaReader,
  command: number,
  types: DataTypes | undefined,
):
  | InitReplyMessage
  | DataReplyMessage
  | PutReplyMessage
  | MonitorUpdateMessage
  | MonitorEndMessage
  | RpcReplyMessage
  | OtherOperationMessage {
  const start = r.offset;
  const ioid = r.u32();
  const subcmd = r.u8();
  if (subcmd & SUBCMD_INIT) {
    const status = readStatus(r);
    const m: InitReplyMessage = { kind: "InitReply", command, ioid, subcmd, status };
    if (isSuccess(status) && command !== RPC && r.remaining > 0) m.type = readFieldDesc(r);
    return m;
  }
  const data = (m: { data?: PartialValue; raw?: Uint8Array }) => {
    const type = types?.(ioid);
    if (type) m.data = readPartial(r, type);
    else m.raw = r.rest().slice();
  };
  switch (command) {
    case GET:
    case PUT: {
      const status = readStatus(r);
      if (command === PUT && !(subcmd & SUBCMD_GET)) {
        return { kind: "PutReply", ioid, subcmd, status };
      }
      const m: DataReplyMessage = {
        kind: command === PUT ? "PutFetchReply" : "GetReply",
        ioid,
        subcmd,
        status,
      };
      if (isSuccess(status)) data(m);
      return m;
    }
    case MONITOR: {
      if (subcmd & SUBCMD_DESTROY) {
        return { kind: "MonitorEnd", ioid, subcmd, status: readStatus(r) };
      }
      const m: MonitorUpdateMessage = {
        kind: "MonitorUpdate",
        ioid,
        subcmd,
        overrun: new BitSet(),
      };
      const type = types?.(ioid);
      if (type) {
        m.data = readPartial(r, type);
        m.overrun = readBitSet(r);
      } else m.raw = r.rest().slice();
      return m;
    }
    case RPC: {
      const status = readStatus(r);
      const m: RpcReplyMessage = { kind: "RpcReply", ioid, subcmd, status };
      if (isSuccess(status)) m.result = readTyped(r);
      return m;
    }
    default:
      return { kind: "OtherOperation", command, payload: r.bytes.slice(start) };
  }
}

/**
 * Write the payload of a DataReply message.
 *
 * @param w Destination.
 * @param m The message.
 */
export function writeDataReply(w: PvaWriter, m: DataReplyMessage): void {
  w.u32(m.ioid);
  w.u8(m.subcmd);
  writeStatus(w, m.status);
  if (isSuccess(m.status)) writeData(w, m);
}

function writeData(w: PvaWriter, m: { data?: PartialValue; raw?: Uint8Array }): void {
  if (m.data) writePartial(w, m.data);
  else if (m.raw) w.bytes(m.raw);
}

/**
 * Write the payload of a PutExec message.
 *
 * @param w Destination.
 * @param m The message.
 */
export function writePutExec(w: PvaWriter, m: PutExecMessage): void {
  w.u32(m.sid);
  w.u32(m.ioid);
  w.u8(m.subcmd);
  writeData(w, m);
}

/**
 * Write the payload of a MonitorUpdate message.
 *
 * @param w Destination.
 * @param m The message.
 */
export function writeMonitorUpdate(w: PvaWriter, m: MonitorUpdateMessage): void {
  w.u32(m.ioid);
  w.u8(m.subcmd);
  if (m.data) {
    writePartial(w, m.data);
    writeBitSet(w, m.overrun);
  } else if (m.raw) w.bytes(m.raw);
}

/**
 * Write the payload of a RpcReply message.
 *
 * @param w Destination.
 * @param m The message.
 */
export function writeRpcReply(w: PvaWriter, m: RpcReplyMessage): void {
  w.u32(m.ioid);
  w.u8(m.subcmd);
  writeStatus(w, m.status);
  if (isSuccess(m.status) && m.result) writeTyped(w, m.result);
}

/**
 * Write the payload of a RpcExec message.
 *
 * @param w Destination.
 * @param m The message.
 */
export function writeRpcExec(w: PvaWriter, m: RpcExecMessage): void {
  w.u32(m.sid);
  w.u32(m.ioid);
  w.u8(m.subcmd);
  writeTyped(w, m.args);
}

/**
 * Write the payload of a MonitorExec message.
 *
 * @param w Destination.
 * @param m The message.
 */
export function writeMonitorExec(w: PvaWriter, m: MonitorExecMessage): void {
  w.u32(m.sid);
  w.u32(m.ioid);
  w.u8(m.subcmd);
  if (m.subcmd & SUBCMD_PIPELINE) w.u32(m.ack ?? 0);
}
