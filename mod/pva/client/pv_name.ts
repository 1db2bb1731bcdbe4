/**
 * PV names with a protocol prefix, as Phoebus writes them: `pva://NAME` or `ca://NAME`; a bare
 * name is Channel Access.
 *
 * @module
 */

/** A PV name split into protocol and name. */
export interface PvAddress {
  /** `"ca"` or `"pva"`. */
  protocol: "ca" | "pva";
  /** The name without the prefix. */
  name: string;
}

/**
 * Split a PV name into protocol and name.
 *
 * @param text `pva://NAME`, `ca://NAME` or `NAME`.
 * @returns Protocol (CA when there is no prefix) and name.
 * @example Usage
 * ```ts
 * import { parsePvName } from "./pv_name.ts";
 * parsePvName("pva://IOC1:HB"); // { protocol: "pva", name: "IOC1:HB" }
 * parsePvName("IOC1:HB"); // { protocol: "ca", name: "IOC1:HB" }
 * ```
 */
export function parsePvName(text: string): PvAddress {
  if (text.startsWith("pva://")) return { protocol: "pva", name: text.slice(6) };
  if (text.startsWith("ca://")) return { protocol: "ca", name: text.slice(5) };
  return { protocol: "ca", name: text };
}
