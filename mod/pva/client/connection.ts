/**
 * One TCP connection of the PVA client as a pure state machine (no sockets, timers or clocks):
 * bytes from the server in, {@linkcode ConnectionEvent}s out; requests in, bytes to send out.
 * It answers the server's validation offer, holds requests until the server has validated the
 * connection, and runs the steps of each operation by itself (GET: INIT, exec; PUT: INIT,
 * get-put, exec; MONITOR: INIT, START, pipeline acks).
 *
 * @module
 */

import {
  type BitSet,
  decodeMessage,
  encodeMessage,
  FrameSplitter,
  GET,
  isSuccess,
  MONITOR,
  type PartialValue,
  PUT,
  type PvaMessage,
  SegmentAssembler,
  type Status,
  type StructDesc,
  type StructValue,
  SUBCMD_GET,
  SUBCMD_INIT,
  SUBCMD_PIPELINE,
  SUBCMD_PROCESS,
  TypeCache,
  type TypedValue,
} from "../protocol/mod.ts";
import { mergePartial, type PutInput, putPartial } from "./values.ts";

/** What the connection reports to its owner. */
export type ConnectionEvent =
  | { kind: "Ready" }
  | { kind: "ChannelCreated"; cid: number; sid: number }
  | { kind: "ChannelRefused"; cid: number; message: string }
  | { kind: "ChannelLost"; cid: number }
  | { kind: "GetDone"; ioid: number; type: StructDesc; value: StructValue }
  | { kind: "PutDone"; ioid: number }
  | { kind: "MonitorData"; ioid: number; type: StructDesc; value: StructValue; bits: BitSet }
  | { kind: "OpFailed"; ioid: number; message: string };

/** Who we are, for the "ca" authentication method. */
export interface Credentials {
  /** User name. */
  user: string;
  /** Host name. */
  host: string;
}

/** Options of {@linkcode ClientConnection.monitor}. */
export interface MonitorRequest {
  /** Flow control (`record[pipeline=true]`): the server sends at most `queueSize` unacked updates. */
  pipeline?: boolean;
  /** Window for `pipeline`. @default 4 */
  queueSize?: number;
}

type Op =
  | { command: typeof GET; sid: number; type?: StructDesc }
  | { command: typeof PUT; sid: number; type?: StructDesc; input: PutInput; name: string }
  | {
    command: typeof MONITOR;
    sid: number;
    type?: StructDesc;
    value: StructValue;
    window: number;
    unacked: number;
  };

const RECEIVE_BUFFER_SIZE = 0x10000;
const REGISTRY_MAX_SIZE = 0x7fff;

function statusText(s: Status): string {
  return s.message || `${s.type} status`;
}

/**
 * The client side of one PVA TCP connection (sans I/O).
 *
 * @example Reading a PV
 * ```ts
 * import { ClientConnection } from "./connection.ts";
 * import { pvRequestFromString } from "../protocol/mod.ts";
 * const c = new ClientConnection({ user: "me", host: "here" });
 * c.createChannel(1, "DEMO:AI");
 * c.takeOutput(); // undefined: nothing is sent before the server's validation offer
 * ```
 */
export class ClientConnection {
  #splitter = new FrameSplitter();
  #segments = new SegmentAssembler();
  #cache = new TypeCache();
  #credentials: Credentials;
  #validated = false;
  #held: PvaMessage[] = [];
  #out: Uint8Array[] = [];
  #ops = new Map<number, Op>();
  #nextIoid: number;
  #types = (ioid: number) => this.#ops.get(ioid)?.type;

  /**
   * @param credentials User and host sent with the "ca" method when the server offers it.
   * @param firstIoid The first operation id (pvxs starts at 0x10002000). @default 1
   */
  constructor(credentials: Credentials, firstIoid = 1) {
    this.#credentials = credentials;
    this.#nextIoid = firstIoid;
  }

  /** Whether the server has validated the connection. */
  get ready(): boolean {
    return this.#validated;
  }

  /** Operations in progress (including monitors). */
  get operations(): number {
    return this.#ops.size;
  }

  /**
   * Feed bytes read from the socket.
   *
   * @param chunk Any fragment of the stream.
   * @returns What happened, in order.
   * @throws {RemoteProtocolError} When the server breaks the protocol (close the connection).
   */
  recv(chunk: Uint8Array): ConnectionEvent[] {
    const events: ConnectionEvent[] = [];
    for (const frame of this.#splitter.push(chunk)) {
      const whole = this.#segments.accept(frame);
      if (!whole) continue;
      this.#handle(decodeMessage(whole, { cache: this.#cache, types: this.#types }), events);
    }
    return events;
  }

  /**
   * The bytes queued for the server, joined; `undefined` when there are none.
   *
   * @returns The bytes.
   */
  takeOutput(): Uint8Array | undefined {
    if (this.#out.length === 0) return undefined;
    const parts = this.#out;
    this.#out = [];
    if (parts.length === 1) return parts[0];
    const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      all.set(p, at);
      at += p.length;
    }
    return all;
  }

