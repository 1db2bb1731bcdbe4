/**
 * One TCP client's virtual circuit: bytes in, replies and monitor updates out, no I/O. The server
 * feeds received chunks to {@linkcode Circuit.recv} and writes what {@linkcode Circuit.takeOutput}
 * returns. Framing and dispatch live here; reply encoding in `_circuit_replies.ts`, subscriptions
 * in `_circuit_subscriptions.ts`.
 *
 * @module
 */

import type { ChannelSource, ClientInfo, Snapshot } from "./_channel_source.ts";
import { Channel, type ChannelEvents } from "./_circuit_channel.ts";
import type { CircuitNotice, CircuitOptions } from "./_circuit_options.ts";
import { InputBuffer } from "../protocol/input_buffer.ts";
import { Replies } from "./_circuit_replies.ts";
import { Subscriptions } from "./_circuit_subscriptions.ts";
import {
  ACCESS_RIGHTS,
  CLEAR_CHANNEL,
  CREATE_CH_FAIL,
  CREATE_CHAN,
  decodeRequest,
  DO_REPLY,
  EVENT_ADD,
  eventAddMask,
  NOT_FOUND,
  READ,
  READ_NOTIFY,
  type Request,
  SEARCH,
  SERVER_DISCONN,
  WRITE,
  WRITE_NOTIFY,
} from "../protocol/commands.ts";
import {
  DBR_DOUBLE,
  DBR_FLOAT,
  DBR_STRING,
  dbrLayout,
  decodeDbrValues,
  MAX_STRING_SIZE,
  readDbrScalar,
  readSlotString,
} from "../protocol/dbr.ts";
import { parseDecimalBytes } from "../protocol/convert.ts";
import { RemoteProtocolError } from "../protocol/errors.ts";
import { type DecodedHeader, EXTENDED_HEADER_SIZE } from "../protocol/header.ts";
import {
  ECA_ALLOCMEM,
  ECA_BADCHID,
  ECA_BADCOUNT,
  ECA_BADTYPE,
  ECA_INTERNAL,
  ECA_NORMAL,
  ECA_NOWTACCESS,
  ECA_PUTFAIL,
  ECA_TOLARGE,
} from "../protocol/status.ts";

export type { CircuitNotice, CircuitOptions } from "./_circuit_options.ts";
export type {
  ChannelDirectory,
  ChannelObserver,
  ChannelSource,
  ClientInfo,
  Snapshot,
} from "./_channel_source.ts";

const NO_NOTICES: readonly CircuitNotice[] = Object.freeze([]);
/** Input allowed on top of one maximal message (a blocked circuit keeps buffering). */
const INPUT_SLACK = 1024 * 1024;
const UNKNOWN_CID = 0xffffffff;
/** Writes whose asynchronous handler has not settled yet, per circuit, before input waits. */
const MAX_PENDING_WRITES = 256;

function noop(): void {}

/** The per-client state machine of the CA TCP protocol. */
export class Circuit {
  #opts: Required<CircuitOptions>;
  #input = new InputBuffer();
  #replies = new Replies();
  /** Open channels by SID; created with the first (an idle circuit carries no map). */
  #channelMap: Map<number, Channel> | undefined = undefined;
  #subs: Subscriptions;
  /** Where channels report changes; created with the first channel. */
  #events: ChannelEvents | undefined = undefined;
  #nextSid = 0;
  #minor = 13;
  #user = "";
  #host: string;
  #client: ClientInfo;
  #eventsOn = true;
  /** Input waits (too many writes in flight); see {@linkcode MAX_PENDING_WRITES}. */
  #blocked = false;
  #pendingWrites = 0;
  #closed = false;
  #notices: CircuitNotice[] = [];
  /** Header of the request being handled, refilled for each one. */
  #h: DecodedHeader = { cmd: 0, size: 0, type: 0, count: 0, p1: 0, p2: 0, headerSize: 0 };

