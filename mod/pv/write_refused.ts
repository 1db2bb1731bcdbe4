/**
 * The protocol-neutral refusal of a write: a reason each protocol maps to its own status.
 *
 * @module
 */

/**
 * Why a write was refused: it failed, the client may not write, or the value is not acceptable
 * (e.g. not one of the enum choices). CA answers ECA_PUTFAIL, ECA_NOWTACCESS and ECA_PUTFAIL.
 */
export type WriteRefusalReason = "failed" | "denied" | "invalid";

/** Thrown by `onWrite` to refuse a write; the value is kept and the client told why. */
export class WriteRefused extends Error {
  /** Why, in protocol-neutral terms. */
  readonly reason: WriteRefusalReason;
  /**
   * A CA status (ECA_* wire code) given instead of a reason, as older code does: CA clients get
   * exactly it, other protocols see `reason` `"failed"`.
   */
  readonly eca: number | undefined;

  /**
   * @param reason Why, or an ECA_* wire code. @default "failed"
   * @param message What clients and logs are told.
   * @example Usage
   * ```ts
   * const refusal = new WriteRefused("denied", "Controls are locked");
   * console.assert(refusal.reason === "denied");
   * ```
   */
  constructor(reason: WriteRefusalReason | number = "failed", message = "Write refused") {
    super(message);
    this.name = "WriteRefused";
    this.reason = typeof reason === "number" ? "failed" : reason;
    this.eca = typeof reason === "number" ? reason : undefined;
  }
}
