/**
 * UDP plumbing of the PVA server: the search sockets on the shared port, joined to the host's local
 * multicast group (pva-protocol.md §3.1, §3.5), and the beacon destinations.
 *
 * @module
 */

import dgram from "node:dgram";
import { bindUdp, externalBroadcasts, interfaceBroadcast } from "../../net/udp.ts";
import { LOCAL_MULTICAST_GROUP } from "../protocol/mod.ts";
import type { UdpTarget } from "./_config.ts";

/** A socket that hears searches, and the socket its answers leave from. */
export interface SearchSocket {
  /** Receives searches. */
  socket: dgram.Socket;
  /** Sends answers and hand-ons (the interface's own socket for a broadcast or group socket). */
  replyVia: dgram.Socket;
}

function searchSocket(): dgram.Socket {
  // A small receive buffer: searches are < 1500 bytes, and each datagram gets a fresh buffer.
  return dgram.createSocket({ type: "udp4", reuseAddr: true, recvBufferSize: 8192 });
}

/** Hand-ons go to 224.0.0.128 through loopback only, TTL 1: they never leave the host. */
function sendMulticastOnLoopback(socket: dgram.Socket): void {
  socket.setMulticastInterface("127.0.0.1");
  socket.setMulticastLoopback(true);
  socket.setMulticastTTL(1);
}

/**
 * The search sockets on the shared UDP port (SO_REUSEADDR: the host's PVA servers share it).
 * Serving every interface: one socket on 0.0.0.0, member of 224.0.0.128 on loopback, as pvxs
 * binds it. Serving some interfaces only: one socket per interface address, one on its broadcast
 * address (a socket bound to an address hears no broadcasts), and one on the group address for
 * the searches other servers of the host hand on, so nothing listens beyond those interfaces.
 *
 * @param port The UDP search port.
 * @param interfaces Addresses to serve (`0.0.0.0` or none: all).
 * @returns The bound sockets.
 */
export async function openSearchSockets(
  port: number,
  interfaces: readonly string[],
): Promise<SearchSocket[]> {
  if (interfaces.length === 0 || interfaces.includes("0.0.0.0")) {
    const socket = searchSocket();
    await bindUdp(socket, port, "0.0.0.0");
    socket.addMembership(LOCAL_MULTICAST_GROUP, "127.0.0.1");
    sendMulticastOnLoopback(socket);
    return [{ socket, replyVia: socket }];
  }
  const out: SearchSocket[] = [];
  for (const address of interfaces) {
    const socket = searchSocket();
    await bindUdp(socket, port, address);
    sendMulticastOnLoopback(socket);
    out.push({ socket, replyVia: socket });
    const broadcast = interfaceBroadcast(address);
    if (broadcast !== undefined) {
      const listener = searchSocket();
      await bindUdp(listener, port, broadcast);
      out.push({ socket: listener, replyVia: socket });
    }
  }
  const group = searchSocket();
  await bindUdp(group, port, LOCAL_MULTICAST_GROUP);
  group.addMembership(LOCAL_MULTICAST_GROUP, "127.0.0.1");
  out.push({ socket: group, replyVia: out[0]!.socket });
  return out;
}

/**
 * The broadcast addresses of the host's IPv4 interfaces (EPICS_PVAS_AUTO_BEACON_ADDR_LIST).
 *
 * @param port Beacon port.
 * @returns Beacon destinations.
 */
export function broadcastTargets(port: number): UdpTarget[] {
  return externalBroadcasts().map(({ broadcast }) => ({ host: broadcast, port }));
}
