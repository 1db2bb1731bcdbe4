/**
 * The CA client's channels: one entry per PV name in use, the circuit it lives on, and its
 * lifecycle from search through connection to loss and search again.
 *
 * @module
 */

import { getLogger } from "../../log.ts";
import type { ClientConfig, Target } from "./_client_config.ts";
import { Link } from "./_client_link.ts";
import { Searcher } from "./_client_searcher.ts";
import type { ChannelValue, ClientEvent } from "./client_circuit.ts";
import { DBR_ENUM } from "../protocol/dbr_codes.ts";
import { ecaName } from "../protocol/status.ts";

const log = getLogger("ca-client");

/** A circuit of the client, recording its channels. */
export type ClientLink = Link<ChannelEntry>;

/** Something waiting for a channel to connect: a get or a put. */
export interface Waiter {
  /** Runs on every (re)connection of the channel; returns true when the waiter is done. */
  onConnected(link: ClientLink, cid: number): boolean;
}

/** One monitor of a channel. */
export interface MonitorEntry {
  /** Receives each value. */
  callback: (value: ChannelValue) => void;
  /** Told about connection and disconnection. */
  onConnection: ((connected: boolean) => void) | undefined;
  /** DBE_* event mask. */
  mask: number;
  /** Subscribe to enums as DBR_TIME_STRING (their state strings). */
  enumAsString: boolean;
  /** The subscription id on the current circuit, if subscribed. */
  subid: number | undefined;
}

/** One PV name in use, with everyone using it. */
export interface ChannelEntry {
  /** PV name. */
  name: string;
  /** Client channel id, also the search id. */
  cid: number;
  /** Where the channel is in its lifecycle. */
  state: "searching" | "connecting" | "connected";
  /** The circuit, once a server answered the search. */
  link: ClientLink | undefined;
  /** Searches sent since the back-off last restarted. */
  attempt: number;
  /** When the next search is due (ms since 1970). */
  dueAt: number;
  /** Monitors of the channel. */
  monitors: Set<MonitorEntry>;
  /** Gets and puts waiting for a connection. */
  waiters: Set<Waiter>;
  /** Reads in flight by request id. */
  reads: Map<number, (event: ClientEvent) => void>;
  /** Puts with completion in flight by request id. */
  writes: Map<number, (event: ClientEvent) => void>;
  /** Told about every ERROR the server sends for this channel (a refused WRITE). */
  errors: Set<(event: Extract<ClientEvent, { kind: "ServerError" }>) => void>;
}

function safely<T>(what: string, f: (arg: T) => void, arg: T): void {
  try {
    f(arg);
  } catch (error) {
    log.error(`${what} callback failed: ${error}`);
  }
}

/**
 * Every channel of a client and the circuits they use. A channel exists while someone uses it;
 * a circuit is closed when its last channel goes.
 *
 * @example Usage
 * ```ts ignore
 * const channels = new ClientChannels(clientConfig({ addrList: "127.0.0.1" }));
 * const entry = channels.acquire("DEMO:TEMP");
 * channels.release(entry);
 * await channels.close();
 * ```
 */
export class ClientChannels {
  #config: ClientConfig;
  #byName = new Map<string, ChannelEntry>();
  #byCid = new Map<number, ChannelEntry>();
  #links = new Map<string, ClientLink>();
  #nextCid = 1;
  #searcher: Searcher;

