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

/**
 * Answer one search datagram at once, in as few datagrams as fit (one for libca's 31 names), as
 * RSRV does. libca sends its next burst of searches only once every name of the last burst has
 * been answered, so a reply held back — e.g. until the TCP requests that arrived in the same
 * event-loop turn are handled — delays the whole search.
 *
 * @param socket The socket the search arrived on (the reply leaves from it).
 * @param rinfo The client.
 * @param match The names it searched that the server hosts.
 * @param tcpPort The TCP port to advertise.
 * @param onError Called when a reply cannot be sent.
 */
export function sendSearchReplies(
  socket: dgram.Socket,
  rinfo: { address: string; port: number },
  match: SearchMatch,
  tcpPort: number,
  onError: (address: string, error: Error) => void,
): void {
  const { address, port } = rinfo;
  for (const bytes of encodeSearchReplies([match], tcpPort)) {
    try {
      socket.send(bytes, port, address, (error) => {
        if (error) onError(address, error);
      });
    } catch (error) {
      // The socket closed meanwhile.
      onError(address, error as Error);
    }
  }
}
