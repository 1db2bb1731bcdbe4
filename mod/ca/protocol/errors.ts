/**
 * The two protocol error classes: the peer broke the rules, or we did.
 *
 * @module
 */

/** The client sent something that violates the protocol; the circuit should be closed. */
export class RemoteProtocolError extends Error {
  /**
   * @param message What the client did wrong.
   * @param options Standard error options (`cause`).
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "RemoteProtocolError";
  }
}

/** We were about to send something that violates the protocol: a bug in this library. */
export class LocalProtocolError extends Error {
  /**
   * @param message What we got wrong.
   * @param options Standard error options (`cause`).
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "LocalProtocolError";
  }
}
