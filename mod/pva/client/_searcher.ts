/**
 * UDP name resolution of the PVA client: searches with exponential back-off for every channel
 * still searching, and the responses that say which server has a name.
 *
 * @module
 */

import dgram from "node:dgram";
import { getLogger } from "../../log.ts";
import type { SearchTarget } from "./_config.ts";
import { foundServers, searchDatagrams } from "./search.ts";

const log = getLogger("pva-client");

const FIRST_SEARCH_DELAY_MS = 30;

/** A channel being searched for; the searcher advances its back-off in place. */
export interface SearchSlot {
  /** Our channel id, used as the searchInstanceID. */
  readonly cid: number;
  /** PV name. */
  readonly name: string;
  /** Searches sent since the back-off last restarted. */
  attempt: number;
  /** When the next search is due (ms since 1970; 0: at once). */
  dueAt: number;
}

/** Options of {@linkcode Searcher}. */
export interface SearcherOptions {
  /** Where to send searches. */
  targets: readonly SearchTarget[];
  /** Longest gap between two searches for one name, ms. */
  maxSearchPeriodMs: number;
  /** The channels still searching. */
  searching: () => Iterable<SearchSlot>;
  /** Called for every found id, with the server's `host:port`. */
  onFound: (cid: number, server: string) => void;
}

/**
 * Sends searches on one UDP socket, opened with the first search.
 *
 * @example Usage
 * ```ts ignore
 * const slot = { cid: 1, name: "DEMO:AI", attempt: 0, dueAt: 0 };
 * const searcher = new Searcher({
 *   targets: [{ host: "127.0.0.1", port: 5076, unicast: true }],
 *   maxSearchPeriodMs: 5000,
 *   searching: () => [slot],
 *   onFound: (cid, server) => console.log(cid, server),
 * });
 * searcher.schedule();
 * searcher.stop();
 * await searcher.close();
 * ```
 */
export class Searcher {
  #options: SearcherOptions;
  #seq = 0;
  #udp: dgram.Socket | undefined;
  #port: Promise<number> | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;

  /** @param options Destinations, back-off limit and the owner's channels and callback. */
  constructor(options: SearcherOptions) {
    this.#options = options;
  }

  /** Arm the timer for the earliest due search; call after a channel starts searching. */
  schedule(): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    let due = Infinity;
    for (const s of this.#options.searching()) due = Math.min(due, s.dueAt);
    if (due === Infinity) return;
    this.#timer = setTimeout(() => this.#search(), Math.max(0, due - Date.now()));
  }

  /** Send no more searches and ignore responses from now on. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  /** Close the socket, if a search opened it. */
  async close(): Promise<void> {
    const udp = this.#udp;
    if (!udp) return;
    await this.#port?.catch(() => undefined);
    await new Promise<void>((resolve) => udp.close(() => resolve()));
  }

  async #search(): Promise<void> {
    this.#timer = undefined;
    const now = Date.now();
    const due = [...this.#options.searching()].filter((s) => s.dueAt <= now);
    for (const s of due) {
      s.dueAt = now +
        Math.min(this.#options.maxSearchPeriodMs, FIRST_SEARCH_DELAY_MS * 2 ** s.attempt);
      s.attempt = Math.min(s.attempt + 1, 30);
    }
    const names = due.map((s) => ({ id: s.cid, name: s.name }));
    let replyPort: number;
    try {
      replyPort = await this.#socket();
    } catch (error) {
      log.warn(`Cannot open the PVA search socket: ${(error as Error).message}`);
      return;
    }
    if (this.#stopped || !this.#udp) return;
    const sequence = this.#seq = (this.#seq + 1) >>> 0;
    for (const target of this.#options.targets) {
      for (const d of searchDatagrams(names, { sequence, replyPort, unicast: target.unicast })) {
        this.#udp.send(d, target.port, target.host, (error) => {
          if (error) {
            log.debug(`Cannot search at "${target.host}:${target.port}": ${error.message}`);
          }
        });
      }
    }
    this.schedule();
  }

  #socket(): Promise<number> {
    if (this.#port) return this.#port;
    const udp = dgram.createSocket("udp4");
    udp.on("message", (msg: Uint8Array, rinfo: dgram.RemoteInfo) => {
      if (this.#stopped) return;
      for (const found of foundServers(new Uint8Array(msg), rinfo.address)) {
        for (const id of found.ids) this.#options.onFound(id, `${found.host}:${found.port}`);
      }
    });
    udp.on("error", (error: Error) => log.warn(`PVA search socket error: ${error.message}`));
    this.#udp = udp;
    this.#port = new Promise((resolve, reject) => {
      udp.once("error", reject);
      udp.bind(0, () => {
        // Always SO_BROADCAST: an address list may name a broadcast address (127.255.255.255)
        // so that every server sharing the port hears the search.
        udp.setBroadcast(true);
        resolve(udp.address().port);
      });
    });
    return this.#port;
  }
}
