/**
 * The pvAccess server's sockets: the shared UDP search port (answering, and handing unicast
 * searches on to the host's other servers), the TCP listener, beacons, and one
 * {@linkcode PvaCircuit} per client whose output is written once per event-loop turn.
 *
 * @module
 */

import dgram from "node:dgram";
import { AdaptiveReadBuffer } from "../../net/read_buffer.ts";
import { getLogger } from "../../log.ts";
import {
  detach,
  encodeDatagram,
  GUID_SIZE,
  LOCAL_MULTICAST_GROUP,
  planSearchDatagram,
  RemoteProtocolError,
  searchReply,
  UNSPECIFIED_V4,
} from "../protocol/mod.ts";
import { type PvaServerConfig, type PvaServerOptions, resolvePvaConfig } from "./_config.ts";
import { broadcastTargets, openSearchSockets } from "./_udp.ts";
import { bindUdp, closeUdp, isLocalAddress, isMulticast } from "../../net/udp.ts";
import { PvaCircuit, type PvaDirectory } from "./circuit.ts";
import { Pv, type PvOptions } from "../../pv/mod.ts";
import type { PvaObserver, PvaSource } from "./source.ts";
import { sharedPvSource } from "./shared_pv.ts";
import { fieldSource } from "./_pv_fields.ts";
import { HeapTrimmer } from "../../net/heap_trim.ts";

export type { PvaServerOptions } from "./_config.ts";

const log = getLogger("pva");
const WATCHDOG_MS = 5_000;
/** A client whose socket accepts nothing for this long is dropped. */
const SEND_TIMEOUT_MS = 30_000;
/**
 * A client that sent nothing for this long is dropped. Both stock clients send ECHO every 15 s;
 * pvxs servers use 40 s (pva-protocol.md §4.2).
 */
const IDLE_TIMEOUT_MS = 40_000;
/** Beacons as pvxs sends them: at once, every 15 s for the first 10, then every 180 s (§3.6). */
const BEACON_FAST_MS = 15_000;
const BEACON_SLOW_MS = 180_000;
const BEACON_FAST_COUNT = 10;

interface Connection {
  readonly conn: Deno.TcpConn;
  readonly circuit: PvaCircuit;
  readonly peer: string;
  writing: boolean;
  writeStartedAt: number;
  lastReadAt: number;
  closed: boolean;
}

/** The server's watch of a source it serves: only its removal matters (channels watch changes). */
class Retirement implements PvaObserver {
  readonly #drop: (source: PvaSource) => void;
  readonly #source: PvaSource;

  constructor(drop: (source: PvaSource) => void, source: PvaSource) {
    this.#drop = drop;
    this.#source = source;
  }

  update(): void {}

  removed(): void {
    this.#drop(this.#source);
  }
}

/**
 * A pvAccess server serving PVs of the protocol-neutral model (`mod/pv`'s `Pv`, the same objects
 * the CA server serves) and their record fields (`NAME.SEVR` …), and any other
 * {@linkcode PvaSource}.
 */
