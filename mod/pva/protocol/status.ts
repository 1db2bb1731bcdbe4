/**
 * Status (§2.10): the result of a request. OK without text is the single byte 0xFF; otherwise a
 * type byte, a message and a stack (call tree) string follow.
 *
 * @module
 */

import { RemoteProtocolError } from "./errors.ts";
import type { PvaReader } from "./reader.ts";
import type { PvaWriter } from "./writer.ts";

/** Status types; OK and WARNING are success. */
export type StatusType = "ok" | "warning" | "error" | "fatal";

/** A decoded or to-be-sent status. */
export interface Status {
  /** Severity. */
  type: StatusType;
  /** Text shown by clients (`""` for plain OK). */
  message: string;
  /**
   * Call tree (QSRV2 fills it for some errors).
   * @default {""}
   */
  stack?: string;
}

/** Wire codes of the status types. */
export const STATUS_CODES: Readonly<Record<StatusType, number>> = {
  ok: 0,
  warning: 1,
  error: 2,
  fatal: 3,
};
const TYPES: readonly StatusType[] = ["ok", "warning", "error", "fatal"];
/** The one-byte OK. */
const OK_BYTE = 0xff;

/** Plain OK (encoded as 0xFF). */
export const STATUS_OK: Readonly<Status> = Object.freeze({ type: "ok", message: "" });

/**
 * An ERROR status.
 *
 * @param message Text for the client.
 * @param stack Call tree.
 * @returns The status.
 * @example Usage
 * ```ts
 * import { errorStatus } from "./status.ts";
 * errorStatus("Put not permitted").type; // "error"
 * ```
 */
export function errorStatus(message: string, stack = ""): Status {
  return { type: "error", message, stack };
}

/**
 * @param s A status.
 * @returns Whether the reply's data follows it (OK or WARNING).
 * @example Usage
 * ```ts
 * import { isSuccess, STATUS_OK } from "./status.ts";
 * isSuccess(STATUS_OK); // true
 * ```
 */
export function isSuccess(s: Status): boolean {
  return s.type === "ok" || s.type === "warning";
}

/**
 * Write a status: 0xFF for OK without text, else type, message, stack.
 *
 * @param w Destination.
 * @param s The status.
 * @example Usage
 * ```ts
 * import { STATUS_OK, writeStatus } from "./status.ts";
 * import { PvaWriter } from "./writer.ts";
 * const w = new PvaWriter();
 * writeStatus(w, STATUS_OK);
 * w.finish(); // ff
 * ```
 */
export function writeStatus(w: PvaWriter, s: Status): void {
  if (s.type === "ok" && s.message === "" && !s.stack) return w.u8(OK_BYTE);
  w.u8(STATUS_CODES[s.type]);
  w.string(s.message);
  w.string(s.stack ?? "");
}

/**
 * Read a status.
 *
 * @param r Source.
 * @returns The status (`stack` present only when sent).
 * @throws {RemoteProtocolError} On an unknown type byte.
 * @example Usage
 * ```ts
 * import { readStatus } from "./status.ts";
 * import { PvaReader } from "./reader.ts";
 * readStatus(new PvaReader(new Uint8Array([0xff]))).type; // "ok"
 * ```
 */
export function readStatus(r: PvaReader): Status {
  const code = r.u8();
  if (code === OK_BYTE) return { type: "ok", message: "" };
  const type = TYPES[code];
  if (type === undefined) throw new RemoteProtocolError(`Cannot decode status type ${code}`);
  const message = r.string();
  return { type, message, stack: r.string() };
}
