/**
 * The CA server's sockets: UDP search on each interface, the TCP listener, beacons, and one
 * {@linkcode Circuit} per TCP client whose output is written once per event-loop turn.
 *
 * @module
 */

import dgram from "node:dgram";
import { AdaptiveReadBuffer } from "../../net/read_buffer.ts";
import { getLogger } from "../../log.ts";
import { BeaconSchedule } from "./_beacon.ts";
import { autoBeaconTargets, createSearchSocket, SearchReplies } from "./_udp.ts";
import { bindUdp, closeUdp, interfaceBroadcast, isMulticast } from "../../net/udp.ts";
import {
  type BeaconTarget,
  type CaServerOptions,
  resolveConfig,
  type ServerConfig,
} from "./_config.ts";
import { type ChannelDirectory, type ChannelSource, Circuit } from "./circuit.ts";
import { resolveChannel } from "./_channel_names.ts";
import { NameIndex } from "./_channel_source.ts";
import { fitConnections, openFileLimit } from "./_fd_limit.ts";
import { HeapTrimmer } from "../../net/heap_trim.ts";
import { encodeBeacon } from "../protocol/commands.ts";
import { RemoteProtocolError } from "../protocol/errors.ts";
import { findSearched, type SearchOptions } from "../protocol/search.ts";
import { Pv, type PvOptions } from "../../pv/pv.ts";
import { CaPv } from "./_ca_pv.ts";

export type { CaServerOptions } from "./_config.ts";

const log = getLogger("ca");
/** Pause after a failed accept (e.g. out of file descriptors) before trying again. */
const ACCEPT_RETRY_MS = 200;
/** A client whose socket accepts nothing for this long is dropped. */
const SEND_TIMEOUT_MS = 30_000;
const WATCHDOG_MS = 5_000;
interface Connection {
  readonly conn: Deno.TcpConn;
  readonly circuit: Circuit;
  readonly peer: string;
  writing: boolean;
  writeStartedAt: number;
  /** Read or wrote since the last watchdog tick (quiet connections give their buffers back). */
  active: boolean;
  closed: boolean;
  /** Messages already logged for this client, created with the first one. */
  logged: Set<string> | undefined;
}