export class PvaServer {
  #config: PvaServerConfig;
  #sources = new Map<string, PvaSource>();
  /** Stops the server's own watch of a source (to forget it when it is retired elsewhere). */
  #forget = new Map<PvaSource, () => void>();
  /** The PV behind each source served by `addPv`, for its record fields. */
  #pvs = new Map<string, Pv>();
  /** Forgets a source that reports its removal; one function for all, not a closure each. */
  #dropSource = (source: PvaSource) => this.#drop(source);
  /** PVs this server created from options: `removePv` retires them. */
  #owned = new WeakSet<Pv>();
  /** Field sources handed out, by channel name (`NAME.SEVR`), so every client shares one. */
  #fields = new Map<string, PvaSource>();
  #listeners: Deno.TcpListener[] = [];
  #udp: dgram.Socket[] = [];
  #beaconSocket: dgram.Socket | undefined;
  #beaconTimer: ReturnType<typeof setTimeout> | undefined;
  #watchdog: ReturnType<typeof setInterval> | undefined;
  #connections = new Set<Connection>();
  #toFlush = new Set<Connection>();
  #flushQueued = false;
  #tasks = new Set<Promise<void>>();
  #tcpPort = 0;
  #refused = 0;
  readonly #trimmer = new HeapTrimmer();
  #closed = false;
  #guid = crypto.getRandomValues(new Uint8Array(GUID_SIZE));
  #directory: PvaDirectory = {
    find: (name) => this.#sources.get(name) ?? this.#field(name),
    names: () => this.#sources.keys(),
  };

  private constructor(config: PvaServerConfig) {
    this.#config = config;
  }

  /**
   * Start serving: bind the UDP search port and the TCP listener, start beacons.
   *
   * @param options Ports, interfaces, beacons, limits; each overrides its EPICS variable.
   * @returns The running server.
   * @example Usage
   * ```ts ignore
   * const server = await PvaServer.start({ tcpPort: 5075, udpPort: 5076 });
   * const pv = server.addPv({ name: "X:TEMP", type: "double", value: 21.5 });
   * pv.post(22);
   * await server.close();
   * ```
   */
  static async start(options: PvaServerOptions = {}): Promise<PvaServer> {
    const config = resolvePvaConfig(options, options.env ?? Deno.env.toObject());
    const server = new PvaServer(config);
    try {
      await server.#open();
    } catch (error) {
      await server.close();
      throw error;
    }
    return server;
  }

  /** The TCP port clients connect to (the preferred one unless it was taken). */
  get tcpPort(): number {
    return this.#tcpPort;
  }

  /** The UDP search port. */
  get udpPort(): number {
    return this.#config.udpPort;
  }

  /** This run's GUID (in search replies and beacons). */
  get guid(): Uint8Array {
    return this.#guid.slice();
  }

  /** Client connections open now. */
  get connectionCount(): number {
    return this.#connections.size;
  }

  /**
   * Serve a PV: a new one from a definition (the same options as the CA server's `addPv`), or a
   * `Pv` other servers may serve too. Its record fields (`NAME.SEVR`, `NAME.DESC` …) are served
   * as read-only channels.
   *
   * @param options The PV definition, or the shared PV.
   * @returns The PV, to post values to.
   * @throws {TypeError} When the name is already served or the type has no normative type.
   */
  addPv(options: PvOptions | Pv): Pv {
    const pv = options instanceof Pv ? options : new Pv(options);
    this.addSource(sharedPvSource(pv));
    this.#pvs.set(pv.name, pv);
    if (pv !== options) this.#owned.add(pv);
    return pv;
  }

  /** The record field channel `NAME.FIELD` of a served PV (`NAME.VAL` and `NAME.` are the PV). */
  #field(name: string): PvaSource | undefined {
    const cached = this.#fields.get(name);
    if (cached) return cached;
    const dot = name.lastIndexOf(".");
    if (dot <= 0) return undefined;
    const parent = name.slice(0, dot);
    const pv = this.#pvs.get(parent);
    if (!pv) return undefined;
    const field = name.slice(dot + 1);
    if (field === "" || field === "VAL") return this.#sources.get(parent);
    const source = fieldSource(pv, field);
    if (source) this.#fields.set(name, source);
    return source;
  }

  /**
   * Serve a PV from another model through the {@linkcode PvaSource} interface. It stays served
   * until {@linkcode removePv} or until the source reports its removal.
   *
   * @param source The PV.
   * @throws {TypeError} When the name is already served.
   */
  addSource(source: PvaSource): void {
    if (this.#sources.has(source.name)) {
      throw new TypeError(`Cannot add PV "${source.name}": name already served`);
    }
    this.#sources.set(source.name, source);
    this.#forget.set(source, source.subscribe(new Retirement(this.#dropSource, source)));
  }

  /**
   * Nothing to do over pvAccess: `canWrite` is asked at every PUT (QSRV2 pushes no access rights
   * either). Present so PvaServer serves where a CA server does.
   */
  refreshAccess(): void {}

  /**
   * Look up a PV served by `addPv`, by its exact name.
   *
   * @param name PV name.
   * @returns The PV, or `undefined` (also for sources added by `addSource`).
   */
  getPv(name: string): Pv | undefined {
    return this.#pvs.get(name);
  }

  /**
   * Stop serving a PV; connected clients get DESTROY_CHANNEL for its channels and search again.
   *
   * @param name PV name.
   * @returns Whether the PV existed.
   */
  removePv(name: string): boolean {
    const source = this.#sources.get(name);
    if (!source) return false;
    const pv = this.#pvs.get(name);
    this.#drop(source);
    // Our own PVs are retired; a shared PV may still be served by other servers.
    if (pv && this.#owned.has(pv)) pv.remove();
    return true;
  }

  #drop(source: PvaSource): void {
    if (this.#sources.get(source.name) !== source) return;
    this.#sources.delete(source.name);
    this.#pvs.delete(source.name);
    this.#forget.get(source)?.();
    this.#forget.delete(source);
    const gone = [source];
    for (const [name, field] of this.#fields) {
      if (name.lastIndexOf(".") === source.name.length && name.startsWith(source.name)) {
        this.#fields.delete(name);
        gone.push(field);
      }
    }
    for (const c of this.#connections) {
      for (const s of gone) c.circuit.sourceRemoved(s);
      this.#scheduleFlush(c);
    }
  }

  /** Close all sockets and client connections. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#beaconTimer);
    clearInterval(this.#watchdog);
    for (const l of this.#listeners) {
      try {
        l.close();
      } catch {
        // already closed
      }
    }
    for (const c of this.#connections) this.#closeConnection(c);
    const sockets = [...this.#udp, this.#beaconSocket].filter((s) => s !== undefined);
    await Promise.all(sockets.map(closeUdp));
    await Promise.allSettled([...this.#tasks]);
  }

  #track(task: Promise<void>): void {
    this.#tasks.add(task);
    task.finally(() => this.#tasks.delete(task));
  }

  async #open(): Promise<void> {
    const cfg = this.#config;
    let port = cfg.tcpPort;
    for (const [i, hostname] of cfg.interfaces.entries()) {
      let listener: Deno.TcpListener;
      try {
        listener = Deno.listen({ hostname, port, transport: "tcp" });
      } catch (error) {
        if (!(error instanceof Deno.errors.AddrInUse) || i > 0) throw error;
        // As pvxs does: another server has the TCP port; take a free one and advertise it.
        listener = Deno.listen({ hostname, port: 0, transport: "tcp" });
        const real = (listener.addr as Deno.NetAddr).port;
        log.warn(`TCP port ${port} on ${hostname} is in use: serving PVA on TCP port ${real}`);
      }
      port = (listener.addr as Deno.NetAddr).port;
      this.#listeners.push(listener);
      this.#track(this.#acceptLoop(listener));
    }
    this.#tcpPort = port;

    const tcpInterfaces = cfg.interfaces.filter((a) => !isMulticast(a));
    for (const { socket, replyVia } of await openSearchSockets(cfg.udpPort, tcpInterfaces)) {
      this.#udp.push(socket);
      socket.on("message", (msg, rinfo) => this.#onDatagram(replyVia, msg, rinfo));
      socket.on("error", (error) => log.warn(`PVA UDP socket error: ${error.message}`));
    }

    const targets = [...cfg.beaconAddrs];
    if (cfg.autoBeacons) targets.push(...broadcastTargets(cfg.udpPort));
    if (targets.length > 0) {
      // Beacons leave from their own ephemeral port, as pvxs sends them.
      const socket = dgram.createSocket({ type: "udp4" });
      this.#beaconSocket = socket;
      await bindUdp(socket, 0, "0.0.0.0");
      socket.setBroadcast(true);
      socket.on("error", (error) => log.warn(`PVA beacon socket error: ${error.message}`));
      this.#beacon(socket, targets, 0);
    }
    this.#watchdog = setInterval(() => this.#watch(), WATCHDOG_MS);
  }

  #beacon(socket: dgram.Socket, targets: { host: string; port: number }[], seq: number): void {
    if (this.#closed) return;
    const bytes = encodeDatagram({
      kind: "Beacon",
      guid: this.#guid,
      flags: 0,
      sequence: seq & 0xff,
      changeCount: 0,
      serverAddress: UNSPECIFIED_V4.slice(),
      serverPort: this.#tcpPort,
      protocol: "tcp",
      status: { type: null, value: null },
    });
    for (const t of targets) {
      socket.send(bytes, t.port, t.host, (error) => {
        if (error) log.debug(`Cannot send PVA beacon to "${t.host}:${t.port}": ${error.message}`);
      });
    }
    const delay = seq < BEACON_FAST_COUNT ? BEACON_FAST_MS : BEACON_SLOW_MS;
    this.#beaconTimer = setTimeout(() => this.#beacon(socket, targets, seq + 1), delay);
  }

  #onDatagram(socket: dgram.Socket, msg: Uint8Array, rinfo: dgram.RemoteInfo): void {
    if (this.#closed) return;
    let actions;
    try {
      actions = planSearchDatagram(msg, rinfo.address, { isLocalAddress });
    } catch (error) {
      log.debug(`Cannot read datagram from ${rinfo.address}:${rinfo.port}: ${String(error)}`);
      return;
    }
    const send = (bytes: Uint8Array, port: number, host: string) =>
      socket.send(bytes, port, host, (error) => {
        if (error) log.debug(`Cannot send to ${host}:${port}: ${error.message}`);
      });
    for (const a of actions) {
      if (a.action === "forward") {
        send(a.datagram, this.#config.udpPort, LOCAL_MULTICAST_GROUP);
      } else if (a.action === "answer") {
        const reply = searchReply(a.search, {
          guid: this.#guid,
          port: this.#tcpPort,
          has: (name) => this.#directory.find(name) !== undefined,
        });
        if (reply) send(encodeDatagram(reply), a.replyPort, a.replyIp);
      }
    }
  }

  async #acceptLoop(listener: Deno.TcpListener): Promise<void> {
    while (!this.#closed) {
      let conn: Deno.TcpConn;
      try {
        conn = await listener.accept();
      } catch (error) {
        if (this.#closed || error instanceof Deno.errors.BadResource) break;
        log.error(`Cannot accept PVA connections: ${String(error)}`);
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      if (this.#closed) {
        conn.close();
        break;
      }
      if (this.#connections.size >= this.#config.maxConnections) {
        if (this.#refused++ === 0) {
          log.warn(`Refusing PVA connections: limit of ${this.#config.maxConnections} reached`);
        }
        conn.close();
        continue;
      }
      this.#refused = 0;
      this.#track(this.#serve(conn));
    }
  }

  async #serve(conn: Deno.TcpConn): Promise<void> {
    try {
      conn.setNoDelay(true);
    } catch {
      // The peer may already be gone; reading will tell.
    }
    const addr = conn.remoteAddr as Deno.NetAddr;
    const peer = `${addr.hostname}:${addr.port}`;
    const circuit: PvaCircuit = new PvaCircuit({
      directory: this.#directory,
      peerAddress: addr.hostname,
      peerPort: addr.port,
      identity: { guid: this.#guid, port: this.#tcpPort },
      onWake: () => this.#scheduleFlush(c),
    });
    const c: Connection = {
      conn,
      circuit,
      peer,
      writing: false,
      writeStartedAt: 0,
      lastReadAt: Date.now(),
      closed: false,
    };
    this.#connections.add(c);
    this.#scheduleFlush(c);
    const reads = new AdaptiveReadBuffer();
    try {
      while (!c.closed) {
        const buffer = reads.buffer;
        const n = await conn.read(buffer);
        if (n === null) break;
        c.lastReadAt = Date.now();
        circuit.recv(reads.filled(n));
        // The circuit copied the bytes. A buffer the reads outgrew (or shrank from) is freed now:
        // a burst of requests resizes it many times, and each old one, promoted while a read was
        // pending, would stay until a full collection.
        if (reads.buffer !== buffer) detach(buffer);
        this.#scheduleFlush(c);
      }
    } catch (error) {
      if (error instanceof RemoteProtocolError) {
        log.warn(`PVA client ${peer}: ${error.message}`);
      } else if (!c.closed && !(error instanceof Deno.errors.BadResource)) {
        log.debug(`PVA connection ${peer} failed: ${String(error)}`);
      }
    }
    // No read is pending any more: free the buffer now, not at the next full collection.
    detach(reads.buffer);
    await this.#flush(c);
    this.#closeConnection(c);
  }

  #scheduleFlush(c: Connection): void {
    if (c.closed) return;
    this.#toFlush.add(c);
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    // One write per connection per turn, once the current task (a burst of posts) is done.
    queueMicrotask(() => {
      this.#flushQueued = false;
      const batch = [...this.#toFlush];
      this.#toFlush.clear();
      for (const conn of batch) this.#track(this.#flush(conn));
    });
  }

  async #flush(c: Connection): Promise<void> {
    if (c.writing || c.closed) return;
    c.writing = true;
    try {
      let bytes: Uint8Array | undefined;
      while (!c.closed && (bytes = c.circuit.takeOutput())) {
        c.writeStartedAt = Date.now();
        let off = 0;
        while (off < bytes.length) off += await c.conn.write(bytes.subarray(off));
      }
    } catch (error) {
      if (!c.closed) log.debug(`Cannot write to PVA client ${c.peer}: ${String(error)}`);
      this.#closeConnection(c);
    } finally {
      c.writing = false;
    }
  }

  /** Drop clients whose writes are stuck or that went silent; let quiet ones give buffers back. */
  #watch(): void {
    const now = Date.now();
    this.#trimmer.tick();
    for (const c of this.#connections) {
      if (c.writing && now - c.writeStartedAt > SEND_TIMEOUT_MS) {
        log.warn(`PVA client ${c.peer}: dropped, nothing sent for ${SEND_TIMEOUT_MS / 1000} s`);
        this.#closeConnection(c);
      } else if (now - c.lastReadAt > IDLE_TIMEOUT_MS) {
        log.info(`PVA client ${c.peer}: dropped, silent for ${IDLE_TIMEOUT_MS / 1000} s`);
        this.#closeConnection(c);
      } else if (!c.writing && now - c.lastReadAt > WATCHDOG_MS) c.circuit.releaseBuffers();
    }
  }

  #closeConnection(c: Connection): void {
    if (c.closed) return;
    c.closed = true;
    this.#trimmer.closed(1 + c.circuit.channelCount);
    c.circuit.close();
    this.#connections.delete(c);
    this.#toFlush.delete(c);
    try {
      c.conn.close();
    } catch {
      // already closed
    }
  }
}
