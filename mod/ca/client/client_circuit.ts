/**
 * The client end of one TCP virtual circuit: requests in, bytes out; bytes in, events out; no
 * I/O. The socket layer writes what {@linkcode ClientCircuit.takeOutput} returns and feeds received
 * chunks to {@linkcode ClientCircuit.recv}.
 *
 * @module
 */

import {
  CHANNEL_ACCEPTS,
  type ChannelInfo,
  type ChannelState,
  type ClientEvent,
  decodeReply,
  PendingRequests,
  type Reply,
  ReplyReader,
  timeTypeOf,
  writeClearChannel,
  writeCreateChan,
  writeEcho,
  writeEventAdd,
  writeEventCancel,
  writeHello,
  writeReadNotify,
  writeWrite,
  writeWriteNotify,
} from "../protocol/client_messages.ts";
import type { Values } from "../protocol/convert.ts";
import { LocalProtocolError, RemoteProtocolError } from "../protocol/errors.ts";
import { OutBuffer } from "../protocol/out_buffer.ts";

export type {
  ChannelInfo,
  ChannelState,
  ChannelValue,
  ClientEvent,
} from "../protocol/client_messages.ts";

interface Channel {
  readonly cid: number;
  readonly name: string;
  state: ChannelState;
  sid: number;
  nativeType: number;
  nativeCount: number;
  rights: number;
}

/** How {@linkcode ClientCircuit.read} and {@linkcode ClientCircuit.subscribe} ask for values. */
export interface ValueRequest {
  /**
   * Ask for DBR_TIME_STRING instead of the native type: the server formats the value (enums as
   * their state strings, as caget and camonitor show them). @default false
   */
  asString?: boolean;
}

/** Options for {@linkcode ClientCircuit}. */
export interface ClientCircuitOptions {
  /** User name sent as CLIENT_NAME. */
  user: string;
  /** Host name sent as HOST_NAME. */
  host: string;
  /** Circuit priority 0–99. @default 0 */
  priority?: number;
  /** Largest reply payload accepted; a bigger one closes the circuit. @default 64 MiB */
  maxPayloadBytes?: number;
}

/** The client state machine of one CA TCP circuit. */
export class ClientCircuit {
  #out = new OutBuffer(1024);
  #spare = new OutBuffer(1024);
  #reader: ReplyReader;
  #serverMinor = 0;
  #channels = new Map<number, Channel>();
  #pending = new PendingRequests();
  #events: ClientEvent[] = [];

