/**
 * The server's first write on a new TCP connection (§4.1, §9.1): SET_BYTE_ORDER (control,
 * little-endian) and CONNECTION_VALIDATION offering the auth methods, in one buffer.
 *
 * @module
 */

import { SET_BYTE_ORDER } from "./commands.ts";
import { writeMessage } from "./messages.ts";
import { PvaWriter } from "./writer.ts";

/** Options of {@linkcode serverGreeting}. */
export interface GreetingOptions {
  /**
   * Auth methods offered, preferred last (old clients keep the last one they know).
   * @default {["anonymous", "ca"]}
   */
  authMethods?: string[];
  /**
   * serverReceiveBufferSize (informational).
   * @default {65536}
   */
  receiveBufferSize?: number;
}

/**
 * The bytes a server sends as soon as it accepts a connection; clients wait for them.
 *
 * @param options Auth methods and buffer size.
 * @returns SET_BYTE_ORDER + CONNECTION_VALIDATION, byte for byte what QSRV2 sends by default.
 * @example Usage
 * ```ts
 * import { serverGreeting } from "./greeting.ts";
 * serverGreeting().length; // 36
 * ```
 */
export function serverGreeting(options: GreetingOptions = {}): Uint8Array {
  const w = new PvaWriter({ littleEndian: true, initialSize: 64 });
  writeMessage(w, { kind: "Control", command: SET_BYTE_ORDER, value: 0 });
  writeMessage(w, {
    kind: "ValidationOffer",
    receiveBufferSize: options.receiveBufferSize ?? 0x10000,
    registryMaxSize: 0x7fff,
    authMethods: options.authMethods ?? ["anonymous", "ca"],
  });
  return w.finish();
}
