/**
 * UDP plumbing of the server: search sockets, binding and closing, beacon destinations.
 *
 * @module
 */

import dgram from "node:dgram";
import os from "node:os";
import type { BeaconTarget } from "./_config.ts";

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