  /**
   * Create an empty table.
   *
   * @param config Search destinations and circuit timers.
   */
  constructor(config: ClientConfig) {
    this.#config = config;
    this.#searcher = new Searcher({
      targets: config.targets,
      serverPort: config.serverPort,
      maxSearchPeriodMs: config.maxSearchPeriodMs,
      searching: () => [...this.#byName.values()].filter((e) => e.state === "searching"),
      onFound: (cid, server) => this.#onFound(cid, server),
    });
  }

  /**
   * The entry of a name, created (and searched for) on first use. Pair it with
   * {@linkcode ClientChannels.release} once its monitor or waiter is gone.
   *
   * @param name PV name.
   * @returns The entry.
   */
  acquire(name: string): ChannelEntry {
    let entry = this.#byName.get(name);
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
      writes: new Map(),
      errors: new Set(),
    };
    this.#byName.set(name, entry);
    this.#byCid.set(entry.cid, entry);
    this.#searcher.schedule();
    return entry;
  }

  /**
   * Drop an entry nobody monitors or waits for any more, clearing its channel on the server.
   *
   * @param entry An entry from {@linkcode ClientChannels.acquire}.
   */
  release(entry: ChannelEntry): void {
    if (entry.monitors.size > 0 || entry.waiters.size > 0) return;
    this.#byName.delete(entry.name);
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

  /**
   * Subscribe a monitor on a connected channel and tell it that it is connected.
   *
   * @param entry The channel.
   * @param link Its circuit.
   * @param m The monitor.
   */
  subscribe(entry: ChannelEntry, link: ClientLink, m: MonitorEntry): void {
    const asString = m.enumAsString && link.circuit.channel(entry.cid)?.nativeType === DBR_ENUM;
    m.subid = link.circuit.subscribe(entry.cid, m.mask, { asString });
    link.flush();
    if (m.onConnection) safely(entry.name, m.onConnection, true);
  }

  /**
   * Stop searching, close every circuit and drop every monitor.
   *
   * @returns Once the circuits and the search socket are closed.
   */
  async close(): Promise<void> {
    this.#searcher.stop();
    const links = [...this.#links.values()];
    for (const link of links) link.close();
    this.#links.clear();
    for (const entry of this.#byName.values()) entry.monitors.clear();
    await Promise.all(links.map((l) => l.done));
    await this.#searcher.close();
  }

  #onFound(cid: number, server: Target): void {
    const entry = this.#byCid.get(cid);
    if (entry?.state !== "searching") return;
    const link = this.#link(server);
    entry.state = "connecting";
    entry.link = link;
    link.channels.set(entry.cid, entry);
    link.circuit.createChannel(entry.cid, entry.name);
    link.flush();
  }

  #link(target: Target): ClientLink {
    const key = `${target.host}:${target.port}`;
    let link = this.#links.get(key);
    if (!link) {
      link = new Link(target, {
        idleMs: this.#config.echoIdleMs,
        echoTimeoutMs: this.#config.echoTimeoutMs,
        onEvents: (l, events) => this.#onEvents(l, events),
        onClose: (l, reason) => this.#onLinkClosed(l, reason),
      });
      this.#links.set(key, link);
    }
    return link;
  }

  #onEvents(link: ClientLink, events: ClientEvent[]): void {
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
        case "WriteDone":
        case "WriteFailed":
          entry.writes.get(event.ioid)?.(event);
          entry.writes.delete(event.ioid);
          break;
        case "ServerError":
          if (entry.errors.size === 0) {
            log.warn(`Server error for "${entry.name}": ${ecaName(event.eca)} ${event.text}`);
          }
          for (const listener of [...entry.errors]) listener(event);
          break;
        case "AccessRightsChanged":
          break;
      }
    }
  }

  #connected(entry: ChannelEntry, link: ClientLink): void {
    entry.state = "connected";
    entry.attempt = 0;
    for (const w of [...entry.waiters]) {
      if (w.onConnected(link, entry.cid)) entry.waiters.delete(w);
    }
    for (const m of entry.monitors) this.subscribe(entry, link, m);
  }

  /** Back to searching; `fast` restarts the back-off (the channel was up). */
  #disconnected(entry: ChannelEntry, fast: boolean): void {
    const wasConnected = entry.state === "connected";
    entry.link?.channels.delete(entry.cid);
    entry.link = undefined;
    entry.state = "searching";
    entry.reads.clear();
    entry.writes.clear();
    if (fast || wasConnected) {
      entry.attempt = 0;
      entry.dueAt = 0;
    }
    for (const m of entry.monitors) {
      m.subid = undefined;
      if (wasConnected && m.onConnection) safely(entry.name, m.onConnection, false);
    }
    this.#searcher.schedule();
  }

  #onLinkClosed(link: ClientLink, reason: string): void {
    if (this.#links.get(link.key) === link) this.#links.delete(link.key);
    if (link.channels.size > 0) log.info(`Lost CA circuit to "${link.key}": ${reason}`);
    for (const entry of [...link.channels.values()]) this.#disconnected(entry, false);
  }
}
