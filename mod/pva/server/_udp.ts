/**
 * UDP plumbing of the PVA server: the shared search socket joined to the host's local multicast
 * group (pva-protocol.md §3.1, §3.5), binding, closing, interface broadcast addresses.
 *
 * @module
 */

import dgram from "node:dgram";
import os from "node:os";
import { LOCAL_MULTICAST_GROUP } from "../protocol/mod.ts";
import type { UdpTarget } from "./_config.ts";

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
 * The search socket: 0.0.0.0:port with SO_REUSEADDR (the host's PVA servers share the port),
 * member of 224.0.0.128 on loopback, sending multicast through loopback with TTL 1, so unicast
 * searches handed on by any server of the host reach every one of them.
 *
 * @param port The UDP search port.
 * @returns The bound socket.
 */
export async function openSearchSocket(port: number): Promise<dgram.Socket> {
  // A small receive buffer: searches are < 1500 bytes, and each datagram gets a fresh buffer.
  const socket = dgram.createSocket({ type: "udp4", reuseAddr: true, recvBufferSize: 8192 });
  await bindUdp(socket, port, "0.0.0.0");
  socket.addMembership(LOCAL_MULTICAST_GROUP, "127.0.0.1");
  socket.setMulticastInterface("127.0.0.1");
  socket.setMulticastLoopback(true);
  socket.setMulticastTTL(1);
  return socket;
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

function ipToInt(addr: string): number {
  return addr.split(".").reduce((acc, part) => ((acc << 8) | Number(part)) >>> 0, 0);
}

function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join(".");
}

/**
 * The broadcast addresses of the host's IPv4 interfaces (EPICS_PVAS_AUTO_BEACON_ADDR_LIST).
 *
 * @param port Beacon port.
 * @returns Beacon destinations.
 */
export function broadcastTargets(port: number): UdpTarget[] {
  const out: UdpTarget[] = [];
  for (const infos of Object.values(os.networkInterfaces())) {
    for (const info of infos ?? []) {
      if (info.family !== "IPv4" || info.internal) continue;
      out.push({ host: intToIp((ipToInt(info.address) | ~ipToInt(info.netmask)) >>> 0), port });
    }
  }
  return out;
}

/**
 * Whether an address is one of this host's (an ORIGIN_TAG naming it is ours).
 *
 * @param ip IPv4 address.
 * @returns True for a local interface address.
 */
export function isLocalAddress(ip: string): boolean {
  for (const infos of Object.values(os.networkInterfaces())) {
    for (const info of infos ?? []) if (info.address === ip) return true;
  }
  return false;
}
