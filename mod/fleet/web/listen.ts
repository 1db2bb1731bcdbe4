/**
 * The `--listen` address of the fleet web view: `host:port` (`[v6]:port` for IPv6), port 0 for
 * any free port, and whether it is reachable from this machine only.
 *
 * @module
 */

/** A parsed listen address. */
export interface ListenAddress {
  /** Host name or address to bind, brackets removed. */
  hostname: string;
  /** TCP port; 0 lets the system choose. */
  port: number;
  /** True for 127.0.0.0/8, ::1 and localhost: only this machine can connect. */
  loopback: boolean;
}

/**
 * Parse `host:port`.
 *
 * @param text `127.0.0.1:8080`, `[::1]:0`, `0.0.0.0:8080`, `localhost:8080`.
 * @returns The address, or undefined when malformed (no port, port above 65535, spaces).
 * @example Usage
 * ```ts
 * import { parseListen } from "./listen.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseListen("127.0.0.1:0"), { hostname: "127.0.0.1", port: 0, loopback: true });
 * assert.equal(parseListen("0.0.0.0:8080")?.loopback, false);
 * assert.equal(parseListen("8080"), undefined);
 * ```
 */
export function parseListen(text: string): ListenAddress | undefined {
  const match = /^(\[[0-9A-Fa-f:.]+\]|[^\s:[\]]+):(\d{1,5})$/.exec(text);
  const port = Number(match?.[2]);
  if (match?.[1] === undefined || port > 65535) return undefined;
  const hostname = match[1].replace(/^\[(.*)\]$/, "$1");
  return { hostname, port, loopback: isLoopback(hostname) };
}

/**
 * Whether a host name (a `Host` header's, or a listen address's) names this machine's loopback.
 *
 * @param hostname Without port or brackets.
 * @returns True for localhost, ::1 and 127.x.y.z.
 */
export function isLoopback(hostname: string): boolean {
  const name = hostname.toLowerCase();
  if (name === "localhost" || name === "::1") return true;
  const parts = name.split(".");
  return parts.length === 4 && parts[0] === "127" &&
    parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}
