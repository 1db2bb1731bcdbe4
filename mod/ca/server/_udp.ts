/**
 * UDP plumbing of the CA server: search sockets and their replies, beacon destinations (binding
 * and interface addresses are in mod/net/udp.ts).
 *
 * @module
 */

import dgram from "node:dgram";
import { externalBroadcasts } from "../../net/udp.ts";
import type { BeaconTarget } from "./_config.ts";
import { encodeSearchReplies, type SearchMatch } from "../protocol/search.ts";

/**
 * `recvBufferSize` of the search sockets. Deno's node:dgram does not pass it to the kernel
 * (SO_RCVBUF keeps the system default): it allocates a fresh receive buffer for every datagram,
 * 64 KiB unless set (then twice this value), and those buffers pile up as external memory until the
 * next GC (+50 MiB RSS after 1,400 searches). 8 KiB still holds any search datagram: libca sends
 * at most 1,024 bytes, caproto 1,472.
 */
const DATAGRAM_BUFFER = 4096;

/**
 * A socket for the UDP search port, shared with other servers on the host (SO_REUSEADDR).
 *
 * @returns The unbound socket.
 */
export function createSearchSocket(): dgram.Socket {
  return dgram.createSocket({ type: "udp4", reuseAddr: true, recvBufferSize: DATAGRAM_BUFFER });
}

/**
 * The broadcast addresses of the IPv4 interfaces a server listens on (EPICS_CAS_AUTO_BEACON_ADDR_LIST).
 *
 * @param interfaces Bound addresses (`0.0.0.0` = all).
 * @param port Beacon port.
 * @returns Beacon destinations.
 */
export function autoBeaconTargets(interfaces: readonly string[], port: number): BeaconTarget[] {
  return externalBroadcasts(interfaces).map(({ broadcast }) => ({ host: broadcast, port }));
}

/** The matches of one client on one socket, not yet answered. */
interface PendingReplies {
  socket: dgram.Socket;
  port: number;
  address: string;
  matches: SearchMatch[];
}

/**
 * Search replies held until the datagrams that arrived together have all been read, then sent per
 * client in as few datagrams as fit, as RSRV does. libca sends a burst of search datagrams and
 * sends the next burst once every name has been answered: each reply datagram saved is one
 * send less on the thread that also serves the TCP circuits.
 */
export class SearchReplies {
  #pending = new Map<string, PendingReplies>();
  #immediate: ReturnType<typeof setImmediate> | undefined;
  #tcpPort: () => number;
  #onError: (address: string, error: Error) => void;

  /**
   * @param tcpPort The TCP port to advertise, read when the replies are encoded.
   * @param onError Called when a reply cannot be sent.
   */
  constructor(tcpPort: () => number, onError: (address: string, error: Error) => void) {
    this.#tcpPort = tcpPort;
    this.#onError = onError;
  }

  /**
   * Queue the answer to one search datagram.
   *
   * @param socket The socket it arrived on (the reply leaves from it).
   * @param rinfo The client.
   * @param match The names it searched that the server hosts.
   */
  add(socket: dgram.Socket, rinfo: { address: string; port: number }, match: SearchMatch): void {
    const key = `${rinfo.address}:${rinfo.port}`;
    const pending = this.#pending.get(key);
    if (pending && pending.socket === socket) pending.matches.push(match);
    else {
      if (pending) this.#send(pending);
      this.#pending.set(key, {
        socket,
        port: rinfo.port,
        address: rinfo.address,
        matches: [match],
      });
    }
    // setImmediate runs once the event loop has read every datagram that was waiting (a microtask
    // would run after each one).
    this.#immediate ??= setImmediate(() => this.#flush());
  }

  /** Drop what is queued (the sockets are closing). */
  close(): void {
    if (this.#immediate !== undefined) clearImmediate(this.#immediate);
    this.#immediate = undefined;
    this.#pending.clear();
  }

  #flush(): void {
    this.#immediate = undefined;
    const all = [...this.#pending.values()];
    this.#pending.clear();
    for (const pending of all) this.#send(pending);
  }

  #send({ socket, port, address, matches }: PendingReplies): void {
    for (const bytes of encodeSearchReplies(matches, this.#tcpPort())) {
      try {
        socket.send(bytes, port, address, (error) => {
          if (error) this.#onError(address, error);
        });
      } catch (error) {
        // The socket closed meanwhile.
        this.#onError(address, error as Error);
      }
    }
  }
}
