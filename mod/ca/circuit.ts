/**
 * One TCP client's virtual circuit: bytes in, replies and monitor updates out, no I/O. The server
 * feeds received chunks to {@linkcode Circuit.recv} and writes what {@linkcode Circuit.takeOutput}
 * returns.
 *
 * @module
 */

import {
  ACCESS_RIGHTS,
  CLEAR_CHANNEL,
  CREATE_CH_FAIL,
  decodeRequest,
  DO_REPLY,
  EVENT_ADD,
  NOT_FOUND,
  READ,
  READ_NOTIFY,
  type Request,
  SEARCH,
  SERVER_DISCONN,
  WRITE_NOTIFY,
  writeAccessRights,
  writeBare,
  writeCreateChanReply,
  writeError,
  writeVersion,
  writeWithPayload,
} from "./protocol/commands.ts";
import type { Values } from "./protocol/convert.ts";
import {
  type DbrLayout,
  dbrLayout,
  dbrSize,
  type DbrSource,
  decodeDbrValues,
  encodeDbr,
} from "./protocol/dbr.ts";
import { RemoteProtocolError } from "./protocol/errors.ts";
import {
  align8,
  type DecodedHeader,
  EXTENDED_HEADER_SIZE,
  HEADER_SIZE,
  needsExtended,
  readHeader,
  writeHeader,
} from "./protocol/header.ts";
import { OutBuffer } from "./protocol/out_buffer.ts";
import {
  ECA_ALLOCMEM,
  ECA_BADCHID,
  ECA_BADCOUNT,
  ECA_BADMASK,
  ECA_BADMONID,
  ECA_BADTYPE,
  ECA_INTERNAL,
  ECA_NORDACCESS,
  ECA_NORMAL,
  ECA_NOWTACCESS,
  ECA_PUTFAIL,
  ECA_TOLARGE,
} from "./protocol/status.ts";

/** Who is on the other end, as used for access decisions. */
export interface ClientInfo {
  /** Host name the client announced (HOST_NAME), else its IP address. */
  readonly host: string;
  /** User name the client announced (CLIENT_NAME), else `""`. */
  readonly user: string;
}

/** A channel's value and metadata at one moment, with a per-type cache of encoded payloads. */
export interface Snapshot extends DbrSource {
  /** Encoded payloads keyed by `type + 64 * count`, filled by circuits for monitor fan-out. */
  readonly encoded: Map<number, Uint8Array>;
}

/** What a circuit needs from a channel's holder to learn about changes. */
export interface ChannelObserver {
  /**
   * The value, alarm or metadata changed.
   *
   * @param mask DBE_* bits of what changed.
   * @param snap The new state.
   */
  onEvent(mask: number, snap: Snapshot): void;
  /** The PV is gone (the circuit sends SERVER_DISCONN). */
  onRemoved(): void;
}

/** A process variable as a circuit sees it. */
export interface ChannelSource {
  /** Canonical name. */
  readonly name: string;
  /** Native value type 0–6. */
  readonly nativeType: number;
  /** Maximum element count (NELM). */
  readonly count: number;
  /** The current state. */
  snapshot(): Snapshot;
  /**
   * Access rights for a client: bit 0 read, bit 1 write.
   *
   * @param client The client.
   * @returns 0–3.
   */
  rights(client: ClientInfo): number;
  /**
   * Apply a client's write.
   *
   * @param values Decoded elements, of value type `ctx.srcType`.
   * @param ctx The written value type and the client.
   * @returns The ECA status, now or once the write has completed.
   */
  write(values: Values, ctx: { srcType: number; client: ClientInfo }): number | Promise<number>;
  /**
   * Start reporting changes.
   *
   * @param observer Receiver of changes.
   */
  observe(observer: ChannelObserver): void;
  /**
   * Stop reporting changes.
   *
   * @param observer A receiver passed to {@linkcode ChannelSource.observe}.
   */
  unobserve(observer: ChannelObserver): void;
}

/** Name lookup for CREATE_CHAN and TCP searches. */
export interface ChannelDirectory {
  /**
   * Find a PV by the name a client used.
   *
   * @param name Requested name.
   * @returns The PV, or `undefined`.
   */
  find(name: string): ChannelSource | undefined;
}

