/**
 * One pvAccess TCP client, sans I/O: bytes in through {@linkcode PvaCircuit.recv}, bytes out
 * through {@linkcode PvaCircuit.takeOutput}. No sockets, timers or clocks: the server's socket
 * layer feeds it and writes what it hands out, and is woken (`onWake`) when output appears
 * without input (a monitored PV changed, a PUT's write settled).
 *
 * Memory a client controls is bounded: message size, channels, operations, pending PUTs and the
 * queue of replies; monitor updates are not queued at all but built when the connection can
 * take one, so a client that stops reading gets coalesced updates, never a growing queue.
 *
 * @module
 */

import {
  credentials,
  decodeMessage,
  destroysAfter,
  errorStatus,
  FrameSplitter,
  GET,
  type InitRequestMessage,
  type PartialValue,
  PUT,
  type PvaMessage,
  RemoteProtocolError,
  searchReply,
  SegmentAssembler,
  serverGreeting,
  STATUS_OK,
  TypeCache,
} from "../protocol/mod.ts";
import {
  applyMonitorExec,
  attachOp,
  type Channel,
  createOperation,
  detachOp,
  nextMonitorUpdate,
  type Operation,
  opsOf,
  selected,
} from "./_operations.ts";
import { OutQueue } from "./_out_queue.ts";
import { SERVER_CHANNEL, ServerRpc } from "./_server_rpc.ts";
import { type NtSnapshot, ntSnapshot, ntTypeOf } from "./_nt_value.ts";
import { execPut } from "./_put.ts";
import type { PeerInfo, PvaSource } from "./source.ts";
import type { PvaCircuitOptions } from "./_circuit_options.ts";

export type { PvaCircuitOptions, PvaDirectory } from "./_circuit_options.ts";

const NO_SID = 0xffffffff;
/** The first sid QSRV2 hands out; starting there lets captured client sessions replay as-is. */
const FIRST_SID = 0x07050301;
/** Monitor updates are built only while less than this is queued. */
const MONITOR_HIGH_WATER = 256 * 1024;
/**
 * The current value of each monitored source, shared by every circuit: one post fanned out to many
 * clients builds its value (and its changed fields, see nextMonitorUpdate) once. Every circuit
 * with a channel to the source watches it, and each one forgets the entry on a change, a monitor
 * (re)start and when its channel goes, so an entry never outlives the last watcher nor a change.
 */
const SNAPSHOTS = new WeakMap<PvaSource, NtSnapshot>();

/** Messages only servers send: a client sending one is dropped, as pvxs does (§1.2). */
const SERVER_KINDS = [
  "ValidationOffer",
  "Validated",
  "SearchResponse",
  "Beacon",
  "OriginTag",
  "CreateChannelReply",
  "GetFieldReply",
  "Message",
  "InitReply",
  "GetReply",
  "PutFetchReply",
  "PutReply",
  "MonitorUpdate",
  "MonitorEnd",
  "RpcReply",
] as const;
const SERVER_KIND_SET: ReadonlySet<string> = new Set(SERVER_KINDS);
type ClientKind = Exclude<PvaMessage["kind"], typeof SERVER_KINDS[number]>;

