/**
 * The channels of the PVA client: one entry per PV name shared by its users, the search slot
 * while it is missing, one {@linkcode Link} per server, and the move back to searching when a
 * server goes away (reconnect after a restart).
 *
 * @module
 */

import { getLogger } from "../../log.ts";
import type { PvaClientConfig } from "./_config.ts";
import { Link } from "./_link.ts";
import { Searcher, type SearchSlot } from "./_searcher.ts";
import type { ConnectionEvent } from "./connection.ts";

const log = getLogger("pva-client");

/** Someone using a channel: told when it connects (again) and when it is lost. */
export interface ChannelUser {
  /** The channel is usable on `link` as server channel `sid`. */
  connected(link: Link, sid: number): void;
  /** The channel is gone (server closed, restarted or destroyed it); it is searched again. */
  disconnected(): void;
}

/** Where a channel stands. */
export type ChannelState = "searching" | "connecting" | "connected";

/** One PV name in use. */
export interface ChannelEntry {
  /** PV name. */
  readonly name: string;
  /** Our channel id (also the searchInstanceID). */
  readonly cid: number;
  /** Current state. */
  state: ChannelState;
  /** The link while connecting or connected. */
  link: Link | undefined;
  /** Server channel id while connected. */
  sid: number;
  /** Its users. */
  readonly users: Set<ChannelUser>;
  /** How many acquire() calls are not yet released. */
  refs: number;
  /** Search back-off. */
  readonly slot: SearchSlot;
}

/** Handler of the events of one operation, by ioid on its link. */
export type OpHandler = (event: ConnectionEvent) => void;

/**
 * Channels, links and the searcher of one client.
 *
 * @example Usage
 * ```ts ignore
 * const channels = new ClientChannels(pvaClientConfig({}));
 * const entry = channels.acquire("DEMO:AI");
 * entry.users.add({ connected: (link, sid) => {}, disconnected: () => {} });
 * channels.release(entry);
 * await channels.close();
 * ```
 */
export class ClientChannels {
  #config: PvaClientConfig;
  #byName = new Map<string, ChannelEntry>();
  #byCid = new Map<number, ChannelEntry>();
  #links = new Map<string, Link>();
  #ops = new Map<Link, Map<number, OpHandler>>();
  #nextCid = 0x12345678;
  #searcher: Searcher;