/** Limits and environment of a circuit. */
export interface CircuitOptions {
  /** PV lookup. */
  directory: ChannelDirectory;
  /** Client IP address (used as host until HOST_NAME arrives). */
  peerHost: string;
  /** Our TCP port, for SEARCH replies over TCP. */
  tcpPort: number;
  /** Largest request payload accepted. @default 16384 */
  maxArrayBytes?: number;
  /** Most channels per circuit. @default 100000 */
  maxChannels?: number;
  /** Most subscriptions per circuit. @default 100000 */
  maxSubscriptions?: number;
  /** Most output bytes (replies) held for a client that does not read. @default 16 MiB */
  maxQueueBytes?: number;
  /** Called when output became available outside {@linkcode Circuit.recv}. */
  onWake?: () => void;
  /** Source of SIDs (a server-wide counter, as RSRV has); ids in use on this circuit are skipped. */
  allocateSid?: () => number;
}

/** Something worth logging that did not close the circuit. */
export interface CircuitNotice {
  /** Sentence-case description. */
  readonly message: string;
}

interface Subscription {
  readonly subid: number;
  readonly channel: Channel;
  readonly type: number;
  readonly layout: DbrLayout;
  readonly count: number;
  readonly mask: number;
  pending: Snapshot | undefined;
  cancelled: boolean;
}

interface Channel extends ChannelObserver {
  readonly sid: number;
  readonly cid: number;
  readonly pv: ChannelSource;
  rights: number;
  readonly subs: Map<number, Subscription>;
}

const NO_NOTICES: readonly CircuitNotice[] = Object.freeze([]);
const INITIAL_INPUT = 64 * 1024;
/** Input allowed on top of one maximal message (a blocked circuit keeps buffering). */
const INPUT_SLACK = 1024 * 1024;
const UNKNOWN_CID = 0xffffffff;

