/**
 * Free ports for tests, so tests run in parallel without colliding.
 *
 * @module
 */
import dgram from "node:dgram";

/** A TCP port that was free a moment ago (bound to 127.0.0.1:0 and released). */
export function freeTcpPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
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