/** A Channel Access server hosting {@linkcode Pv}s. */
export class CaServer {
  #config: ServerConfig;
  #pvs = new Map<string, CaPv>();
  #names = new NameIndex<CaPv>();
  /** Forgets a PV removed by `pv.remove()`; one function for all PVs, not a closure each. */
  #forgetRemoved = (served: CaPv) => this.#forget(served);
  #listeners: Deno.TcpListener[] = [];
  #udp: dgram.Socket[] = [];
  #beaconSocket: dgram.Socket | undefined;
  #beaconTimer: ReturnType<typeof setTimeout> | undefined;
  #watchdog: ReturnType<typeof setInterval> | undefined;
  readonly #trimmer = new HeapTrimmer();
  #flushQueued = false;
  #toFlush = new Set<Connection>();
  #connections = new Set<Connection>();
  #tasks = new Set<Promise<void>>();
  #tcpPort = 0;
  /** Connections refused since the limit was last reached. */
  #refused = 0;
  #nextSid = 0;
  /** Server-wide SIDs, as RSRV allocates them; one function shared by every circuit. */
  #allocateSid = (): number => {
    const sid = this.#nextSid;
    this.#nextSid = (sid + 1) >>> 0;
    return sid;
  };
  #closed = false;
  /** Largest element count of any PV; recomputed on the next connection after a removal. */
  #largestCount = 0;
  #largestStale = false;
  #directory: ChannelDirectory = {
    find: (name) => this.#find(name),
    findBytes: (bytes, at, max) => this.#names.find(bytes, at, max),
  };
  #searchReplies = new SearchReplies(
    () => this.#tcpPort,
    (address, error) => log.debug(`Cannot answer search of ${address}: ${error.message}`),
  );
  #searchOptions: SearchOptions = {
    tcpPort: 0,
    has: (name) => this.#find(name) !== undefined,
    hasBytes: (bytes, at, max) => this.#names.find(bytes, at, max) !== undefined,
  };

  private constructor(config: ServerConfig) {
    this.#config = config;
  }

  /**
   * Start serving: bind UDP search sockets, the TCP listener and start beacons.
   *
   * @param options Ports, interfaces, beacons, limits; each overrides its EPICS variable.
   * @returns The running server.
   * @example Usage
   * ```ts ignore
   * const server = await CaServer.start({ port: 5064 });
   * const pv = server.addPv({ name: "X:TEMP", type: "double", value: 21.5 });
   * ```
   */
  static async start(options: CaServerOptions = {}): Promise<CaServer> {
    const env = options.env ?? Deno.env.toObject();
    const config = resolveConfig(options, env);
    const fdLimit = openFileLimit();
    const fitted = fitConnections(config.maxConnections, fdLimit);
    if (fitted < config.maxConnections) {
      log.warn(
        `Serving at most ${fitted} CA connections, not ${config.maxConnections}: ` +
          `the open-file limit is ${fdLimit} (raise it with ulimit -n or LimitNOFILE)`,
      );
      config.maxConnections = fitted;
    }
    const server = new CaServer(config);
    try {
      await server.#open();
    } catch (error) {
      await server.close();
      throw error;
    }
    return server;
  }

  /** The TCP port clients connect to (the UDP port unless it was taken). */
  get tcpPort(): number {
    return this.#tcpPort;
  }

  /** The UDP search port. */
  get udpPort(): number {
    return this.#config.port;
  }

  /** Most client connections served at once (after fitting the open-file limit). */
  get maxConnections(): number {
    return this.#config.maxConnections;
  }

  /** Client connections open now. */
  get connectionCount(): number {
    return this.#connections.size;
  }

  /**
   * Serve a new PV, or one shared with other servers (see mod/pv/mod.ts).
   *
   * @param options The PV definition, or a PV created elsewhere.
   * @returns The PV, to post values to.
   * @throws {TypeError} When the name is already served.
   */
  addPv(options: PvOptions | Pv): Pv {
    if (this.#pvs.has(options.name)) {
      throw new TypeError(`Cannot add PV "${options.name}": name already served`);
    }
    const pv = options instanceof Pv ? options : new Pv(options);
    if (pv.removed) throw new TypeError(`Cannot add PV "${pv.name}": it was removed`);
    // A PV this server created is removed with `removePv`; a shared one only detached.
    const served = new CaPv(pv, this.#forgetRemoved, !(options instanceof Pv));
    this.#pvs.set(pv.name, served);
    this.#names.add(served);
    if (pv.count > this.#largestCount) this.#largestCount = pv.count;
    return pv;
  }

  /**
   * Look up a served PV by its exact name.
   *
   * @param name PV name.
   * @returns The PV, or `undefined`.
   */
  getPv(name: string): Pv | undefined {
    return this.#pvs.get(name)?.pv;
  }

  /**
   * Stop serving a PV; connected clients get SERVER_DISCONN for its channels. A PV this server
   * created is removed (`pv.remove()`); one shared with other servers stays served there.
   *
   * @param name PV name.
   * @returns Whether the PV existed.
   */
  removePv(name: string): boolean {
    const served = this.#pvs.get(name);
    if (!served) return false;
    this.#forget(served);
    if (served.owned) served.pv.remove();
    else served.detach();
    return true;
  }

  #forget(served: CaPv): void {
    if (this.#pvs.get(served.name) !== served) return;
    this.#pvs.delete(served.name);
    this.#names.delete(served);
    if (served.count === this.#largestCount) this.#largestStale = true;
  }

  /** Re-evaluate access rights (`access`/`canWrite`) for every open channel. */
  refreshAccess(): void {
    for (const c of this.#connections) c.circuit.refreshAccess();
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
    this.#searchReplies.close();
    // Shared PVs outlive this server: stop observing them so they do not keep it alive.
    for (const served of this.#pvs.values()) if (!served.owned) served.detach();
    await Promise.all(
      [...this.#udp, ...(this.#beaconSocket ? [this.#beaconSocket] : [])].map(closeUdp),
    );
    await Promise.allSettled([...this.#tasks]);
  }

  /** A PV, or a field of one (`NAME.SEVR`), by the name a client used. */
  #find(name: string): ChannelSource | undefined {
    return resolveChannel(name, (n) => this.#pvs.get(n));
  }

  #track(task: Promise<void>): void {
    this.#tasks.add(task);
    task.finally(() => this.#tasks.delete(task));
  }

  async #open(): Promise<void> {
    const cfg = this.#config;
    const tcpHosts = cfg.interfaces.filter((a) => !isMulticast(a));
    let port = cfg.port;
    for (const [i, hostname] of (tcpHosts.length > 0 ? tcpHosts : ["0.0.0.0"]).entries()) {
      let listener: Deno.TcpListener;
      try {
        listener = Deno.listen({ hostname, port, transport: "tcp" });
      } catch (error) {
        if (!(error instanceof Deno.errors.AddrInUse) || i > 0) throw error;
        // As RSRV does: another server has the TCP port; take any free one and advertise it in
        // search replies and beacons, while the UDP search port stays shared.
        listener = Deno.listen({ hostname, port: 0, transport: "tcp" });
        const real = (listener.addr as Deno.NetAddr).port;
        log.warn(`TCP port ${port} on ${hostname} is in use: serving CA on TCP port ${real}`);
      }
      port = (listener.addr as Deno.NetAddr).port;
      this.#listeners.push(listener);
      this.#track(this.#acceptLoop(listener));
    }
    this.#tcpPort = port;
    this.#searchOptions.tcpPort = port;

    const groups = cfg.interfaces.filter(isMulticast);
    const udpHosts = tcpHosts.length > 0 ? tcpHosts : ["0.0.0.0"];
    for (const address of udpHosts) {
      const socket = createSearchSocket();
      this.#udp.push(socket);
      await bindUdp(socket, cfg.port, address);
      for (const g of groups) socket.addMembership(g);
      socket.on("message", (msg, rinfo) => this.#onDatagram(socket, msg, rinfo));
      socket.on("error", (error) => log.warn(`UDP socket error: ${error.message}`));
      const bcast = address === "0.0.0.0" ? undefined : interfaceBroadcast(address);
      if (bcast !== undefined) {
        // Hears broadcast searches only; answers go out through the interface's own socket.
        const listener = createSearchSocket();
        this.#udp.push(listener);
        await bindUdp(listener, cfg.port, bcast);
        listener.on("message", (msg, rinfo) => this.#onDatagram(socket, msg, rinfo));
        listener.on("error", (error) => log.warn(`UDP socket error: ${error.message}`));
      }
    }

    const targets = [...cfg.beaconAddrs];
    if (cfg.autoBeacons) targets.push(...autoBeaconTargets(cfg.interfaces, cfg.beaconPort));
    if (targets.length > 0) {
      const socket = dgram.createSocket({ type: "udp4" });
      this.#beaconSocket = socket;
      await bindUdp(socket, 0, "0.0.0.0");
      socket.setBroadcast(true);
      socket.on("error", (error) => log.warn(`Beacon socket error: ${error.message}`));
      this.#startBeacons(socket, targets);
    }
    const watchdog = setInterval(() => this.#watch(), WATCHDOG_MS);
    this.#watchdog = watchdog;
  }

  #startBeacons(socket: dgram.Socket, targets: BeaconTarget[]): void {
    const schedule = new BeaconSchedule(this.#config.beaconPeriod);
    const tick = () => {
      if (this.#closed) return;
      const { seq, delayMs } = schedule.next();
      const bytes = encodeBeacon({ port: this.#tcpPort, seq, address: 0 });
      for (const t of targets) {
        socket.send(bytes, t.port, t.host, (error) => {
          if (error) log.debug(`Cannot send beacon to "${t.host}:${t.port}": ${error.message}`);
        });
      }
      this.#beaconTimer = setTimeout(tick, delayMs);
    };
    tick();
  }

  #onDatagram(socket: dgram.Socket, msg: Uint8Array, rinfo: dgram.RemoteInfo): void {
    if (this.#closed) return;
    try {
      const match = findSearched(msg, this.#searchOptions);
      if (match) this.#searchReplies.add(socket, rinfo, match);
    } catch (error) {
      log.warn(`Cannot answer datagram from ${rinfo.address}:${rinfo.port}: ${String(error)}`);
    }
  }

  async #acceptLoop(listener: Deno.TcpListener): Promise<void> {
    let failing = false;
    while (!this.#closed) {
      let conn: Deno.TcpConn;
      try {
        conn = await listener.accept();
      } catch (error) {
        if (this.#closed || error instanceof Deno.errors.BadResource) break;
        // Out of file descriptors (EMFILE) or a connection reset before accept: keep serving.
        if (!failing) log.error(`Cannot accept CA connections: ${String(error)}`);
        failing = true;
        await new Promise((r) => setTimeout(r, ACCEPT_RETRY_MS));
        continue;
      }
      failing = false;
      if (this.#closed) {
        conn.close();
        break;
      }
      if (this.#connections.size >= this.#config.maxConnections) {
        this.#refuse(conn);
        continue;
      }
      if (this.#refused > 0) {
        log.info(`Accepting CA connections again (${this.#refused} refused at the limit)`);
        this.#refused = 0;
      }
      this.#track(this.#serve(conn));
    }
  }

  /** Close a connection over the limit at once; log the first of each burst. */
  #refuse(conn: Deno.TcpConn): void {
    if (this.#refused === 0) {
      const addr = conn.remoteAddr as Deno.NetAddr;
      log.warn(
        `Refusing CA connections: limit of ${this.#config.maxConnections} reached ` +
          `(first refused: ${addr.hostname}:${addr.port})`,
      );
    }
    this.#refused++;
    try {
      conn.close();
    } catch {
      // already gone
    }
  }

  async #serve(conn: Deno.TcpConn): Promise<void> {
    try {
      conn.setNoDelay(true);
      conn.setKeepAlive(true);
    } catch {
      // The peer may already be gone; reading will tell.
    }
    const addr = conn.remoteAddr as Deno.NetAddr;
    const peer = `${addr.hostname}:${addr.port}`;
    const circuit: Circuit = new Circuit({
      directory: this.#directory,
      peerHost: addr.hostname,
      tcpPort: this.#tcpPort,
      maxArrayBytes: Math.max(this.#config.maxArrayBytes, this.#largestWrite()),
      onWake: () => this.#scheduleFlush(c),
      allocateSid: this.#allocateSid,
    });
    const c: Connection = {
      conn,
      circuit,
      peer,
      writing: false,
      writeStartedAt: 0,
      active: true,
      closed: false,
      logged: undefined,
    };
    this.#connections.add(c);
    this.#scheduleFlush(c);
    const reads = new AdaptiveReadBuffer();
    try {
      while (!c.closed) {
        const n = await conn.read(reads.buffer);
        if (n === null) break;
        c.active = true;
        const notices = circuit.recv(reads.filled(n));
        for (const notice of notices) this.#logOnce(c, notice.message);
        this.#scheduleFlush(c);
      }
    } catch (error) {
      if (error instanceof RemoteProtocolError) {
        this.#logOnce(c, error.message);
      } else if (!c.closed && !(error instanceof Deno.errors.BadResource)) {
        log.debug(`Connection ${peer} failed: ${String(error)}`);
      }
    }
    // Send what is left (e.g. the CLEAR_CHANNEL echo after a half-close, or an ERROR).
    await this.#flush(c);
    this.#closeConnection(c);
  }

  /** Payload bytes of the largest write a client may send (a DBR_CTRL array of strings). */
  #largestWrite(): number {
    if (this.#largestStale) {
      this.#largestStale = false;
      this.#largestCount = 0;
      for (const pv of this.#pvs.values()) {
        if (pv.count > this.#largestCount) this.#largestCount = pv.count;
      }
    }
    return this.#pvs.size === 0 ? 0 : 88 + this.#largestCount * 40;
  }

  #logOnce(c: Connection, message: string): void {
    const logged = c.logged ??= new Set();
    if (logged.has(message) || logged.size > 32) return;
    logged.add(message);
    const user = c.circuit.client.user;
    log.warn(`Client ${c.peer}${user ? ` (${user})` : ""}: ${message}`);
  }

  #scheduleFlush(c: Connection): void {
    if (c.closed) return;
    this.#toFlush.add(c);
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    // A microtask runs once the current task (a timer posting many PVs, one socket read holding
    // many requests) is done: every circuit still gets one write per loop turn, without the
    // extra millisecond a timer would add to each put -> monitor round trip.
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
        c.active = true;
        c.writeStartedAt = Date.now();
        let off = 0;
        while (off < bytes.length) off += await c.conn.write(bytes.subarray(off));
      }
    } catch (error) {
      if (!c.closed) log.debug(`Cannot write to ${c.peer}: ${String(error)}`);
      this.#closeConnection(c);
    } finally {
      c.writing = false;
    }
  }

  /** Drop clients whose writes are stuck; let quiet ones give their buffers back. */
  #watch(): void {
    const now = Date.now();
    this.#trimmer.tick();
    for (const c of this.#connections) {
      if (c.writing && now - c.writeStartedAt > SEND_TIMEOUT_MS) {
        this.#logOnce(c, `Dropping client: nothing sent for ${SEND_TIMEOUT_MS / 1000} s`);
        this.#closeConnection(c);
      } else if (!c.active && !c.writing) c.circuit.releaseBuffers();
      c.active = false;
    }
  }

  #closeConnection(c: Connection): void {
    if (c.closed) return;
    c.closed = true;
    c.circuit.close();
    this.#trimmer.closed();
    this.#connections.delete(c);
    this.#toFlush.delete(c);
    try {
      c.conn.close();
    } catch {
      // already closed
    }
  }
}
