/**
 * UDP plumbing of the server: search sockets and their replies, binding and closing, beacon
 * destinations.
 *
 * @module
 */

import dgram from "node:dgram";
import os from "node:os";
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
 * Whether an IPv4 address is a multicast group.
 *
 * @param addr Dotted quad.
 * @returns True for 224.0.0.0–239.255.255.255.
 */
export function isMulticast(addr: string): boolean {
  const first = Number(addr.split(".")[0]);
  return first >= 224 && first <= 239;
}

function ipToInt(addr: string): number {
  return addr.split(".").reduce((acc, part) => ((acc << 8) | Number(part)) >>> 0, 0);
}

function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join(".");
}

/**
 * The broadcast addresses of the IPv4 interfaces a server listens on (EPICS_CAS_AUTO_BEACON_ADDR_LIST).
 *
 * @param interfaces Bound addresses (`0.0.0.0` = all).
 * @param port Beacon port.
 * @returns Beacon destinations.
 */
export function autoBeaconTargets(interfaces: readonly string[], port: number): BeaconTarget[] {
  const all = interfaces.includes("0.0.0.0");
  const out: BeaconTarget[] = [];
  for (const infos of Object.values(os.networkInterfaces())) {
    for (const info of infos ?? []) {
      if (info.family !== "IPv4" || info.internal) continue;
      if (!all && !interfaces.includes(info.address)) continue;
      const bcast = (ipToInt(info.address) | ~ipToInt(info.netmask)) >>> 0;
      out.push({ host: intToIp(bcast), port });
    }
  }
  return out;
}

/**
 * The broadcast address of the interface that has `address`, loopback included: a socket bound
 * to an interface's own address receives only unicast, so a server bound to one interface also
 * binds its broadcast address to hear broadcast searches, as RSRV does.
 *
 * @param address A bound interface address.
 * @returns The interface's broadcast address, or undefined (unknown address, or a /32).
 */
export function interfaceBroadcast(address: string): string | undefined {
  let interfaces;
  try {
    interfaces = os.networkInterfaces();
  } catch {
    // No permission to list interfaces: loopback's broadcast is known without asking.
    return address.startsWith("127.") ? "127.255.255.255" : undefined;
  }
  for (const infos of Object.values(interfaces)) {
    for (const info of infos ?? []) {
      if (info.family !== "IPv4" || info.address !== address) continue;
      const bcast = intToIp((ipToInt(info.address) | ~ipToInt(info.netmask)) >>> 0);
      return bcast === address ? undefined : bcast;
    }
  }
  return undefined;
}

/**
 * Bind a UDP socket.
 *
 * @param socket The socket.
 * @param port Port.
 * @param address Interface address.
 * @returns Settles once bound.
 */
export function bindUdp(socket: dgram.Socket, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once("error", reject);
    socket.bind({ port, address }, () => {
      socket.off("error", reject);
      resolve();
    });
  });
}

/**
 * Close a UDP socket, ignoring one already closed.
 *
 * @param socket The socket.
 * @returns Settles once closed.
 */
export function closeUdp(socket: dgram.Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve();
    }
  });
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
