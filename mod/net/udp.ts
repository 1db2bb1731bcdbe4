/**
 * UDP plumbing both protocol servers share: binding and closing sockets, and the broadcast
 * addresses of the host's IPv4 interfaces (for beacons, and for hearing broadcast searches on a
 * socket bound to one interface).
 *
 * @module
 */

import type dgram from "node:dgram";
import os from "node:os";

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

/**
 * Whether an IPv4 address is a multicast group.
 *
 * @param addr Dotted quad.
 * @returns True for 224.0.0.0–239.255.255.255.
 * @example Usage
 * ```ts
 * import { isMulticast } from "./udp.ts";
 * isMulticast("224.0.0.128"); // true
 * ```
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

/** An interface's address and broadcast address. */
export interface InterfaceBroadcast {
  /** The interface's own address. */
  address: string;
  /** Its broadcast address. */
  broadcast: string;
}

/**
 * The broadcast addresses of the host's external IPv4 interfaces (the automatic beacon list).
 *
 * @param interfaces Only these addresses (`0.0.0.0` or none: all).
 * @returns One entry per interface.
 */
export function externalBroadcasts(interfaces: readonly string[] = []): InterfaceBroadcast[] {
  const all = interfaces.length === 0 || interfaces.includes("0.0.0.0");
  const out: InterfaceBroadcast[] = [];
  for (const infos of Object.values(os.networkInterfaces())) {
    for (const info of infos ?? []) {
      if (info.family !== "IPv4" || info.internal) continue;
      if (!all && !interfaces.includes(info.address)) continue;
      const broadcast = intToIp((ipToInt(info.address) | ~ipToInt(info.netmask)) >>> 0);
      out.push({ address: info.address, broadcast });
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
 * Whether an address is one of this host's.
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
