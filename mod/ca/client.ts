/**
 * A small Channel Access client: UDP search with back-off, one TCP circuit per server, gets,
 * puts and monitors that survive server restarts. The protocol lives in
 * {@linkcode ClientCircuit}; this file only moves bytes and runs timers.
 *
 * @module
 */

import dgram from "node:dgram";
import os from "node:os";
import { getLogger } from "../log.ts";
import { type ChannelValue, ClientCircuit, type ClientEvent } from "./client_circuit.ts";
import { decodeSearchReplies, encodeSearchDatagrams } from "./protocol/client_messages.ts";
import { DBE_ALARM, DBE_VALUE } from "./protocol/commands.ts";
import { ecaName } from "./protocol/status.ts";

export type { ChannelValue } from "./client_circuit.ts";

const log = getLogger("ca-client");

/** Options of {@linkcode CaClient}; each overrides its environment variable. */
export interface CaClientOptions {
  /** Search destinations, space-separated `host[:port]` (EPICS_CA_ADDR_LIST). */
  addrList?: string | undefined;
  /** Also search the broadcast address of every interface (EPICS_CA_AUTO_ADDR_LIST != "NO"). */
  autoAddrList?: boolean;
  /** Server port for entries without one (EPICS_CA_SERVER_PORT). @default 5064 */
  serverPort?: number;
  /** Idle time before probing a circuit with ECHO, ms (EPICS_CA_CONN_TMO in s). @default 30000 */
  echoIdleMs?: number;
  /** Time an ECHO may go unanswered before the circuit is dropped, ms. @default 5000 */
  echoTimeoutMs?: number;
  /** Longest gap between two searches for a missing name, ms. @default 5000 */
  maxSearchPeriodMs?: number;
  /** Environment to read instead of the process environment. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** Options of {@linkcode CaClient.monitor}. */
export interface MonitorOptions {
  /** Called with true when the channel connects and false when it disconnects. */
  onConnection?: (connected: boolean) => void;
  /** DBE_* event mask. @default DBE_VALUE | DBE_ALARM */
  mask?: number;
}

/** A running monitor. */
export interface Monitor {
  /** Stop the monitor; no callback runs afterwards. */
  cancel(): void;
}

interface Target {
  host: string;
  port: number;
}

interface Waiter {
  /** Runs on every (re)connection of the channel; returns true when the waiter is done. */
  onConnected(link: Link, cid: number): boolean;
}

interface MonitorEntry {
  callback: (value: ChannelValue) => void;
  onConnection: ((connected: boolean) => void) | undefined;
  mask: number;
  subid: number | undefined;
}

interface ChannelEntry {
  name: string;
  cid: number;
  state: "searching" | "connecting" | "connected";
  link: Link | undefined;
  attempt: number;
  dueAt: number;
  monitors: Set<MonitorEntry>;
  waiters: Set<Waiter>;
  reads: Map<number, (event: ClientEvent) => void>;
}

const FIRST_SEARCH_DELAY_MS = 30;
const READ_BUFFER = 64 * 1024;

function envFlag(value: string | undefined): boolean {
  return (value ?? "YES").trim().toUpperCase() !== "NO";
}

function envNumber(value: string | undefined): number | undefined {
  const n = Number(value);
  return value !== undefined && value.trim() !== "" && Number.isFinite(n) && n > 0 ? n : undefined;
}

function parseAddrList(list: string, defaultPort: number): Target[] {
  const out: Target[] = [];
  for (const entry of list.split(/\s+/).filter((s) => s !== "")) {
    const [host, port] = entry.split(":");
    const n = port === undefined ? defaultPort : Number(port);
    if (!host || !Number.isInteger(n) || n <= 0 || n > 65535) {
      log.warn(`Cannot use CA address "${entry}": expected host[:port]`);
    } else out.push({ host, port: n });
  }
  return out;
}

function broadcastAddresses(port: number): Target[] {
  const out: Target[] = [];
  for (const list of Object.values(os.networkInterfaces())) {
    for (const i of list ?? []) {
      if (i.family !== "IPv4" || i.internal) continue;
      const ip = i.address.split(".").reduce((a, b) => a * 256 + Number(b), 0);
      const mask = i.netmask.split(".").reduce((a, b) => a * 256 + Number(b), 0);
      const b = (ip | ~mask) >>> 0;
      out.push({ host: [b >>> 24, (b >>> 16) & 255, (b >>> 8) & 255, b & 255].join("."), port });
    }
  }
  return out;
}

function ipv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

function userName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return "";
  }
}