  /**
   * Ask the server for a channel.
   *
   * @param cid Our channel id.
   * @param name PV name.
   */
  createChannel(cid: number, name: string): void {
    this.#send({ kind: "CreateChannelRequest", channels: [{ cid, name }] });
  }

  /**
   * Tell the server we no longer use a channel; its operations end.
   *
   * @param sid Server channel id.
   * @param cid Our channel id.
   */
  destroyChannel(sid: number, cid: number): void {
    for (const [ioid, op] of this.#ops) if (op.sid === sid) this.#ops.delete(ioid);
    this.#send({ kind: "DestroyChannel", sid, cid });
  }

  /**
   * Read a channel once: INIT with the pvRequest, then exec; ends with `GetDone` or `OpFailed`.
   *
   * @param sid Server channel id.
   * @param pvRequest Field selection and options.
   * @returns The operation id.
   */
  get(sid: number, pvRequest: TypedValue): number {
    const ioid = this.#takeIoid();
    this.#ops.set(ioid, { command: GET, sid });
    this.#send({ kind: "InitRequest", command: GET, sid, ioid, subcmd: SUBCMD_INIT, pvRequest });
    return ioid;
  }

  /**
   * Write a channel's value: INIT, get-put (for the type and an enum's choices), exec; ends with
   * `PutDone` or `OpFailed` (the server's message, e.g. "Put not permitted").
   *
   * @param sid Server channel id.
   * @param input The value, or an enum's choice string or index.
   * @param options PV name for messages and the pvRequest.
   * @returns The operation id.
   */
  put(sid: number, input: PutInput, options: { name: string; pvRequest: TypedValue }): number {
    const ioid = this.#takeIoid();
    this.#ops.set(ioid, { command: PUT, sid, input, name: options.name });
    this.#send({
      kind: "InitRequest",
      command: PUT,
      sid,
      ioid,
      subcmd: SUBCMD_INIT,
      pvRequest: options.pvRequest,
    });
    return ioid;
  }

  /**
   * Subscribe: INIT, then START once the server accepts; every update becomes a `MonitorData`
   * with the changed fields merged into the full value.
   *
   * @param sid Server channel id.
   * @param pvRequest Field selection and options.
   * @param options Pipeline flow control.
   * @returns The operation id.
   */
  monitor(sid: number, pvRequest: TypedValue, options: MonitorRequest = {}): number {
    const ioid = this.#takeIoid();
    const window = options.pipeline ? Math.max(2, options.queueSize ?? 4) : 0;
    this.#ops.set(ioid, { command: MONITOR, sid, value: {}, window, unacked: 0 });
    this.#send({
      kind: "InitRequest",
      command: MONITOR,
      sid,
      ioid,
      subcmd: SUBCMD_INIT | (window > 0 ? SUBCMD_PIPELINE : 0),
      pvRequest,
      ...(window > 0 ? { queueSize: window } : {}),
    });
    return ioid;
  }

  /**
   * End an operation (DESTROY_REQUEST); no event follows.
   *
   * @param ioid The operation id.
   */
  cancel(ioid: number): void {
    const op = this.#ops.get(ioid);
    if (!op) return;
    this.#ops.delete(ioid);
    this.#send({ kind: "DestroyRequest", sid: op.sid, ioid });
  }

  /** Queue an empty ECHO (keepalive; the server echoes it). */
  echo(): void {
    this.#send({ kind: "Echo", payload: new Uint8Array(0) });
  }

  #takeIoid(): number {
    const ioid = this.#nextIoid;
    this.#nextIoid = (this.#nextIoid + 1) >>> 0;
    return ioid;
  }

  #send(m: PvaMessage): void {
    // Nothing but the validation reply may precede the server's CONNECTION_VALIDATED.
    // Always the client direction bit: ECHO and DESTROY_CHANNEL would default to "server", and
    // pvxs drops a connection whose peer sets the wrong one (§1.2).
    if (this.#validated || m.kind === "ValidationReply") {
      this.#out.push(encodeMessage(m, { fromServer: false }));
    } else this.#held.push(m);
  }

  #handle(m: PvaMessage, events: ConnectionEvent[]): void {
    switch (m.kind) {
      case "ValidationOffer": {
        // pvxs and pvAccessCPP pick "ca" whenever it is offered (§4.1).
        const ca = m.authMethods.includes("ca");
        this.#send({
          kind: "ValidationReply",
          receiveBufferSize: RECEIVE_BUFFER_SIZE,
          registryMaxSize: REGISTRY_MAX_SIZE,
          qos: 0,
          method: ca ? "ca" : "anonymous",
          authData: ca
            ? {
              type: {
                kind: "structure",
                id: "",
                fields: [
                  { name: "user", type: { kind: "scalar", type: "string" } },
                  { name: "host", type: { kind: "scalar", type: "string" } },
                ],
              },
              value: { user: this.#credentials.user, host: this.#credentials.host },
            }
            : { type: null, value: null },
        });
        return;
      }
      case "Validated":
        // An error status still leaves the connection working (§9.22): carry on either way.
        if (this.#validated) return;
        this.#validated = true;
        for (const held of this.#held.splice(0)) this.#send(held);
        events.push({ kind: "Ready" });
        return;
      case "CreateChannelReply":
        if (isSuccess(m.status)) events.push({ kind: "ChannelCreated", cid: m.cid, sid: m.sid });
        else events.push({ kind: "ChannelRefused", cid: m.cid, message: statusText(m.status) });
        return;
      case "DestroyChannel":
        for (const [ioid, op] of this.#ops) if (op.sid === m.sid) this.#ops.delete(ioid);
        events.push({ kind: "ChannelLost", cid: m.cid });
        return;
      case "InitReply":
        return this.#onInit(m.ioid, m.status, m.type, events);
      case "GetReply":
      case "PutFetchReply":
        return this.#onData(m.ioid, m.status, m.data, events);
      case "PutReply": {
        if (!this.#ops.has(m.ioid)) return;
        this.#end(m.ioid);
        events.push(
          isSuccess(m.status)
            ? { kind: "PutDone", ioid: m.ioid }
            : { kind: "OpFailed", ioid: m.ioid, message: statusText(m.status) },
        );
        return;
      }
      case "MonitorUpdate":
        return this.#onUpdate(m.ioid, m.data, events);
      case "MonitorEnd": {
        if (!this.#ops.delete(m.ioid)) return;
        const why = isSuccess(m.status) ? "the server ended the monitor" : statusText(m.status);
        events.push({ kind: "OpFailed", ioid: m.ioid, message: why });
        return;
      }
      default:
        // SET_BYTE_ORDER: every message carries its own order, so there is nothing to latch
        // (§1.3). ECHO replies, MESSAGE texts and unknown commands need no action.
        return;
    }
  }

  #onInit(
    ioid: number,
    status: Status,
    type: unknown,
    events: ConnectionEvent[],
  ): void {
    const op = this.#ops.get(ioid);
    if (!op) return;
    if (!isSuccess(status)) {
      this.#ops.delete(ioid);
      events.push({ kind: "OpFailed", ioid, message: statusText(status) });
      return;
    }
    const t = type as StructDesc | null | undefined;
    if (!t || t.kind !== "structure") {
      this.#end(ioid);
      events.push({ kind: "OpFailed", ioid, message: "the server sent no structure type" });
      return;
    }
    op.type = t;
    const { sid } = op;
    if (op.command === GET) this.#send({ kind: "GetExec", sid, ioid, subcmd: 0 });
    else if (op.command === PUT) this.#send({ kind: "PutFetch", sid, ioid, subcmd: SUBCMD_GET });
    else {
      this.#send({ kind: "MonitorExec", sid, ioid, subcmd: SUBCMD_GET | SUBCMD_PROCESS });
    }
  }

  #onData(
    ioid: number,
    status: Status,
    data: PartialValue | undefined,
    events: ConnectionEvent[],
  ): void {
    const op = this.#ops.get(ioid);
    if (!op || op.command === MONITOR) return;
    if (!isSuccess(status) || !data || !op.type) {
      this.#end(ioid);
      events.push({ kind: "OpFailed", ioid, message: statusText(status) });
      return;
    }
    if (op.command === GET) {
      this.#end(ioid);
      events.push({ kind: "GetDone", ioid, type: op.type, value: data.value });
      return;
    }
    let request: PartialValue;
    try {
      request = putPartial(op.type, data.value, op.input, op.name);
    } catch (error) {
      this.#end(ioid);
      events.push({ kind: "OpFailed", ioid, message: (error as Error).message });
      return;
    }
    this.#send({ kind: "PutExec", sid: op.sid, ioid, subcmd: 0, data: request });
  }

  #onUpdate(ioid: number, data: PartialValue | undefined, events: ConnectionEvent[]): void {
    const op = this.#ops.get(ioid);
    if (!op || op.command !== MONITOR || !data || !op.type) return;
    mergePartial(op.value, data);
    events.push({
      kind: "MonitorData",
      ioid,
      type: op.type,
      value: structuredClone(op.value),
      bits: data.bits,
    });
    if (op.window > 0 && ++op.unacked * 2 >= op.window) {
      // Ack half a window at a time, as both stock clients do (2 per 2 with queueSize 4, §4.7).
      this.#send({
        kind: "MonitorExec",
        sid: op.sid,
        ioid,
        subcmd: SUBCMD_PIPELINE,
        ack: op.unacked,
      });
      op.unacked = 0;
    }
  }

  /** The operation is over on our side: tell the server to forget it (pvxs does the same). */
  #end(ioid: number): void {
    const op = this.#ops.get(ioid);
    if (!op) return;
    this.#ops.delete(ioid);
    this.#send({ kind: "DestroyRequest", sid: op.sid, ioid });
  }
}
