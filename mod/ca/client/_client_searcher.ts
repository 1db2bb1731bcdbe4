/**
 * UDP name resolution of the CA client: searches with exponential back-off for every channel
 * still searching, and the replies that say which server has a name.
 *
 * @module
 */

import dgram from "node:dgram";
import { getLogger } from "../../log.ts";
import type { Target } from "./_client_config.ts";
import { decodeSearchReplies, encodeSearchDatagrams } from "../protocol/client_messages.ts";

const log = getLogger("ca-client");

const FIRST_SEARCH_DELAY_MS = 30;

/** A channel being searched for; the searcher advances its back-off in place. */
export interface SearchSlot {
  /** Client channel id, used as the search id. */
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
  targets: readonly Target[];
  /** Server port for replies of servers older than minor 5. */
  serverPort: number;
  /** Longest gap between two searches for one name, ms. */
  maxSearchPeriodMs: number;
  /** The channels still searching, in a stable order. */
  searching: () => Iterable<SearchSlot>;
  /** Called for every search reply, with the server that answered. */
  onFound: (cid: number, server: Target) => void;
}

function ipv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

/**
 * Sends searches on one UDP socket, opened with the first search.
 *
 * @example Usage
 * ```ts ignore
 * const slot = { cid: 1, name: "DEMO:TEMP", attempt: 0, dueAt: 0 };
 * const searcher = new Searcher({
 *   targets: [{ host: "127.0.0.1", port: 5064 }],
 *   serverPort: 5064,
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
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;

  /**
   * Create a searcher; nothing is sent before {@linkcode Searcher.schedule}.
   *
   * @param options Destinations, back-off limit and the owner's channels and callback.
   */
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

  /** Send no more searches and ignore replies from now on. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  /** Close the socket, if a search opened it. */
  async close(): Promise<void> {
    const udp = this.#udp;
    if (udp) await new Promise<void>((resolve) => udp.close(() => resolve()));
  }

  #search(): void {
    const now = Date.now();
    const due = [...this.#options.searching()].filter((s) => s.dueAt <= now);
    for (const s of due) {
      s.dueAt = now +
        Math.min(this.#options.maxSearchPeriodMs, FIRST_SEARCH_DELAY_MS * 2 ** s.attempt);
      s.attempt = Math.min(s.attempt + 1, 30);
    }
    const datagrams = encodeSearchDatagrams(
      due.map((s) => ({ searchId: s.cid, name: s.name })),
      { seq: this.#seq = (this.#seq + 1) >>> 0 },
    );
    const udp = this.#socket();
    for (const target of this.#options.targets) {
      for (const d of datagrams) {
        udp.send(d, target.port, target.host, (error) => {
          if (error) {
            log.debug(`Cannot search at "${target.host}:${target.port}": ${error.message}`);
          }
        });
      }
    }
    this.schedule();
  }

  #socket(): dgram.Socket {
    if (this.#udp) return this.#udp;
    const udp = dgram.createSocket("udp4");
    udp.on("message", (msg: Uint8Array, rinfo: dgram.RemoteInfo) => this.#onDatagram(msg, rinfo));
    udp.on("error", (error: Error) => log.warn(`CA search socket error: ${error.message}`));
    // Always SO_BROADCAST, as libca: on a host where several servers share the search port, an
    // address list naming a broadcast address (127.255.255.255) is how every one of them hears us.
    udp.bind(0, () => udp.setBroadcast(true));
    this.#udp = udp;
    return udp;
  }

  #onDatagram(msg: Uint8Array, rinfo: dgram.RemoteInfo): void {
    if (this.#stopped) return;
    for (const reply of decodeSearchReplies(new Uint8Array(msg))) {
      const host = reply.address === 0xffffffff ? rinfo.address : ipv4(reply.address);
      // Servers older than minor 5 do not state their TCP port.
      const port = reply.minor >= 5 ? reply.port : this.#options.serverPort;
      this.#options.onFound(reply.searchId, { host, port });
    }
    this.schedule();
  }
}