  /** @param config Search targets and timers. */
  constructor(config: PvaClientConfig) {
    this.#config = config;
    this.#searcher = new Searcher({
      targets: config.targets,
      maxSearchPeriodMs: config.maxSearchPeriodMs,
      searching: () => this.#searching(),
      onFound: (cid, server) => this.#onFound(cid, server),
    });
  }

  /**
   * The entry of a PV name, created (and searched for) on first use.
   *
   * @param name PV name.
   * @returns The entry; release it when done.
   */
  acquire(name: string): ChannelEntry {
    let entry = this.#byName.get(name);
    if (!entry) {
      const cid = this.#nextCid = (this.#nextCid + 1) >>> 0;
      entry = {
        name,
        cid,
        state: "searching",
        link: undefined,
        sid: 0,
        users: new Set(),
        refs: 0,
        slot: { cid, name, attempt: 0, dueAt: 0 },
      };
      this.#byName.set(name, entry);
      this.#byCid.set(cid, entry);
      this.#searcher.schedule();
    }
    entry.refs++;
    return entry;
  }

  /**
   * Drop one use of an entry; the last one destroys the channel and closes an unused link.
   *
   * @param entry An acquired entry.
   */
  release(entry: ChannelEntry): void {
    if (--entry.refs > 0) return;
    this.#byName.delete(entry.name);
    this.#byCid.delete(entry.cid);
    const link = entry.link;
    if (!link) return;
    if (entry.state === "connected") link.connection.destroyChannel(entry.sid, entry.cid);
    link.flush();
    if (![...this.#byCid.values()].some((e) => e.link === link)) this.#dropLink(link);
  }

  /**
   * Route the events of an operation to a handler.
   *
   * @param link The link the operation runs on.
   * @param ioid Its id.
   * @param handler Receives its events; removed with {@linkcode ClientChannels.forget}.
   */
  track(link: Link, ioid: number, handler: OpHandler): void {
    this.#ops.get(link)?.set(ioid, handler);
  }

  /**
   * Stop routing an operation's events.
   *
   * @param link Its link.
   * @param ioid Its id.
   */
  forget(link: Link, ioid: number): void {
    this.#ops.get(link)?.delete(ioid);
  }

  /** Stop searching and close every link. */
  async close(): Promise<void> {
    this.#searcher.stop();
    const links = [...this.#links.values()];
    for (const link of links) this.#dropLink(link);
    await Promise.all([this.#searcher.close(), ...links.map((l) => l.done)]);
  }

  *#searching(): Iterable<SearchSlot> {
    for (const e of this.#byCid.values()) if (e.state === "searching") yield e.slot;
  }

  #onFound(cid: number, server: string): void {
    const entry = this.#byCid.get(cid);
    // Duplicate responses (several servers, or pvxs answering twice, §9.26) are ignored.
    if (!entry || entry.state !== "searching") return;
    let link = this.#links.get(server);
    if (!link) {
      link = new Link(server, {
        echoPeriodMs: this.#config.echoPeriodMs,
        idleTimeoutMs: this.#config.idleTimeoutMs,
        onEvents: (l, events) => this.#onEvents(l, events),
        onClose: (l, reason) => this.#onClose(l, reason),
      });
      this.#links.set(server, link);
      this.#ops.set(link, new Map());
    }
    entry.state = "connecting";
    entry.link = link;
    link.connection.createChannel(cid, entry.name);
    link.flush();
  }

  #onEvents(link: Link, events: ConnectionEvent[]): void {
    for (const e of events) {
      switch (e.kind) {
        case "Ready":
          break;
        case "ChannelCreated": {
          const entry = this.#byCid.get(e.cid);
          if (!entry || entry.link !== link || entry.state !== "connecting") {
            // Released while being created: tell the server at once.
            link.connection.destroyChannel(e.sid, e.cid);
            break;
          }
          entry.state = "connected";
          entry.sid = e.sid;
          for (const user of [...entry.users]) user.connected(link, e.sid);
          break;
        }
        case "ChannelRefused":
        case "ChannelLost": {
          const entry = this.#byCid.get(e.cid);
          if (!entry || entry.link !== link) break;
          if (e.kind === "ChannelRefused") {
            log.debug(`Server ${link.key} refused channel "${entry.name}": ${e.message}`);
          }
          this.#research(entry, e.kind === "ChannelLost");
          break;
        }
        default:
          this.#ops.get(link)?.get(e.ioid)?.(e);
      }
    }
  }

  #onClose(link: Link, reason: string): void {
    log.debug(`PVA connection to ${link.key} closed: ${reason}`);
    this.#links.delete(link.key);
    this.#ops.delete(link);
    // A server that answers searches but never completes a connection is retried with the
    // search back-off; one that was serving (restarted, say) is searched for at once.
    const restart = link.connection.ready;
    for (const entry of [...this.#byCid.values()]) {
      if (entry.link === link) this.#research(entry, restart);
    }
  }

  /** Back to searching; a channel that was lost is searched at once, a refused one backs off. */
  #research(entry: ChannelEntry, restart: boolean): void {
    const was = entry.state;
    entry.state = "searching";
    entry.link = undefined;
    entry.sid = 0;
    if (restart) {
      entry.slot.attempt = 0;
      entry.slot.dueAt = 0;
    }
    if (was === "connected") { for (const user of [...entry.users]) user.disconnected(); }
    this.#searcher.schedule();
  }

  #dropLink(link: Link): void {
    this.#links.delete(link.key);
    this.#ops.delete(link);
    // Closing the connection ends its channels and operations on the server too (§4.3).
    link.close();
  }
}