function safely<T>(what: string, f: (arg: T) => void, arg: T): void {
  try {
    f(arg);
  } catch (error) {
    log.error(`${what} callback failed: ${error}`);
  }
}

/** One TCP circuit: socket I/O, write queue and the ECHO watchdog around a {@linkcode ClientCircuit}. */
class Link {
  readonly key: string;
  readonly circuit: ClientCircuit;
  readonly channels = new Map<number, ChannelEntry>();
  readonly done: Promise<void>;
  #conn: Deno.TcpConn | undefined;
  #closed = false;
  #retiring = false;
  #writing = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #lastRx = Date.now();
  #echoSentAt: number | undefined;
  #idleMs: number;
  #echoTimeoutMs: number;
  #onEvents: (events: ClientEvent[]) => void;
  #onClose: (reason: string) => void;

  constructor(
    target: Target,
    options: {
      idleMs: number;
      echoTimeoutMs: number;
      onEvents: (link: Link, events: ClientEvent[]) => void;
      onClose: (link: Link, reason: string) => void;
    },
  ) {
    this.key = `${target.host}:${target.port}`;
    this.circuit = new ClientCircuit({ user: userName(), host: os.hostname() });
    this.#idleMs = options.idleMs;
    this.#echoTimeoutMs = options.echoTimeoutMs;
    this.#onEvents = (events) => options.onEvents(this, events);
    this.#onClose = (reason) => options.onClose(this, reason);
    this.#arm(this.#idleMs + this.#echoTimeoutMs);
    this.done = this.#run(target);
  }

  /** Write whatever the circuit has queued, once the socket is open. */
  flush(): void {
    if (this.#writing || this.#closed || !this.#conn) return;
    this.#writing = true;
    this.#drain(this.#conn);
  }

  /** Close once everything queued has been written (the owner no longer needs the circuit). */
  retire(): void {
    this.#retiring = true;
    if (!this.#conn) this.close();
    else this.flush();
  }

  /** Close the socket; `reason` goes to the owner (undefined: the owner closed it). */
  close(reason?: string): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    try {
      this.#conn?.close();
    } catch {
      // Already closed by the peer.
    }
    if (reason !== undefined) this.#onClose(reason);
  }

  async #run(target: Target): Promise<void> {
    let conn: Deno.TcpConn;
    try {
      conn = await Deno.connect({ hostname: target.host, port: target.port });
    } catch (error) {
      this.close(`cannot connect: ${error instanceof Error ? error.message : error}`);
      return;
    }
    if (this.#closed) {
      conn.close();
      return;
    }
    this.#conn = conn;
    conn.setNoDelay(true);
    conn.setKeepAlive(true);
    this.flush();
    const buffer = new Uint8Array(READ_BUFFER);
    try {
      while (!this.#closed) {
        const n = await conn.read(buffer);
        if (n === null) break;
        this.#lastRx = Date.now();
        this.#onEvents(this.circuit.recv(buffer.subarray(0, n)));
        this.flush();
      }
      this.close("server closed the connection");
    } catch (error) {
      this.close(error instanceof Error ? error.message : String(error));
    }
  }

