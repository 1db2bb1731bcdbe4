/**
 * The process's open-file limit, which bounds how many CA clients a server can hold: past it,
 * accept fails (EMFILE) for clients and for the server's own files alike.
 *
 * @module
 */

/** File descriptors kept free for everything else (log files, supervisord, CA client sockets). */
export const RESERVED_FDS = 64;

/**
 * The soft limit on open files, from `/proc/self/limits` (Linux).
 *
 * @returns The limit, or `undefined` when unknown or unlimited.
 */
export function openFileLimit(): number | undefined {
  let text: string;
  try {
    text = Deno.readTextFileSync("/proc/self/limits");
  } catch {
    return undefined;
  }
  const m = /^Max open files\s+(\d+)/m.exec(text);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

/**
 * The connection limit that fits the open-file limit.
 *
 * @param wanted The configured limit.
 * @param fdLimit The open-file limit, if known.
 * @returns `wanted`, or fewer when the descriptors would run out first.
 */
export function fitConnections(wanted: number, fdLimit: number | undefined): number {
  if (fdLimit === undefined) return wanted;
  return Math.max(1, Math.min(wanted, fdLimit - RESERVED_FDS));
}