/** The per-client state machine of the pvAccess TCP protocol, server side. */
export class PvaCircuit {
  #opts: Required<Omit<PvaCircuitOptions, "identity">> & Pick<PvaCircuitOptions, "identity">;
  #splitter: FrameSplitter;
  #segments: SegmentAssembler;
  #cache = new TypeCache();
  /** One options object for every message decoded (not one, with a closure, per message). */
  #decodeOptions = {
    cache: this.#cache,
    types: (ioid: number) => this.#ops.get(ioid)?.channel.type,
  };
  #channels = new Map<number, Channel>();
  #ops = new Map<number, Operation>();
  /** Monitors with changes not sent yet, in the order they changed. */
  #dirty = new Set<Operation>();
  #out = new OutQueue();
  /** `server` channels (pvxlist) and their RPCs. */
  #rpc = new ServerRpc();
  #nextSid = FIRST_SID;
  #pendingPuts: { count: number; readonly max: number };
  #closed = false;
  /** Who the client is; updated by its validation reply. */
  readonly peer: PeerInfo;

  /**
   * A circuit for a new connection; its greeting is queued at once.
   *
   * @param options Directory, peer, limits.
   * @example Usage
   * ```ts
   * import { PvaCircuit } from "./circuit.ts";
   * const c = new PvaCircuit({ directory: { find: () => undefined }, peerAddress: "127.0.0.1", peerPort: 1 });
   * c.takeOutput()?.length; // 36 (SET_BYTE_ORDER + CONNECTION_VALIDATION)
   * ```
   */
  constructor(options: PvaCircuitOptions) {
    this.#opts = {
      onWake: () => {},
      maxQueueBytes: 16 * 1024 * 1024,
      maxMessage: 16 * 1024 * 1024,
      maxChannels: 65536,
      maxOperations: 65536,
      maxPendingPuts: 256,
      ...options,
    };
    this.#pendingPuts = { count: 0, max: this.#opts.maxPendingPuts };
    this.#splitter = new FrameSplitter({ maxPayload: this.#opts.maxMessage });
    this.#segments = new SegmentAssembler({ maxMessage: this.#opts.maxMessage });
    this.peer = {
      address: options.peerAddress,
      port: options.peerPort,
      method: "",
      user: "",
      host: "",
    };
    this.#out.push(serverGreeting());
  }

  /** Open channels. */
  get channelCount(): number {
    return this.#channels.size;
  }

  /** Operations (GET, PUT, MONITOR) in progress. */
  get operationCount(): number {
    return this.#ops.size;
  }

  /**
   * Feed bytes received from the client; replies are queued for {@linkcode takeOutput}.
   *
   * @param chunk Any fragment of the stream.
   * @throws {RemoteProtocolError} When the connection must be closed (malformed framing or
   *   types, a client that does not read its replies, a message in the server's direction).
   */
  recv(chunk: Uint8Array): void {
    if (this.#closed) return;
    for (const frame of this.#splitter.push(chunk)) {
      const whole = this.#segments.accept(frame);
      if (!whole) continue;
      const m = decodeMessage(whole, this.#decodeOptions);
      this.#handle(m);
      if (this.#out.bytes > this.#opts.maxQueueBytes) {
        throw new RemoteProtocolError(
          `Client does not read its replies (${this.#out.bytes} bytes queued)`,
        );
      }
    }
  }

  /** Whether {@linkcode takeOutput} would hand out bytes now. */
  get hasOutput(): boolean {
    return !this.#out.empty || this.#dirty.size > 0;
  }

  /**
   * Everything ready to send, as one buffer: queued replies, then monitor updates built now.
   *
   * @returns The bytes, or `undefined` when there is nothing to send.
   */
  takeOutput(): Uint8Array | undefined {
    if (this.#closed) return undefined;
    this.#buildMonitorUpdates();
    return this.#out.take();
  }

  /**
   * A PV is no longer served: destroy its channels (the client gets DESTROY_CHANNEL and searches
   * again).
   *
   * @param source The PV.
   */
  sourceRemoved(source: PvaSource): void {
    for (const ch of [...this.#channels.values()]) if (ch.source === source) this.#removed(ch);
  }

  /** Give up buffers grown by a burst (the connection is quiet); nothing queued is lost. */
  releaseBuffers(): void {
    this.#out.release();
  }

  /** Forget everything (the socket closed): stop watching every PV. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const ch of this.#channels.values()) {
      if (ch.unsubscribe === undefined) continue;
      ch.unsubscribe();
      SNAPSHOTS.delete(ch.source);
    }
    this.#channels.clear();
    this.#ops.clear();
    this.#dirty.clear();
    // Buffers go now: a circuit lives through young-generation collections and would otherwise
    // hold them until a full one (after a burst of clients, 100s of MiB).
    this.#out.close();
    this.#splitter.release();
  }

  #buildMonitorUpdates(): void {
    for (const op of this.#dirty) {
      if (this.#out.bytes >= MONITOR_HIGH_WATER) return;
      const m = op.monitor!;
      if (!m.running) {
        this.#dirty.delete(op);
        continue;
      }
      // Stays dirty: sent once the client acks (pipeline), or once the PUT reply went out, so
      // the reply precedes the update the write causes (§9.25); a first update never waits.
      if (m.pipeline && m.window <= 0) continue;
      if (m.last !== undefined && op.channel.pendingPuts > 0) continue;
      this.#dirty.delete(op);
      const source = op.channel.source;
      let snap = SNAPSHOTS.get(source);
      if (!snap) SNAPSHOTS.set(source, snap = ntSnapshot(source));
      const update = nextMonitorUpdate(op, snap);
      if (!update) continue;
      this.#out.send(update);
      if (m.pipeline) m.window--;
    }
  }

  #handle(message: PvaMessage): void {
    if (SERVER_KIND_SET.has(message.kind)) {
      throw new RemoteProtocolError(`Cannot accept ${message.kind} from a client`);
    }
    const m = message as Extract<PvaMessage, { kind: ClientKind }>;
    switch (m.kind) {
      case "Control":
      case "Unknown":
      case "OtherOperation":
        // Control messages carry nothing we act on; unknown commands are skipped as pvxs does;
        // the other operations never get past INIT here.
        return;
      case "RpcExec": {
        const names = this.#opts.directory.names;
        const reply = names && this.#rpc.exec(m, () => names.call(this.#opts.directory));
        if (reply) this.#out.send(reply);
        return;
      }
      case "ValidationReply": {
        const cred = credentials(m);
        this.peer.method = m.method;
        this.peer.user = cred?.user ?? "";
        this.peer.host = cred?.host ?? "";
        return this.#out.send({ kind: "Validated", status: STATUS_OK });
      }
      case "Echo":
        return this.#out.send({ kind: "Echo", payload: m.payload });
      case "Search": {
        const id = this.#opts.identity;
        if (!id) return;
        const reply = searchReply(m, {
          ...id,
          has: (n) => this.#opts.directory.find(n) !== undefined,
        });
        if (reply) this.#out.send(reply);
        return;
      }
      case "CreateChannelRequest":
        for (const c of m.channels) this.#createChannel(c.cid, c.name);
        return;
      case "DestroyChannel": {
        const rpc = this.#rpc.close(m.sid);
        if (rpc) return this.#out.send(rpc);
        const ch = this.#channels.get(m.sid);
        if (!ch) return;
        this.#dropChannel(ch);
        return this.#out.send({ kind: "DestroyChannel", sid: m.sid, cid: ch.cid });
      }
      case "GetField":
        return this.#getField(m.sid, m.ioid);
      case "InitRequest":
        return this.#init(m);
      case "GetExec":
      case "PutFetch":
        return this.#get(m.kind, m.ioid, m.subcmd);
      case "PutExec":
        return this.#put(m.ioid, m.subcmd, m.data);
      case "MonitorExec":
        return this.#monitorExec(m.ioid, m.subcmd, m.ack);
      case "DestroyRequest": {
        this.#rpc.forget(m.ioid);
        const op = this.#ops.get(m.ioid);
        if (op) this.#dropOp(op);
        return;
      }
      case "CancelRequest": {
        // Only a pending PUT can be cancelled; pvput cancels finished GETs (§4.4): ignore those,
        // and treat nothing else as a stop (QSRV2 crashes on a cancelled monitor).
        const op = this.#ops.get(m.ioid);
        if (op?.busy) op.abandoned = true;
        return;
      }
      default: {
        const never: never = m;
        throw new RemoteProtocolError(`Cannot handle ${JSON.stringify(never)}`);
      }
    }
  }

  #createChannel(cid: number, name: string): void {
    // A refused name uses up a sid too, as in QSRV2 (captured sessions replay unchanged).
    let sid = this.#nextSid;
    while (this.#channels.has(sid) || this.#rpc.has(sid) || sid === NO_SID) sid = (sid + 1) >>> 0;
    this.#nextSid = (sid + 1) >>> 0;
    const full = this.#channels.size + this.#rpc.size >= this.#opts.maxChannels;
    const source = full ? undefined : this.#opts.directory.find(name);
    if (!source && !full && name === SERVER_CHANNEL && this.#opts.directory.names) {
      this.#rpc.open(sid, cid);
      return this.#out.send({ kind: "CreateChannelReply", cid, sid, status: STATUS_OK });
    }
    if (!source) {
      const message = full
        ? `Refused to create Channel: ${this.#opts.maxChannels} channels open`
        : "Refused to create Channel";
      return this.#out.send({
        kind: "CreateChannelReply",
        cid,
        sid: NO_SID,
        status: { type: "fatal", message, stack: "" },
      });
    }
    const ch: Channel = {
      sid,
      cid,
      source,
      type: ntTypeOf(source),
      ops: undefined,
      pendingPuts: 0,
      unsubscribe: undefined,
    };
    this.#channels.set(sid, ch);
    this.#out.send({ kind: "CreateChannelReply", cid, sid, status: STATUS_OK });
  }

  /** Watch the source of a channel (for its monitors) until the channel goes. */
  #watch(ch: Channel): void {
    if (ch.unsubscribe !== undefined) return;
    ch.unsubscribe = ch.source.subscribe({
      update: () => this.#changed(ch),
      removed: () => this.#removed(ch),
    });
  }

  #changed(ch: Channel): void {
    if (this.#closed) return;
    SNAPSHOTS.delete(ch.source);
    const ops = ch.ops;
    // Called for every post to a monitored PV: no array per call.
    const any = Array.isArray(ops)
      ? ops.reduce((some, op) => this.#markDirty(op) || some, false)
      : ops !== undefined && this.#markDirty(ops);
    if (any) this.#opts.onWake();
  }

  /** Queue a running monitor's next update; returns whether it is one. */
  #markDirty(op: Operation): boolean {
    if (!op.monitor?.running) return false;
    this.#dirty.add(op);
    return true;
  }

  #removed(ch: Channel): void {
    if (this.#closed || this.#channels.get(ch.sid) !== ch) return;
    this.#dropChannel(ch);
    // Unsolicited DESTROY_CHANNEL: the client searches for the name again (§4.3).
    this.#out.send({ kind: "DestroyChannel", sid: ch.sid, cid: ch.cid });
    this.#opts.onWake();
  }

  #dropChannel(ch: Channel): void {
    for (const op of opsOf(ch)) this.#dropOp(op);
    this.#channels.delete(ch.sid);
    if (ch.unsubscribe === undefined) return;
    ch.unsubscribe();
    SNAPSHOTS.delete(ch.source);
  }

  #dropOp(op: Operation): void {
    this.#ops.delete(op.ioid);
    detachOp(op);
    this.#dirty.delete(op);
    op.abandoned = true;
  }

  /** The whole type whatever `subField` names, as QSRV2 answers (§4.8; tools send ""). */
  #getField(sid: number, ioid: number): void {
    const ch = this.#channels.get(sid);
    if (!ch) {
      const status = errorStatus(`No channel with sid ${sid}`);
      return this.#out.send({ kind: "GetFieldReply", ioid, status });
    }
    this.#out.send({ kind: "GetFieldReply", ioid, status: STATUS_OK, type: ch.type });
  }

  #init(m: InitRequestMessage): void {
    if (this.#rpc.has(m.sid) && !this.#ops.has(m.ioid) && !this.#rpc.hasOp(m.ioid)) {
      return this.#out.send(this.#rpc.init(m));
    }
    const { command, ioid, subcmd } = m;
    const ch = this.#channels.get(m.sid);
    const op = !ch
      ? `No channel with sid ${m.sid}`
      : this.#ops.has(ioid) || this.#rpc.hasOp(ioid)
      ? `Request id ${ioid} is in use`
      : this.#ops.size >= this.#opts.maxOperations
      ? `Too many operations (${this.#opts.maxOperations})`
      : createOperation(ch, m);
    if (typeof op === "string") {
      return this.#out.send({ kind: "InitReply", command, ioid, subcmd, status: errorStatus(op) });
    }
    this.#ops.set(ioid, op);
    attachOp(op);
    if (op.monitor) this.#watch(op.channel);
    const type = op.channel.type;
    this.#out.send({ kind: "InitReply", command, ioid, subcmd, status: STATUS_OK, type });
  }

  #get(kind: "GetExec" | "PutFetch", ioid: number, subcmd: number): void {
    const op = this.#ops.get(ioid);
    // An exec for a finished or unknown operation is ignored, as QSRV2 does (§4.4).
    if (!op || op.command !== (kind === "GetExec" ? GET : PUT)) return;
    const snap = ntSnapshot(op.channel.source);
    this.#out.send({
      kind: kind === "GetExec" ? "GetReply" : "PutFetchReply",
      ioid,
      subcmd,
      status: STATUS_OK,
      data: { type: op.channel.type, bits: selected(snap.bits, op), value: snap.value },
    });
    if (destroysAfter(subcmd)) this.#dropOp(op);
  }

  #put(ioid: number, subcmd: number, data: PartialValue | undefined): void {
    const op = this.#ops.get(ioid);
    if (!op || op.command !== PUT) return;
    execPut(op, data, {
      peer: this.peer,
      pending: this.#pendingPuts,
      reply: (status) => {
        this.#out.send({ kind: "PutReply", ioid, subcmd, status });
        if (destroysAfter(subcmd)) this.#dropOp(op);
      },
      settled: () => {
        // A cancel applies to one exec; a live operation takes the next one.
        if (this.#ops.get(ioid) === op) op.abandoned = false;
        this.#opts.onWake();
      },
      closed: () => this.#closed,
    });
  }

  #monitorExec(ioid: number, subcmd: number, ack: number | undefined): void {
    const op = this.#ops.get(ioid);
    if (!op?.monitor) return;
    // A (re)start sends everything, with the latest time stamp: no cached snapshot.
    if (applyMonitorExec(op.monitor, subcmd, ack)) SNAPSHOTS.delete(op.channel.source);
    if (destroysAfter(subcmd)) return this.#dropOp(op);
    if (op.monitor.running) this.#dirty.add(op);
  }
}