  async #drain(conn: Deno.TcpConn): Promise<void> {
    try {
      for (let bytes = this.circuit.takeOutput(); bytes; bytes = this.circuit.takeOutput()) {
        for (let at = 0; at < bytes.length && !this.#closed;) {
          at += await conn.write(bytes.subarray(at));
        }
      }
    } catch (error) {
      this.close(`cannot write: ${error instanceof Error ? error.message : error}`);
    } finally {
      // No await since the last empty takeOutput(), so no output can be stranded here.
      this.#writing = false;
      if (this.#retiring) this.close();
    }
  }

  /** ECHO watchdog: probe after `idleMs` of silence, give up `echoTimeoutMs` after a probe. */
  #arm(delayMs: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#check(), delayMs);
  }

  #check(): void {
    const now = Date.now();
    if (this.#echoSentAt !== undefined && this.#lastRx < this.#echoSentAt) {
      this.close(`no reply to ECHO within ${this.#echoTimeoutMs} ms`);
      return;
    }
    this.#echoSentAt = undefined;
    const silentMs = now - this.#lastRx;
    if (silentMs < this.#idleMs) {
      this.#arm(this.#idleMs - silentMs);
      return;
    }
    if (!this.#conn) {
      this.close("connection not established in time");
      return;
    }
    this.#echoSentAt = now;
    this.circuit.echo();
    this.flush();
    this.#arm(this.#echoTimeoutMs);
  }
}

/**
 * A Channel Access client.
 *
 * @example Usage
 * ```ts ignore
 * const client = new CaClient({ addrList: "127.0.0.1", autoAddrList: false });
 * const { value } = await client.get("DEMO:TEMP", { timeoutMs: 2000 });
 * const monitor = client.monitor("DEMO:TEMP", (v) => console.log(v.value));
 * monitor.cancel();
 * await client.close();
 * ```
 */
export class CaClient {
  #targets: Target[];
  #serverPort: number;
  #idleMs: number;
  #echoTimeoutMs: number;
  #maxSearchMs: number;
  #channels = new Map<string, ChannelEntry>();
  #byCid = new Map<number, ChannelEntry>();
  #links = new Map<string, Link>();
  #nextCid = 1;
  #seq = 0;
  #udp: dgram.Socket | undefined;
  #broadcast: boolean;
  #searchTimer: ReturnType<typeof setTimeout> | undefined;
  #closers = new Set<() => void>();
  #closed = false;

  /** @param options Search addresses, ports and timers; defaults come from the environment. */
  constructor(options: CaClientOptions = {}) {
    const env = options.env ?? Deno.env.toObject();
    this.#serverPort = options.serverPort ?? envNumber(env.EPICS_CA_SERVER_PORT) ?? 5064;
    this.#targets = parseAddrList(
      options.addrList ?? env.EPICS_CA_ADDR_LIST ?? "",
      this.#serverPort,
    );
    this.#broadcast = options.autoAddrList ?? envFlag(env.EPICS_CA_AUTO_ADDR_LIST);
    if (this.#broadcast) this.#targets.push(...broadcastAddresses(this.#serverPort));
    if (this.#targets.length === 0) log.warn("No CA search addresses: no PV will be found");
    const connTmo = envNumber(env.EPICS_CA_CONN_TMO);
    this.#idleMs = options.echoIdleMs ?? (connTmo === undefined ? 30_000 : connTmo * 1000);
    this.#echoTimeoutMs = options.echoTimeoutMs ?? 5000;
    this.#maxSearchMs = options.maxSearchPeriodMs ?? 5000;
  }

  /**
   * Read a PV once (DBR_TIME of its native type; enums as indices).
   *
   * @param name PV name.
   * @param options `timeoutMs` for finding, connecting and reading. @default 5000
   * @returns The value, alarm and time stamp.
   */
  get(name: string, options: { timeoutMs?: number } = {}): Promise<ChannelValue> {
    return this.#whenConnected(
      name,
      options.timeoutMs ?? 5000,
      "get",
      (entry, link, cid, settle) => {
        const ioid = link.circuit.read(cid);
        entry.reads.set(ioid, (event) => {
          if (event.kind === "ReadDone") settle(() => event.value);
          else if (event.kind === "ReadFailed") {
            settle(() => {
              throw new Error(`Cannot get "${name}": ${ecaName(event.eca)}`);
            });
          }
        });
        link.flush();
        return false;
      },
    );
  }

