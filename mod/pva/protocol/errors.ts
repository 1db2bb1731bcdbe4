/**
 * The two protocol error classes: the peer broke the rules, or we did.
 *
 * @module
 */

/** The peer sent something that violates the protocol; the connection should be closed. */
export class RemoteProtocolError extends Error {
  /**
   * @param message What the peer did wrong.
   * @param options Standard error options (`cause`).
   * @example Usage
   * ```ts
   * import { RemoteProtocolError } from "./errors.ts";
   * new RemoteProtocolError("Cannot decode header: bad magic 0x00").name; // "RemoteProtocolError"
   * ```
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "RemoteProtocolError";
  }
}

/** We were about to send something that violates the protocol: a bug in the caller. */
export class LocalProtocolError extends Error {
  /**
   * @param message What we got wrong.
   * @param options Standard error options (`cause`).
   * @example Usage
   * ```ts
   * import { LocalProtocolError } from "./errors.ts";
   * new LocalProtocolError("Cannot encode size -2").name; // "LocalProtocolError"
   * ```
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "LocalProtocolError";
  }
}