/** The per-client state machine of the CA TCP protocol. */
export class Circuit {
  #opts: Required<CircuitOptions>;
  #in = new Uint8Array(INITIAL_INPUT);
  #inView = new DataView(this.#in.buffer);
  #start = 0;
  #end = 0;
  #out = new OutBuffer();
  #spare = new OutBuffer();
  #scratch = new OutBuffer();
  #channels = new Map<number, Channel>();
  #subs = new Map<number, Subscription>();
  #dirty: Subscription[] = [];
  #nextSid = 0;
  #minor = 13;
  #user = "";
  #host: string;
  #client: ClientInfo;
  #eventsOn = true;
  #blocked = false;
  #closed = false;
  #notices: CircuitNotice[] = [];

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
      onWake: () => {},
      allocateSid: () => {
        const sid = this.#nextSid;
        this.#nextSid = (sid + 1) >>> 0;
        return sid;
      },
      ...options,
    };
    this.#host = options.peerHost;
    this.#client = { host: this.#host, user: "" };
    writeVersion(this.#out);
  }

  /** The client as used for access decisions. */
  get client(): ClientInfo {
    return this.#client;
  }

  /** Open channels. */
  get channelCount(): number {
    return this.#channels.size;
  }

  /** Active subscriptions. */
  get subscriptionCount(): number {
    return this.#subs.size;
  }

  /** Whether {@linkcode Circuit.takeOutput} has something to hand out. */
  get hasOutput(): boolean {
    return this.#out.length > 0 || (this.#eventsOn && this.#dirty.length > 0);
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
    this.#append(chunk);
    this.#process();
    if (this.#out.length > this.#opts.maxQueueBytes) {
      throw new RemoteProtocolError(
        `Cannot queue more replies: client does not read (${this.#out.length} bytes pending)`,
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
    if (this.#eventsOn && this.#dirty.length > 0) {
      const dirty = this.#dirty;
      this.#dirty = [];
      for (const sub of dirty) {
        const snap = sub.pending;
        sub.pending = undefined;
        if (snap && !sub.cancelled) this.#writeUpdate(sub, snap);
      }
    }
    if (this.#out.length === 0) return undefined;
    const out = this.#out;
    this.#out = this.#spare;
    this.#spare = out;
    return out.take();
  }

  /** Re-evaluate every channel's access rights; changed ones get ACCESS_RIGHTS and a value repeat. */
  refreshAccess(): void {
    if (this.#closed) return;
    let changed = false;
    for (const ch of this.#channels.values()) changed = this.#updateRights(ch) || changed;
    if (changed) this.#opts.onWake();
  }

  /** Drop every channel and subscription; further input is ignored. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const ch of this.#channels.values()) this.#dropChannel(ch);
    this.#channels.clear();
    this.#subs.clear();
    this.#dirty = [];
  }

  #append(chunk: Uint8Array): void {
    const len = chunk.length;
    if (this.#end + len > this.#in.length) {
      const live = this.#end - this.#start;
      const limit = this.#opts.maxArrayBytes + EXTENDED_HEADER_SIZE + INPUT_SLACK;
      if (live + len > limit) {
        throw new RemoteProtocolError(`Cannot buffer more input: ${live + len} bytes pending`);
      }
      if (live + len > this.#in.length) {
        let size = this.#in.length * 2;
        while (size < live + len) size *= 2;
        const grown = new Uint8Array(size);
        grown.set(this.#in.subarray(this.#start, this.#end));
        this.#in = grown;
        this.#inView = new DataView(grown.buffer);
      } else {
        this.#in.copyWithin(0, this.#start, this.#end);
      }
      this.#start = 0;
      this.#end = live;
    }
    this.#in.set(chunk, this.#end);
    this.#end += len;
  }

  #process(): void {
    while (!this.#blocked && !this.#closed) {
      const h = readHeader(this.#inView, this.#start, this.#end);
      if (!h) break;
      if ((h.size & 7) !== 0) {
        throw new RemoteProtocolError(`Cannot accept misaligned payload size "${h.size}"`);
      }
      if (h.size > this.#opts.maxArrayBytes) {
        writeError(this.#out, { cid: UNKNOWN_CID, eca: ECA_TOLARGE, request: h, text: "" });
        throw new RemoteProtocolError(
          `Cannot accept payload of ${h.size} bytes: limit is ${this.#opts.maxArrayBytes}`,
        );
      }
      const total = h.headerSize + h.size;
      if (this.#end - this.#start < total) break;
      const bodyAt = this.#start + h.headerSize;
      const payload = this.#in.subarray(bodyAt, bodyAt + h.size);
      this.#start += total;
      const req = decodeRequest(h, payload);
      if (!req) {
        writeError(this.#out, { cid: UNKNOWN_CID, eca: ECA_INTERNAL, request: h, text: "" });
        throw new RemoteProtocolError(`Cannot handle command "${h.cmd}"`);
      }
      this.#handle(req);
    }
    if (this.#start === this.#end) this.#start = this.#end = 0;
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
        return this.#createChannel(req);
      case "ReadNotifyRequest":
      case "ReadRequest":
        return this.#read(req);
      case "WriteRequest":
      case "WriteNotifyRequest":
        return this.#write(req);
      case "EventAddRequest":
        return this.#subscribe(req);
      case "EventCancelRequest":
        return this.#unsubscribe(req);
      case "ClearChannelRequest":
        return this.#clear(req);
      case "EchoRequest":
        writeWithPayload(this.#out, req.header, req.payload);
        return;
      case "ReadSyncRequest":
        writeBare(this.#out, req.header);
        return;
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
    if (this.#channels.size > 0) this.refreshAccess();
  }

  #search(req: Extract<Request, { kind: "SearchRequest" }>): void {
    if (req.name !== "" && this.#opts.directory.find(req.name)) {
      writeBare(this.#out, {
        cmd: SEARCH,
        size: 0,
        type: this.#opts.tcpPort,
        count: 0,
        p1: 0xffffffff,
        p2: req.searchId,
      });
    } else if (req.replyFlag === DO_REPLY) {
      writeBare(this.#out, { ...req.header, cmd: NOT_FOUND, size: 0 });
    }
  }

  #createChannel(req: Extract<Request, { kind: "CreateChanRequest" }>): void {
    if (req.minor > 0 && req.minor < this.#minor) this.#minor = req.minor;
    const pv = this.#opts.directory.find(req.name);
    if (!pv) {
      writeBare(this.#out, { cmd: CREATE_CH_FAIL, size: 0, type: 0, count: 0, p1: req.cid, p2: 0 });
      return;
    }
    if (this.#channels.size >= this.#opts.maxChannels) {
      writeError(this.#out, {
        cid: req.cid,
        eca: ECA_ALLOCMEM,
        request: req.header,
        text: req.name,
      });
      this.#notice(`Refused channel "${req.name}": ${this.#channels.size} channels open`);
      return;
    }
    let sid = this.#opts.allocateSid() >>> 0;
    while (this.#channels.has(sid)) sid = this.#opts.allocateSid() >>> 0;
    const rights = pv.rights(this.#client);
    const ch: Channel = {
      sid,
      cid: req.cid,
      pv,
      rights,
      subs: new Map(),
      onEvent: (mask, snap) => this.#onEvent(ch, mask, snap),
      onRemoved: () => this.#onRemoved(ch),
    };
    this.#channels.set(sid, ch);
    pv.observe(ch);
    writeAccessRights(this.#out, { cid: req.cid, rights });
    const count = this.#minor < 9 ? Math.min(pv.count, 0xfffe) : pv.count;
    writeCreateChanReply(this.#out, { cid: req.cid, sid, type: pv.nativeType, count });
  }

  #channel(h: DecodedHeader, sid: number): Channel | undefined {
    const ch = this.#channels.get(sid);
    if (!ch) {
      writeError(this.#out, { cid: UNKNOWN_CID, eca: ECA_BADCHID, request: h, text: "" });
      this.#notice(`Refused command "${h.cmd}" for unknown SID "${sid}"`);
    }
    return ch;
  }

  /** Elements to send for a request of `count` (0 = the current length) of channel `ch`. */
  #elements(layout: DbrLayout, count: number, snap: Snapshot, pv: ChannelSource): number {
    if (layout.code === 38) return 1;
    if (count === 0) return snap.values.length;
    return Math.min(count, pv.count);
  }

  #read(req: Extract<Request, { kind: "ReadNotifyRequest" | "ReadRequest" }>): void {
    const ch = this.#channel(req.header, req.sid);
    if (!ch) return;
    const layout = dbrLayout(req.type);
    const notify = req.kind === "ReadNotifyRequest";
    if (!notify) {
      if (!layout?.readable || !(ch.rights & 1)) {
        const eca = layout?.readable ? ECA_NORDACCESS : ECA_BADTYPE;
        writeError(this.#out, { cid: ch.cid, eca, request: req.header, text: ch.pv.name });
        return;
      }
    }
    const cmd = notify ? READ_NOTIFY : READ;
    const p1 = notify ? ECA_NORMAL : ch.cid;
    if (!layout || !layout.readable) {
      this.#writeFailed(cmd, req.type, req.count, ECA_BADTYPE, req.ioid, 8);
      return;
    }
    const snap = ch.pv.snapshot();
    const n = this.#elements(layout, req.count, snap, ch.pv);
    const size = Math.max(8, align8(dbrSize(layout, n)));
    if (needsExtended(size, n) && this.#minor < 9) {
      this.#writeFailed(cmd, req.type, req.count, ECA_TOLARGE, req.ioid, 8);
      return;
    }
    if (!(ch.rights & 1)) {
      this.#writeFailed(cmd, req.type, n, ECA_NORDACCESS, req.ioid, size);
      return;
    }
    this.#writeData({ cmd, type: req.type, n, p1, p2: req.ioid, layout, size }, snap);
  }

  #writeFailed(
    cmd: number,
    type: number,
    count: number,
    eca: number,
    p2: number,
    size: number,
  ): void {
    const out = this.#out;
    const at = out.reserve(EXTENDED_HEADER_SIZE + size);
    const hs = writeHeader(out.view, at, { cmd, size, type, count, p1: eca, p2 });
    out.bytes.fill(0, at + hs, at + hs + size);
    out.commit(hs + size);
  }

  #writeData(
    m: {
      cmd: number;
      type: number;
      n: number;
      p1: number;
      p2: number;
      layout: DbrLayout;
      size: number;
    },
    snap: Snapshot,
  ): void {
    const out = this.#out;
    const at = out.reserve(EXTENDED_HEADER_SIZE + m.size);
    const hs = needsExtended(m.size, m.n) ? EXTENDED_HEADER_SIZE : HEADER_SIZE;
    out.bytes.fill(0, at + hs, at + hs + m.size);
    const r = encodeDbr(out.bytes, at + hs, { layout: m.layout, n: m.n }, snap);
    let p1 = m.p1;
    if (r < 0) {
      out.bytes.fill(0, at + hs, at + hs + m.size);
      p1 = m.cmd === READ ? p1 : -r;
    }
    writeHeader(out.view, at, { cmd: m.cmd, size: m.size, type: m.type, count: m.n, p1, p2: m.p2 });
    out.commit(hs + m.size);
  }

  #write(req: Extract<Request, { kind: "WriteRequest" | "WriteNotifyRequest" }>): void {
    const ch = this.#channel(req.header, req.sid);
    if (!ch) return;
    const notify = req.kind === "WriteNotifyRequest";
    const finish = (eca: number) => {
      if (this.#closed || !this.#channels.has(ch.sid)) return;
      if (notify) {
        writeBare(this.#out, {
          cmd: WRITE_NOTIFY,
          size: 0,
          type: req.type,
          count: req.count,
          p1: eca,
          p2: req.ioid,
        });
      } else if (eca !== ECA_NORMAL) {
        writeError(this.#out, { cid: ch.cid, eca, request: req.header, text: ch.pv.name });
      }
    };
    if (!(ch.rights & 2)) return finish(ECA_NOWTACCESS);
    const layout = dbrLayout(req.type);
    if (!layout || !layout.writable) return finish(ECA_BADTYPE);
    if (req.count > ch.pv.count) return finish(ECA_BADCOUNT);
    // PUT_ACKT/PUT_ACKS: alarm acknowledgement is not modelled; accept and ignore.
    if (req.type === 35 || req.type === 36) return finish(ECA_NORMAL);
    const values = decodeDbrValues(req.payload, { type: req.type, count: req.count });
    if (typeof values === "number") return finish(values);
    let result: number | Promise<number>;
    try {
      result = ch.pv.write(values, { srcType: layout.valueType, client: this.#client });
    } catch {
      result = ECA_PUTFAIL;
    }
    if (typeof result === "number") return finish(result);
    this.#blocked = true;
    result.then(
      (eca) => finish(eca),
      () => finish(ECA_PUTFAIL),
    ).finally(() => {
      this.#blocked = false;
      if (this.#closed) return;
      try {
        this.#process();
      } catch (error) {
        this.#notice(error instanceof Error ? error.message : String(error));
        this.close();
      }
      this.#opts.onWake();
    });
  }

  #subscribe(req: Extract<Request, { kind: "EventAddRequest" }>): void {
    const ch = this.#channel(req.header, req.sid);
    if (!ch) return;
    const layout = dbrLayout(req.type);
    let eca = 0;
    if (!layout || !layout.readable) eca = ECA_BADTYPE;
    else if ((req.mask & 0xf) === 0) eca = ECA_BADMASK;
    else if (this.#subs.size >= this.#opts.maxSubscriptions && !this.#subs.has(req.subid)) {
      eca = ECA_ALLOCMEM;
    }
    if (eca !== 0 || !layout) {
      writeError(this.#out, { cid: ch.cid, eca, request: req.header, text: ch.pv.name });
      return;
    }
    const old = this.#subs.get(req.subid);
    if (old) this.#removeSub(old);
    const sub: Subscription = {
      subid: req.subid,
      channel: ch,
      type: req.type,
      layout,
      count: req.count,
      mask: req.mask,
      pending: undefined,
      cancelled: false,
    };
    this.#subs.set(req.subid, sub);
    ch.subs.set(req.subid, sub);
    const snap = ch.pv.snapshot();
    if (this.#eventsOn) this.#writeUpdate(sub, snap);
    else this.#markDirty(sub, snap);
  }

  #unsubscribe(req: Extract<Request, { kind: "EventCancelRequest" }>): void {
    const sub = this.#subs.get(req.subid);
    if (!sub || sub.channel.sid !== req.sid) {
      const cid = this.#channels.get(req.sid)?.cid ?? UNKNOWN_CID;
      writeError(this.#out, { cid, eca: ECA_BADMONID, request: req.header, text: "" });
      this.#notice(`Refused cancel of unknown subscription "${req.subid}"`);
      return;
    }
    this.#removeSub(sub);
    writeBare(this.#out, {
      cmd: EVENT_ADD,
      size: 0,
      type: sub.type,
      count: sub.count,
      p1: req.sid,
      p2: req.subid,
    });
  }

  #removeSub(sub: Subscription): void {
    sub.cancelled = true;
    sub.pending = undefined;
    this.#subs.delete(sub.subid);
    sub.channel.subs.delete(sub.subid);
  }

  #clear(req: Extract<Request, { kind: "ClearChannelRequest" }>): void {
    const ch = this.#channel(req.header, req.sid);
    if (!ch) return;
    this.#dropChannel(ch);
    this.#channels.delete(ch.sid);
    writeBare(this.#out, {
      cmd: CLEAR_CHANNEL,
      size: 0,
      type: 0,
      count: 0,
      p1: req.sid,
      p2: req.cid,
    });
  }

  #dropChannel(ch: Channel): void {
    for (const sub of ch.subs.values()) {
      sub.cancelled = true;
      sub.pending = undefined;
      this.#subs.delete(sub.subid);
    }
    ch.subs.clear();
    ch.pv.unobserve(ch);
  }

  #markDirty(sub: Subscription, snap: Snapshot): void {
    if (sub.pending === undefined) this.#dirty.push(sub);
    sub.pending = snap;
  }

  #onEvent(ch: Channel, mask: number, snap: Snapshot): void {
    if (this.#closed) return;
    let any = false;
    for (const sub of ch.subs.values()) {
      if ((sub.mask & mask) !== 0) {
        this.#markDirty(sub, snap);
        any = true;
      }
    }
    if (any && this.#eventsOn) this.#opts.onWake();
  }

  #onRemoved(ch: Channel): void {
    if (this.#closed || this.#channels.get(ch.sid) !== ch) return;
    this.#dropChannel(ch);
    this.#channels.delete(ch.sid);
    writeBare(this.#out, { cmd: SERVER_DISCONN, size: 0, type: 0, count: 0, p1: ch.cid, p2: 0 });
    this.#opts.onWake();
  }

  #updateRights(ch: Channel): boolean {
    const rights = ch.pv.rights(this.#client);
    if (rights === ch.rights) return false;
    ch.rights = rights;
    writeBare(this.#out, {
      cmd: ACCESS_RIGHTS,
      size: 0,
      type: 0,
      count: 0,
      p1: ch.cid,
      p2: rights,
    });
    if (ch.subs.size > 0) {
      const snap = ch.pv.snapshot();
      for (const sub of ch.subs.values()) this.#markDirty(sub, snap);
    }
    return true;
  }

  #writeUpdate(sub: Subscription, snap: Snapshot): void {
    const { layout, channel } = sub;
    const n = this.#elements(layout, sub.count, snap, channel.pv);
    const size = Math.max(8, align8(dbrSize(layout, n)));
    if (!(channel.rights & 1)) {
      this.#writeFailed(EVENT_ADD, sub.type, n, ECA_NORDACCESS, sub.subid, size);
      return;
    }
    const key = sub.type + 64 * n;
    let payload = snap.encoded.get(key);
    let eca = ECA_NORMAL;
    if (!payload) {
      const scratch = this.#scratch;
      const at = scratch.reserve(size);
      const r = encodeDbr(scratch.bytes, at, { layout, n }, snap);
      payload = scratch.bytes.slice(at, at + size);
      scratch.take();
      if (r < 0) {
        payload.fill(0);
        eca = -r;
      } else snap.encoded.set(key, payload);
    }
    const out = this.#out;
    const at = out.reserve(EXTENDED_HEADER_SIZE + size);
    const hs = writeHeader(out.view, at, {
      cmd: EVENT_ADD,
      size,
      type: sub.type,
      count: n,
      p1: eca,
      p2: sub.subid,
    });
    out.bytes.set(payload, at + hs);
    out.commit(hs + size);
  }
}