  /**
   * Write a PV without waiting for completion (CA WRITE). Strings are sent as DBR_STRING and
   * numbers as DBR_DOUBLE; the server converts them.
   *
   * @param name PV name.
   * @param value A scalar or an array.
   * @param options `timeoutMs` for finding and connecting. @default 5000
   * @returns Once the write is queued on the circuit.
   */
  put(
    name: string,
    value: number | string | readonly number[] | readonly string[],
    options: { timeoutMs?: number } = {},
  ): Promise<void> {
    const values = (Array.isArray(value) ? value : [value]) as
      | readonly number[]
      | readonly string[];
    return this.#whenConnected(name, options.timeoutMs ?? 5000, "put", (_e, link, cid, settle) => {
      link.circuit.write(cid, values);
      link.flush();
      settle(() => undefined);
      return true;
    });
  }

  /**
   * Subscribe to a PV (DBR_TIME of its native type, all elements). The callback gets the value at
   * once and then every change; after a disconnection the monitor resubscribes by itself.
   *
   * @param name PV name.
   * @param callback Receives each value.
   * @param options Connection callback and event mask.
   * @returns A handle to cancel the monitor.
   */
  monitor(
    name: string,
    callback: (value: ChannelValue) => void,
    options: MonitorOptions = {},
  ): Monitor {
    if (this.#closed) throw new Error(`Cannot monitor "${name}": client is closed`);
    const entry = this.#acquire(name);
    const m: MonitorEntry = {
      callback,
      onConnection: options.onConnection,
      mask: options.mask ?? DBE_VALUE | DBE_ALARM,
      subid: undefined,
    };
    entry.monitors.add(m);
    if (entry.state === "connected" && entry.link) {
      const link = entry.link;
      queueMicrotask(() => {
        if (entry.monitors.has(m) && entry.link === link && m.subid === undefined) {
          this.#subscribe(entry, link, m);
        }
      });
    }
    return {
      cancel: () => {
        if (!entry.monitors.delete(m)) return;
        if (m.subid !== undefined && entry.link) {
          entry.link.circuit.unsubscribe(m.subid);
          entry.link.flush();
        }
        this.#release(entry);
      },
    };
  }

  /** Close every circuit and the search socket; pending gets and puts are rejected. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#searchTimer);
    const links = [...this.#links.values()];
    for (const link of links) link.close();
    this.#links.clear();
    for (const entry of this.#channels.values()) entry.monitors.clear();
    for (const reject of [...this.#closers]) reject();
    await Promise.all(links.map((l) => l.done));
    const udp = this.#udp;
    if (udp) await new Promise<void>((resolve) => udp.close(() => resolve()));
  }

  #whenConnected<T>(
    name: string,
    timeoutMs: number,
    what: string,
    onConnected: (
      entry: ChannelEntry,
      link: Link,
      cid: number,
      settle: (result: () => T) => void,
    ) => boolean,
  ): Promise<T> {
    if (this.#closed) {
      return Promise.reject(new Error(`Cannot ${what} "${name}": client is closed`));
    }
    const { promise, resolve, reject } = Promise.withResolvers<T>();
    const entry = this.#acquire(name);
    let timer: ReturnType<typeof setTimeout> | undefined = undefined;
    const settle = (result: () => T) => {
      if (!entry.waiters.delete(waiter)) return;
      clearTimeout(timer);
      this.#closers.delete(closed);
      this.#release(entry);
      try {
        resolve(result());
      } catch (error) {
        reject(error);
      }
    };
    const closed = () =>
      settle(() => {
        throw new Error(`Cannot ${what} "${name}": client is closed`);
      });
    const waiter: Waiter = { onConnected: (link, cid) => onConnected(entry, link, cid, settle) };
    entry.waiters.add(waiter);
    this.#closers.add(closed);
    timer = setTimeout(() => {
      const why = entry.state === "searching"
        ? "no server answered the search"
        : entry.state === "connecting"
        ? "the server did not create the channel"
        : "no reply";
      settle(() => {
        throw new Error(`Cannot ${what} "${name}": ${why} within ${timeoutMs} ms`);
      });
    }, timeoutMs);
    if (entry.state === "connected" && entry.link) {
      if (onConnected(entry, entry.link, entry.cid, settle)) entry.waiters.delete(waiter);
    }
    return promise;
  }

  #acquire(name: string): ChannelEntry {
    let entry = this.#channels.get(name);
    if (entry) return entry;
    entry = {
      name,
      cid: this.#nextCid++,
      state: "searching",
      link: undefined,
      attempt: 0,
      dueAt: 0,
      monitors: new Set(),
      waiters: new Set(),
      reads: new Map(),
    };
    this.#channels.set(name, entry);
    this.#byCid.set(entry.cid, entry);
    this.#scheduleSearch();
    return entry;
  }

  #release(entry: ChannelEntry): void {
    if (entry.monitors.size > 0 || entry.waiters.size > 0) return;
    this.#channels.delete(entry.name);
    this.#byCid.delete(entry.cid);
    const link = entry.link;
    if (!link) return;
    link.channels.delete(entry.cid);
    if (link.channels.size === 0) {
      // Nobody else uses the circuit: closing it frees the server side too.
      if (this.#links.get(link.key) === link) this.#links.delete(link.key);
      link.retire();
    } else {
      link.circuit.clearChannel(entry.cid);
      link.flush();
    }
  }

  #scheduleSearch(): void {
    if (this.#closed) return;
    clearTimeout(this.#searchTimer);
    this.#searchTimer = undefined;
    let due = Infinity;
    for (const e of this.#channels.values()) {
      if (e.state === "searching") due = Math.min(due, e.dueAt);
    }
    if (due === Infinity) return;
    this.#searchTimer = setTimeout(() => this.#search(), Math.max(0, due - Date.now()));
  }

  #search(): void {
    const now = Date.now();
    const due = [...this.#channels.values()].filter((e) =>
      e.state === "searching" && e.dueAt <= now
    );
    for (const e of due) {
      e.dueAt = now + Math.min(this.#maxSearchMs, FIRST_SEARCH_DELAY_MS * 2 ** e.attempt);
      e.attempt = Math.min(e.attempt + 1, 30);
    }
    const datagrams = encodeSearchDatagrams(
      due.map((e) => ({ searchId: e.cid, name: e.name })),
      { seq: this.#seq = (this.#seq + 1) >>> 0 },
    );
    const udp = this.#socket();
    for (const target of this.#targets) {
      for (const d of datagrams) {
        udp.send(d, target.port, target.host, (error) => {
          if (error) {
            log.debug(`Cannot search at "${target.host}:${target.port}": ${error.message}`);
          }
        });
      }
    }
    this.#scheduleSearch();
  }

  #socket(): dgram.Socket {
    if (this.#udp) return this.#udp;
    const udp = dgram.createSocket("udp4");
    udp.on("message", (msg: Uint8Array, rinfo: dgram.RemoteInfo) => this.#onDatagram(msg, rinfo));
    udp.on("error", (error: Error) => log.warn(`CA search socket error: ${error.message}`));
    udp.bind(0, () => {
      if (this.#broadcast) udp.setBroadcast(true);
    });
    this.#udp = udp;
    return udp;
  }

  #onDatagram(msg: Uint8Array, rinfo: dgram.RemoteInfo): void {
    if (this.#closed) return;
    for (const reply of decodeSearchReplies(new Uint8Array(msg))) {
      const entry = this.#byCid.get(reply.searchId);
      if (entry?.state !== "searching") continue;
      const host = reply.address === 0xffffffff ? rinfo.address : ipv4(reply.address);
      // Servers older than minor 5 do not state their TCP port.
      const port = reply.minor >= 5 ? reply.port : this.#serverPort;
      const link = this.#link({ host, port });
      entry.state = "connecting";
      entry.link = link;
      link.channels.set(entry.cid, entry);
      link.circuit.createChannel(entry.cid, entry.name);
      link.flush();
    }
    this.#scheduleSearch();
  }

  #link(target: Target): Link {
    const key = `${target.host}:${target.port}`;
    let link = this.#links.get(key);
    if (!link) {
      link = new Link(target, {
        idleMs: this.#idleMs,
        echoTimeoutMs: this.#echoTimeoutMs,
        onEvents: (l, events) => this.#onEvents(l, events),
        onClose: (l, reason) => this.#onLinkClosed(l, reason),
      });
      this.#links.set(key, link);
    }
    return link;
  }

  #onEvents(link: Link, events: ClientEvent[]): void {
    for (const event of events) {
      const entry = "cid" in event ? link.channels.get(event.cid) : undefined;
      if (!entry) {
        if (event.kind === "ServerError") {
          log.warn(`Server "${link.key}" reported ${ecaName(event.eca)}: ${event.text}`);
        }
        continue;
      }
      switch (event.kind) {
        case "ChannelConnected":
          this.#connected(entry, link);
          break;
        case "ChannelCreateFailed":
          log.warn(`Server "${link.key}" refused channel "${entry.name}"`);
          this.#disconnected(entry, false);
          break;
        case "ChannelDisconnected":
          this.#disconnected(entry, true);
          break;
        case "MonitorUpdate":
          for (const m of entry.monitors) {
            if (m.subid === event.subid) safely(entry.name, m.callback, event.value);
          }
          break;
        case "MonitorFailed":
          log.warn(`Cannot monitor "${entry.name}": ${ecaName(event.eca)}`);
          break;
        case "ReadDone":
        case "ReadFailed":
          entry.reads.get(event.ioid)?.(event);
          entry.reads.delete(event.ioid);
          break;
        case "ServerError":
          log.warn(`Server error for "${entry.name}": ${ecaName(event.eca)} ${event.text}`);
          break;
        case "AccessRightsChanged":
          break;
      }
    }
  }

  #connected(entry: ChannelEntry, link: Link): void {
    entry.state = "connected";
    entry.attempt = 0;
    for (const w of [...entry.waiters]) {
      if (w.onConnected(link, entry.cid)) entry.waiters.delete(w);
    }
    for (const m of entry.monitors) this.#subscribe(entry, link, m);
  }

  #subscribe(entry: ChannelEntry, link: Link, m: MonitorEntry): void {
    m.subid = link.circuit.subscribe(entry.cid, m.mask);
    link.flush();
    if (m.onConnection) safely(entry.name, m.onConnection, true);
  }

  /** Back to searching; `fast` restarts the back-off (the channel was up). */
  #disconnected(entry: ChannelEntry, fast: boolean): void {
    const wasConnected = entry.state === "connected";
    entry.link?.channels.delete(entry.cid);
    entry.link = undefined;
    entry.state = "searching";
    entry.reads.clear();
    if (fast || wasConnected) {
      entry.attempt = 0;
      entry.dueAt = 0;
    }
    for (const m of entry.monitors) {
      m.subid = undefined;
      if (wasConnected && m.onConnection) safely(entry.name, m.onConnection, false);
    }
    this.#scheduleSearch();
  }

  #onLinkClosed(link: Link, reason: string): void {
    if (this.#links.get(link.key) === link) this.#links.delete(link.key);
    if (link.channels.size > 0) log.info(`Lost CA circuit to "${link.key}": ${reason}`);
    for (const entry of [...link.channels.values()]) this.#disconnected(entry, false);
  }
}