  /**
   * Create a circuit and queue the server VERSION that greets every client.
   *
   * @param options Directory, peer, limits.
   */
  constructor(options: CircuitOptions) {
    this.#opts = {
      maxArrayBytes: 16384,
      maxChannels: 100_000,
      maxSubscriptions: 100_000,
      maxQueueBytes: 16 * 1024 * 1024,
      onWake: noop,
      ...options,
      // Only a circuit without the server's counter needs a closure of its own.
      allocateSid: options.allocateSid ?? (() => {
        const sid = this.#nextSid;
        this.#nextSid = (sid + 1) >>> 0;
        return sid;
      }),
    };
    this.#host = options.peerHost;
    this.#client = { host: this.#host, user: "" };
    this.#subs = new Subscriptions(this.#replies, this.#opts.maxSubscriptions);
  }

  /** The client as used for access decisions. */
  get client(): ClientInfo {
    return this.#client;
  }

  /** Open channels. */
  get channelCount(): number {
    return this.#channelMap?.size ?? 0;
  }

  /** Active subscriptions. */
  get subscriptionCount(): number {
    return this.#subs.size;
  }

  /** Whether {@linkcode Circuit.takeOutput} has something to hand out. */
  get hasOutput(): boolean {
    return this.#replies.length > 0 || (this.#eventsOn && this.#subs.hasDirty);
  }

  /**
   * Feed bytes received from the client and process every complete request.
   *
   * @param chunk Received bytes (copied; the caller may reuse the buffer).
   * @returns Notices about refused requests that did not close the circuit.
   * @throws {RemoteProtocolError} When the client broke the protocol; the caller should send the
   *   remaining output (it may hold an ERROR) and close the connection.
   */
  recv(chunk: Uint8Array): readonly CircuitNotice[] {
    if (this.#closed) return NO_NOTICES;
    const limit = this.#opts.maxArrayBytes + EXTENDED_HEADER_SIZE + INPUT_SLACK;
    // Requests are read straight from the chunk; only an unfinished tail is copied.
    this.#input.lend(chunk, limit);
    try {
      this.#process();
    } finally {
      this.#input.detach();
    }
    if (this.#replies.length > this.#opts.maxQueueBytes) {
      throw new RemoteProtocolError(
        `Cannot queue more replies: client does not read (${this.#replies.length} bytes pending)`,
      );
    }
    if (this.#notices.length === 0) return NO_NOTICES;
    const n = this.#notices;
    this.#notices = [];
    return n;
  }

  /**
   * Hand out everything to send: replies first, then the newest pending update of each
   * subscription (unless the client turned events off). The returned view stays valid until the
   * next call, so write it completely before calling again.
   *
   * @returns Bytes to write, or `undefined` when there is nothing.
   */
  takeOutput(): Uint8Array | undefined {
    if (this.#eventsOn) this.#subs.flush();
    return this.#replies.take();
  }

  /**
   * Give back the input and output buffers that hold nothing pending; the server calls this for
   * connections that were quiet for a while, so an idle client costs no buffers while a busy one
   * keeps reusing its own.
   */
  releaseBuffers(): void {
    this.#input.release();
    this.#replies.release();
  }

  /** Re-evaluate every channel's access rights; changed ones get ACCESS_RIGHTS and a value repeat. */
  refreshAccess(): void {
    if (this.#closed || !this.#channelMap) return;
    let changed = false;
    for (const ch of this.#channels.values()) changed = this.#updateRights(ch) || changed;
    if (changed) this.#opts.onWake();
  }

  /** Drop every channel and subscription; further input is ignored. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#channelMap) { for (const ch of this.#channelMap.values()) this.#dropChannel(ch); }
    this.#channelMap = undefined;
    this.#subs.clear();
  }

  get #channels(): Map<number, Channel> {
    return this.#channelMap ??= new Map();
  }

  #process(): void {
    const h = this.#h;
    const input = this.#input;
    while (!this.#blocked && !this.#closed) {
      if (!input.nextHeader(h)) break;
      if ((h.size & 7) !== 0) {
        throw new RemoteProtocolError(`Cannot accept misaligned payload size "${h.size}"`);
      }
      if (h.size > this.#opts.maxArrayBytes) {
        this.#replies.error(UNKNOWN_CID, ECA_TOLARGE, h, "");
        throw new RemoteProtocolError(
          `Cannot accept payload of ${h.size} bytes: limit is ${this.#opts.maxArrayBytes}`,
        );
      }
      const at = input.consume(h);
      if (at < 0) break;
      // The kinds a client sends by the thousand are handled straight from the reused header.
      switch (h.cmd) {
        case READ_NOTIFY:
        case READ:
          this.#read(h);
          continue;
        case CREATE_CHAN: {
          const bytes = input.bytes;
          const pv = this.#opts.directory.findBytes?.(bytes, at, h.size);
          this.#createChannel(h, pv ? pv.name : readSlotString(bytes, at, h.size), pv);
          continue;
        }
        case EVENT_ADD:
          this.#subscribe(h, eventAddMask(input.bytes, at, h.size));
          continue;
        case CLEAR_CHANNEL:
          this.#clear(h);
          continue;
        case WRITE:
        case WRITE_NOTIFY:
          this.#write(h, input.bytes, at);
          continue;
      }
      // The rest is rare; its request may outlive this loop (a pending write), so copy the header.
      const req = decodeRequest({ ...h }, input.bytes.subarray(at, at + h.size));
      if (!req) {
        this.#replies.error(UNKNOWN_CID, ECA_INTERNAL, h, "");
        throw new RemoteProtocolError(`Cannot handle command "${h.cmd}"`);
      }
      this.#handle(req);
    }
  }

  #notice(message: string): void {
    if (this.#notices.length < 16) this.#notices.push({ message });
  }

  #handle(req: Request): void {
    switch (req.kind) {
      case "VersionRequest":
        if (req.priority > 99) {
          throw new RemoteProtocolError(`Cannot accept priority "${req.priority}"`);
        }
        if (req.minor > 0) this.#minor = req.minor;
        return;
      case "ClientNameRequest":
        this.#user = req.name;
        this.#setClient();
        return;
      case "HostNameRequest":
        this.#host = req.name;
        this.#setClient();
        return;
      case "SearchRequest":
        return this.#search(req);
      case "CreateChanRequest":
        return this.#createChannel(req.header, req.name, undefined);
      case "ReadNotifyRequest":
      case "ReadRequest":
        return this.#read(req.header);
      case "WriteRequest":
      case "WriteNotifyRequest":
        return this.#write(req.header, req.payload, 0);
      case "EventAddRequest":
        return this.#subscribe(req.header, req.mask);
      case "EventCancelRequest": {
        const notice = this.#subs.cancel(req, (sid) => this.#channels.get(sid)?.cid);
        if (notice) this.#notice(notice);
        return;
      }
      case "ClearChannelRequest":
        return this.#clear(req.header);
      case "EchoRequest":
        this.#replies.echo(req.header, req.payload);
        return;
      case "ReadSyncRequest": {
        const h = req.header;
        this.#replies.bare(h.cmd, h.type, h.count, h.p1, h.p2);
        return;
      }
      case "EventsOffRequest":
        this.#eventsOn = false;
        return;
      case "EventsOnRequest":
        this.#eventsOn = true;
        return;
      default: {
        const never: never = req;
        throw new RemoteProtocolError(`Cannot handle request ${JSON.stringify(never)}`);
      }
    }
  }

  #setClient(): void {
    this.#client = { host: this.#host, user: this.#user };
    if (this.channelCount > 0) this.refreshAccess();
  }

  #search(req: Extract<Request, { kind: "SearchRequest" }>): void {
    if (req.name !== "" && this.#opts.directory.find(req.name)) {
      this.#replies.bare(SEARCH, this.#opts.tcpPort, 0, 0xffffffff, req.searchId);
    } else if (req.replyFlag === DO_REPLY) {
      const h = req.header;
      this.#replies.bare(NOT_FOUND, h.type, h.count, h.p1, h.p2);
    }
  }

  /** CREATE_CHAN: `h.p1` is the client's id, `h.p2` its minor version; `found` if known. */
  #createChannel(h: DecodedHeader, name: string, found: ChannelSource | undefined): void {
    const cid = h.p1;
    if (h.p2 > 0 && h.p2 < this.#minor) this.#minor = h.p2;
    const pv = found ?? this.#opts.directory.find(name);
    if (!pv) {
      this.#replies.bare(CREATE_CH_FAIL, 0, 0, cid, 0);
      return;
    }
    if (this.#channels.size >= this.#opts.maxChannels) {
      this.#replies.error(cid, ECA_ALLOCMEM, h, name);
      this.#notice(`Refused channel "${name}": ${this.#channels.size} channels open`);
      return;
    }
    let sid = this.#opts.allocateSid() >>> 0;
    while (this.#channels.has(sid)) sid = this.#opts.allocateSid() >>> 0;
    const rights = pv.rights(this.#client);
    const events = this.#events ??= {
      onEvent: (ch, mask, snap) => this.#onEvent(ch, mask, snap),
      onRemoved: (ch) => this.#onRemoved(ch),
    };
    const ch = new Channel(events, sid, cid, pv, rights);
    this.#channels.set(sid, ch);
    pv.observe(ch);
    this.#replies.bare(ACCESS_RIGHTS, 0, 0, cid, rights);
    const count = this.#minor < 9 ? Math.min(pv.count, 0xfffe) : pv.count;
    this.#replies.bare(CREATE_CHAN, pv.nativeType, count, cid, sid);
  }

  /** READ or READ_NOTIFY: `h.p1` is the SID, `h.p2` the ioid. */
  #read(h: DecodedHeader): void {
    const ch = this.#channel(h, h.p1);
    if (ch) this.#replies.read(ch, h, this.#minor);
  }

  /** EVENT_ADD: `h.p1` is the SID, `h.p2` the subscription id. */
  #subscribe(h: DecodedHeader, mask: number): void {
    const ch = this.#channel(h, h.p1);
    if (ch) this.#subs.add(ch, h, mask, this.#eventsOn);
  }

  #channel(h: DecodedHeader, sid: number): Channel | undefined {
    const ch = this.#channels.get(sid);
    if (!ch) {
      this.#replies.error(UNKNOWN_CID, ECA_BADCHID, h, "");
      this.#notice(`Refused command "${h.cmd}" for unknown SID "${sid}"`);
    }
    return ch;
  }

  /**
   * WRITE or WRITE_NOTIFY: `h.p1` is the SID, `h.p2` the client's id (WRITE) or the ioid; the
   * payload is `bytes` from `at`, valid only during this call.
   */
  #write(h: DecodedHeader, bytes: Uint8Array, at: number): void {
    const ch = this.#channel(h, h.p1);
    if (!ch) return;
    let result: number | Promise<number>;
    try {
      result = this.#applyWrite(ch, h, bytes, at);
    } catch {
      result = ECA_PUTFAIL;
    }
    if (typeof result === "number") return this.#finishWrite(ch, h, result);
    // The answer waits for the handler (a put-callback completes with the action), but the
    // circuit does not: later requests are handled meanwhile, and `h` with them, so the answer
    // keeps a copy. Only a client with too many writes in flight is made to wait, so what it can
    // make us hold stays bounded.
    const header = { ...h };
    this.#pendingWrites++;
    if (this.#pendingWrites >= MAX_PENDING_WRITES) this.#blocked = true;
    result.then(
      (eca) => this.#finishWrite(ch, header, eca),
      () => this.#finishWrite(ch, header, ECA_PUTFAIL),
    ).finally(() => {
      this.#pendingWrites--;
      if (this.#closed) return;
      if (this.#blocked && this.#pendingWrites < MAX_PENDING_WRITES) {
        this.#blocked = false;
        try {
          this.#process();
        } catch (error) {
          this.#notice(error instanceof Error ? error.message : String(error));
          this.close();
        }
      }
      this.#opts.onWake();
    });
  }

  /** Check and apply a write; the ECA status, now or once the PV's handler has finished. */
  #applyWrite(
    ch: Channel,
    h: DecodedHeader,
    bytes: Uint8Array,
    at: number,
  ): number | Promise<number> {
    if (!(ch.rights & 2)) return ECA_NOWTACCESS;
    const layout = dbrLayout(h.type);
    if (!layout || !layout.writable) return ECA_BADTYPE;
    const pv = ch.pv;
    if (h.count > pv.count) return ECA_BADCOUNT;
    // PUT_ACKT/PUT_ACKS: alarm acknowledgement is not modelled; accept and ignore.
    if (h.type === 35 || h.type === 36) return ECA_NORMAL;
    // One element (catime, caput, most puts): read in place, no arrays on the way.
    if (h.count === 1 && pv.writeOne !== undefined) {
      // Text written to a floating-point channel (catime, caput of a number) is mostly a plain
      // decimal: parsed from the bytes it costs no string; anything unusual takes the text path.
      if (h.type === DBR_STRING && (pv.nativeType === DBR_DOUBLE || pv.nativeType === DBR_FLOAT)) {
        const n = parseDecimalBytes(bytes, at, at + Math.min(h.size, MAX_STRING_SIZE));
        if (n !== undefined) return pv.writeOne(n, DBR_DOUBLE, this.#client);
      }
      const x = readDbrScalar(bytes, at, h.size, h.type);
      if (x !== undefined) return pv.writeOne(x, layout.valueType, this.#client);
    }
    const payload = bytes.subarray(at, at + h.size);
    const values = decodeDbrValues(payload, h);
    if (typeof values === "number") return values;
    return pv.write(values, { srcType: layout.valueType, client: this.#client });
  }

  #finishWrite(ch: Channel, h: DecodedHeader, eca: number): void {
    if (this.#closed || this.#channels.get(ch.sid) !== ch) return;
    if (h.cmd === WRITE_NOTIFY) this.#replies.bare(WRITE_NOTIFY, h.type, h.count, eca, h.p2);
    else if (eca !== ECA_NORMAL) this.#replies.error(ch.cid, eca, h, ch.pv.name);
  }

  /** CLEAR_CHANNEL: `h.p1` is the SID, `h.p2` the client's id. */
  #clear(h: DecodedHeader): void {
    const ch = this.#channel(h, h.p1);
    if (!ch) return;
    this.#dropChannel(ch);
    this.#channels.delete(ch.sid);
    this.#replies.bare(CLEAR_CHANNEL, 0, 0, h.p1, h.p2);
  }

  #dropChannel(ch: Channel): void {
    this.#subs.dropChannel(ch);
    ch.pv.unobserve(ch);
  }

  #onEvent(ch: Channel, mask: number, snap: Snapshot): void {
    if (this.#closed) return;
    if (this.#subs.onEvent(ch, mask, snap) && this.#eventsOn) this.#opts.onWake();
  }

  #onRemoved(ch: Channel): void {
    if (this.#closed || this.#channels.get(ch.sid) !== ch) return;
    this.#dropChannel(ch);
    this.#channels.delete(ch.sid);
    this.#replies.bare(SERVER_DISCONN, 0, 0, ch.cid, 0);
    this.#opts.onWake();
  }

  #updateRights(ch: Channel): boolean {
    const rights = ch.pv.rights(this.#client);
    if (rights === ch.rights) return false;
    ch.rights = rights;
    this.#replies.bare(ACCESS_RIGHTS, 0, 0, ch.cid, rights);
    this.#subs.repeat(ch);
    return true;
  }
}