  /**
   * Create a circuit and queue the pipelined handshake (VERSION, CLIENT_NAME, HOST_NAME).
   *
   * @param options Names, priority, limits.
   */
  constructor(options: ClientCircuitOptions) {
    this.#reader = new ReplyReader({
      maxPayloadBytes: options.maxPayloadBytes ?? 64 * 1024 * 1024,
    });
    writeHello(this.#out, {
      priority: options.priority ?? 0,
      user: options.user,
      host: options.host,
    });
  }

  /** The minor version from the server's VERSION (0 until it arrived). */
  get serverMinor(): number {
    return this.#serverMinor;
  }

  /**
   * Describe a channel of this circuit.
   *
   * @param cid Client channel id.
   * @returns Its state, or `undefined` when the circuit does not know it.
   */
  channel(cid: number): ChannelInfo | undefined {
    const ch = this.#channels.get(cid);
    if (!ch) return undefined;
    const { state, nativeType, nativeCount, rights } = ch;
    return { state, nativeType, nativeCount, rights };
  }

  /**
   * Queue CREATE_CHAN for a channel.
   *
   * @param cid Client channel id, unique on this circuit.
   * @param name PV name.
   * @throws {LocalProtocolError} When `cid` is already in use.
   */
  createChannel(cid: number, name: string): void {
    if (this.#channels.has(cid)) throw new LocalProtocolError(`Cannot reuse channel id "${cid}"`);
    this.#channels.set(cid, {
      cid,
      name,
      state: "creating",
      sid: 0,
      nativeType: 0,
      nativeCount: 0,
      rights: 0,
    });
    writeCreateChan(this.#out, { cid, name });
  }

  /**
   * Queue a READ_NOTIFY of DBR_TIME_<native> (or DBR_TIME_STRING), all current elements.
   *
   * @param cid A connected channel.
   * @param request Whether to ask for strings.
   * @returns The request id that the `ReadDone`/`ReadFailed` event will carry.
   */
  read(cid: number, request: ValueRequest = {}): number {
    const ch = this.#connected(cid);
    const ioid = this.#pending.addRead(cid, ch.nativeCount !== 1);
    writeReadNotify(this.#out, {
      sid: ch.sid,
      ioid,
      type: timeTypeOf(request.asString ? 0 : ch.nativeType),
      count: this.#wholeCount(ch),
    });
    return ioid;
  }

  /**
   * Queue EVENT_ADD of DBR_TIME_<native> (or DBR_TIME_STRING), all current elements.
   *
   * @param cid A connected channel.
   * @param mask DBE_* bits.
   * @param request Whether to ask for strings.
   * @returns The subscription id that `MonitorUpdate` events will carry.
   */
  subscribe(cid: number, mask: number, request: ValueRequest = {}): number {
    const ch = this.#connected(cid);
    const sub = {
      cid,
      array: ch.nativeCount !== 1,
      type: timeTypeOf(request.asString ? 0 : ch.nativeType),
      count: this.#wholeCount(ch),
    };
    const subid = this.#pending.addSubscription(sub);
    writeEventAdd(this.#out, { sid: ch.sid, subid, type: sub.type, count: sub.count, mask });
    return subid;
  }

  /**
   * Queue EVENT_CANCEL; later updates for the id are dropped.
   *
   * @param subid A subscription id from {@linkcode ClientCircuit.subscribe}.
   */
  unsubscribe(subid: number): void {
    const sub = this.#pending.removeSubscription(subid);
    if (!sub) return;
    const ch = this.#channels.get(sub.cid);
    if (ch?.state !== "connected") return;
    writeEventCancel(this.#out, { sid: ch.sid, subid, type: sub.type, count: sub.count });
  }

  /**
   * Queue a WRITE (no reply; a refusal arrives as a `ServerError` event).
   *
   * @param cid A connected channel.
   * @param values Numbers or strings; the server converts them to the native type.
   */
  write(cid: number, values: Values): void {
    const ch = this.#connected(cid);
    writeWrite(this.#out, { sid: ch.sid, cid, values });
  }

  /**
   * Queue a WRITE_NOTIFY: the server answers once the put has completed (`WriteDone`) or failed
   * (`WriteFailed`, with the server's text when it sent an ERROR).
   *
   * @param cid A connected channel.
   * @param values Numbers or strings; the server converts them to the native type.
   * @returns The request id the answer will carry.
   */
  writeNotify(cid: number, values: Values): number {
    const ch = this.#connected(cid);
    const ioid = this.#pending.addWrite(cid);
    writeWriteNotify(this.#out, { sid: ch.sid, ioid, values });
    return ioid;
  }

  /**
   * Forget a channel: its subscriptions and pending reads are dropped, and CLEAR_CHANNEL is sent
   * once the server has assigned a SID.
   *
   * @param cid Client channel id.
   */
  clearChannel(cid: number): void {
    const ch = this.#channels.get(cid);
    if (!ch || ch.state === "clearing") return;
    this.#pending.dropChannel(cid);
    if (ch.state === "connected") writeClearChannel(this.#out, { sid: ch.sid, cid });
    ch.state = "clearing";
  }

  /** Queue ECHO (the liveness probe; answered by an `EchoReply` event). */
  echo(): void {
    writeEcho(this.#out);
  }

  /**
   * Hand out everything queued for the server. The view stays valid until the next call.
   *
   * @returns Bytes to write, or `undefined` when there is nothing.
   */
  takeOutput(): Uint8Array | undefined {
    if (this.#out.length === 0) return undefined;
    const out = this.#out;
    this.#out = this.#spare;
    this.#spare = out;
    return out.take();
  }

  /**
   * Feed bytes from the server and decode every complete reply.
   *
   * @param chunk Received bytes (copied; the caller may reuse the buffer).
   * @returns What happened, in order.
   * @throws {RemoteProtocolError} When the server broke the protocol; close the circuit.
   */
  recv(chunk: Uint8Array): ClientEvent[] {
    this.#reader.push(chunk);
    for (let frame = this.#reader.next(); frame; frame = this.#reader.next()) {
      const reply = decodeReply(frame.header, frame.payload);
      if (!reply || reply.kind === "SearchReply") {
        throw new RemoteProtocolError(`Cannot handle command "${frame.header.cmd}" from a server`);
      }
      this.#handle(reply);
    }
    const events = this.#events;
    this.#events = [];
    return events;
  }

  #connected(cid: number): Channel {
    const ch = this.#channels.get(cid);
    if (ch?.state !== "connected") {
      throw new LocalProtocolError(`Cannot use channel "${cid}": not connected`);
    }
    return ch;
  }

  /** Count 0 ("what the PV holds now") needs a server of minor 13 or later. */
  #wholeCount(ch: Channel): number {
    return this.#serverMinor >= 13 ? 0 : ch.nativeCount;
  }

  #handle(reply: Exclude<Reply, { kind: "SearchReply" }>): void {
    switch (reply.kind) {
      case "VersionReply":
        this.#serverMinor = reply.minor;
        this.#events.push({ kind: "ServerVersion", minor: reply.minor });
        break;
      case "EchoReply":
        this.#events.push({ kind: "EchoReply" });
        break;
      case "AccessRightsReply":
      case "CreateChanReply":
      case "CreateChFailReply":
      case "ServerDisconnReply":
      case "ClearChannelReply":
        this.#channelReply(reply, reply.cid);
        break;
      case "EventAddReply":
      case "ReadNotifyReply":
      case "WriteNotifyReply":
      case "ErrorReply": {
        const event = this.#pending.answer(reply);
        if (event) this.#events.push(event);
        break;
      }
      case "EventCancelReply":
        // Cancels are forgotten at once; nobody waits for the confirmation.
        break;
      default: {
        const never: never = reply;
        throw new LocalProtocolError(`Cannot dispatch reply "${(never as Reply).kind}"`);
      }
    }
  }

  #channelReply(reply: Reply, cid: number): void {
    const ch = this.#channels.get(cid);
    // Replies about channels we no longer know are late answers to a clear: drop them.
    if (!ch) return;
    if (!CHANNEL_ACCEPTS[ch.state].has(reply.kind)) {
      throw new RemoteProtocolError(
        `Cannot accept ${reply.kind} for channel "${ch.name}" in state "${ch.state}"`,
      );
    }
    if (ch.state === "clearing") {
      if (reply.kind === "CreateChanReply") {
        writeClearChannel(this.#out, { sid: reply.sid, cid });
      } else if (reply.kind !== "AccessRightsReply") this.#channels.delete(cid);
      return;
    }
    switch (reply.kind) {
      case "AccessRightsReply":
        ch.rights = reply.rights;
        if (ch.state === "connected") {
          this.#events.push({ kind: "AccessRightsChanged", cid, rights: reply.rights });
        }
        break;
      case "CreateChanReply":
        ch.state = "connected";
        ch.sid = reply.sid;
        ch.nativeType = reply.type;
        ch.nativeCount = reply.count;
        this.#events.push({
          kind: "ChannelConnected",
          cid,
          nativeType: reply.type,
          nativeCount: reply.count,
          rights: ch.rights,
        });
        break;
      case "CreateChFailReply":
        this.#forget(cid);
        this.#events.push({ kind: "ChannelCreateFailed", cid });
        break;
      default:
        this.#forget(cid);
        this.#events.push({ kind: "ChannelDisconnected", cid });
    }
  }

  #forget(cid: number): void {
    this.#channels.delete(cid);
    this.#pending.dropChannel(cid);
  }
}
