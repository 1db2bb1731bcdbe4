/**
 * Free ports for tests, so tests run in parallel without colliding.
 *
 * Ports come from below the kernel's ephemeral range: a port the kernel handed out (bound to port 0
 * and released) goes back into the pool it gives every client socket, so a parallel test's client
 * could take it before the server binds it (seen in CI as `bind EADDRINUSE` on a server's UDP port).
 *
 * @module
 */
import dgram from "node:dgram";

/** Lowest port handed out; the range ends where the ephemeral range begins. */
const LOWEST = 20_000;
/** Ports needed above each one handed out (CA's repeater port is the server port + 1). */
const SPARE = 2;

/** The first port of the kernel's ephemeral range (Linux's default when it cannot be read). */
function ephemeralStart(): number {
  try {
    const text = Deno.readTextFileSync("/proc/sys/net/ipv4/ip_local_port_range");
    const low = Number(text.trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 0 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

/** A random port outside the ephemeral range, or 0 (the kernel chooses) when there is none. */
function candidatePort(): number {
  const end = Math.min(ephemeralStart(), 65_536) - SPARE;
  if (end - LOWEST < 1_000) return 0;
  return LOWEST + Math.floor(Math.random() * (end - LOWEST));
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freeTcpPort(): number {
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      const listener = Deno.listen({ hostname: "127.0.0.1", port: candidatePort() });
      const port = (listener.addr as Deno.NetAddr).port;
      listener.close();
      return port;
    } catch (error) {
      if (!(error instanceof Deno.errors.AddrInUse)) throw error;
    }
  }
  throw new Error("Cannot find a free TCP port on 127.0.0.1");
}

/**
 * A port free for both TCP and UDP on 127.0.0.1 (CA serves both on one port).
 *
 * @returns The port number.
 */
export async function freeCaPort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = freeTcpPort();
    const socket = dgram.createSocket("udp4");
    const ok = await new Promise<boolean>((resolve) => {
      socket.once("error", () => resolve(false));
      socket.bind(port, "127.0.0.1", () => resolve(true));
    });
    await new Promise<void>((resolve) => socket.close(() => resolve()));
    if (ok) return port;
  }
  throw new Error("Cannot find a free CA port on 127.0.0.1");
}
