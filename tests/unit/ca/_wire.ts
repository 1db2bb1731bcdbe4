/**
 * Building raw CA request bytes for tests that talk to a circuit or a server directly.
 *
 * @module
 */
import { encodeHeader, type Header } from "../../../mod/ca/protocol/header.ts";

/** One message: a header (defaults 0, size from the payload) followed by its payload. */
export function msg(
  h: Partial<Header> & { cmd: number },
  payload: Uint8Array = new Uint8Array(0),
): Uint8Array {
  const hdr = encodeHeader({ size: payload.length, type: 0, count: 0, p1: 0, p2: 0, ...h });
  const out = new Uint8Array(hdr.length + payload.length);
  out.set(hdr);
  out.set(payload, hdr.length);
  return out;
}

/** A PV name as a CA payload: NUL-terminated and padded to 8 bytes. */
export function name(s: string): Uint8Array {
  const b = new Uint8Array((s.length + 8) & ~7);
  b.set(new TextEncoder().encode(s));
  return b;
}
