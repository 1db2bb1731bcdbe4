/**
 * 16-byte network addresses (§2.4): IPv6, with IPv4 sent IPv4-mapped (`::ffff:a.b.c.d`). Two
 * forms mean "unspecified, use the packet's source": all zeros and `::ffff:0.0.0.0`. Addresses
 * stay bytes in decoded messages so that re-encoding is exact.
 *
 * @module
 */

/** Bytes in an address field. */
export const ADDRESS_SIZE = 16;

/**
 * The IPv4-mapped form of an IPv4 address.
 *
 * @param ip Dotted quad, e.g. `"127.0.0.1"`.
 * @returns 16 bytes.
 * @throws {SyntaxError} When `ip` is not a dotted quad.
 * @example Usage
 * ```ts
 * import { ipv4Address } from "./address.ts";
 * ipv4Address("127.0.0.1"); // 00×10 ff ff 7f 00 00 01
 * ```
 */
export function ipv4Address(ip: string): Uint8Array {
  const parts = ip.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new SyntaxError(`Cannot parse IPv4 address "${ip}"`);
  }
  const out = new Uint8Array(ADDRESS_SIZE);
  out[10] = 0xff;
  out[11] = 0xff;
  out.set(parts, 12);
  return out;
}

/**
 * `::ffff:0.0.0.0`, what pvxs servers send for "connect to this datagram's source" (shared: copy
 * it before changing bytes).
 */
export const UNSPECIFIED_V4: Uint8Array = ipv4Address("0.0.0.0");

/**
 * @param addr 16 bytes.
 * @returns Whether it means "use the source address" (all zeros or `::ffff:0.0.0.0`).
 * @example Usage
 * ```ts
 * import { isUnspecified, UNSPECIFIED_V4 } from "./address.ts";
 * isUnspecified(UNSPECIFIED_V4); // true
 * ```
 */
export function isUnspecified(addr: Uint8Array): boolean {
  if (addr.subarray(0, 10).some((b) => b !== 0)) return false;
  const mapped = addr[10] === 0xff && addr[11] === 0xff;
  const zero16 = addr[10] === 0 && addr[11] === 0;
  return (mapped || zero16) && addr.subarray(12).every((b) => b === 0);
}

/**
 * A readable form: dotted quad for IPv4-mapped addresses, `"::"` for all zeros, else hex groups.
 *
 * @param addr 16 bytes.
 * @returns The text.
 * @example Usage
 * ```ts
 * import { addressToString, ipv4Address } from "./address.ts";
 * addressToString(ipv4Address("10.0.0.2")); // "10.0.0.2"
 * ```
 */
export function addressToString(addr: Uint8Array): string {
  if (addr.every((b) => b === 0)) return "::";
  if (addr.subarray(0, 10).every((b) => b === 0) && addr[10] === 0xff && addr[11] === 0xff) {
    return [...addr.subarray(12)].join(".");
  }
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((addr[i]! << 8) | addr[i + 1]!).toString(16));
  return groups.join(":");
}
