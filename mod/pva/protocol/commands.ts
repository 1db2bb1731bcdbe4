/**
 * pvAccess command codes (pva-protocol.md §1.4, §1.7) and operation subcommand bits (§4.4), with
 * the names the reference uses.
 *
 * @module
 */

/** Application command: UDP beacon. */
export const BEACON = 0;
/** Application command: connection validation (server offer, client reply). */
export const CONNECTION_VALIDATION = 1;
/** Application command: echo (liveness). */
export const ECHO = 2;
/** Application command: name search. */
export const SEARCH = 3;
/** Application command: name search reply. */
export const SEARCH_RESPONSE = 4;
/** Application command: authentication exchange (unused by stock peers). */
export const AUTHNZ = 5;
/** Application command: access rights change (never sent by QSRV2). */
export const ACL_CHANGE = 6;
/** Application command: create a channel. */
export const CREATE_CHANNEL = 7;
/** Application command: destroy a channel (both directions). */
export const DESTROY_CHANNEL = 8;
/** Application command: validation result. */
export const CONNECTION_VALIDATED = 9;
/** Application command: get operation. */
export const GET = 10;
/** Application command: put operation. */
export const PUT = 11;
/** Application command: put-get operation. */
export const PUT_GET = 12;
/** Application command: monitor (subscription) operation. */
export const MONITOR = 13;
/** Application command: array operation. */
export const ARRAY = 14;
/** Application command: forget an operation. */
export const DESTROY_REQUEST = 15;
/** Application command: process operation. */
export const PROCESS = 16;
/** Application command: type of a channel. */
export const GET_FIELD = 17;
/** Application command: log text for an operation. */
export const MESSAGE = 18;
/** Application command: never used. */
export const MULTIPLE_DATA = 19;
/** Application command: remote procedure call. */
export const RPC = 20;
/** Application command: abandon an exec in progress. */
export const CANCEL_REQUEST = 21;
/** Application command: prefix of a search forwarded to the local multicast group (§3.5). */
export const ORIGIN_TAG = 22;

/** Control command: byte count marker (never seen). */
export const SET_MARKER = 0;
/** Control command: marker acknowledgement (never seen). */
export const ACK_MARKER = 1;
/** Control command: the sender's byte order; the server sends it first on TCP. */
export const SET_BYTE_ORDER = 2;

/** Subcommand bit: operation INIT. */
export const SUBCMD_INIT = 0x08;
/** Subcommand bit: destroy the operation after this exec. */
export const SUBCMD_DESTROY = 0x10;
/** Subcommand bit: GET (for PUT: fetch the current value; for MONITOR with 0x04: start). */
export const SUBCMD_GET = 0x40;
/** Subcommand bit: MONITOR start/stop (with {@linkcode SUBCMD_GET}: start, without: stop). */
export const SUBCMD_PROCESS = 0x04;
/** Subcommand bit: MONITOR pipeline (INIT carries a window; otherwise an ack). */
export const SUBCMD_PIPELINE = 0x80;

/** Commands that follow the INIT/exec operation pattern of §4.4. */
export const OPERATION_COMMANDS: ReadonlySet<number> = new Set([
  GET,
  PUT,
  PUT_GET,
  MONITOR,
  ARRAY,
  PROCESS,
  RPC,
]);

const NAMES: Record<number, string> = {
  [BEACON]: "BEACON",
  [CONNECTION_VALIDATION]: "CONNECTION_VALIDATION",
  [ECHO]: "ECHO",
  [SEARCH]: "SEARCH",
  [SEARCH_RESPONSE]: "SEARCH_RESPONSE",
  [AUTHNZ]: "AUTHNZ",
  [ACL_CHANGE]: "ACL_CHANGE",
  [CREATE_CHANNEL]: "CREATE_CHANNEL",
  [DESTROY_CHANNEL]: "DESTROY_CHANNEL",
  [CONNECTION_VALIDATED]: "CONNECTION_VALIDATED",
  [GET]: "GET",
  [PUT]: "PUT",
  [PUT_GET]: "PUT_GET",
  [MONITOR]: "MONITOR",
  [ARRAY]: "ARRAY",
  [DESTROY_REQUEST]: "DESTROY_REQUEST",
  [PROCESS]: "PROCESS",
  [GET_FIELD]: "GET_FIELD",
  [MESSAGE]: "MESSAGE",
  [MULTIPLE_DATA]: "MULTIPLE_DATA",
  [RPC]: "RPC",
  [CANCEL_REQUEST]: "CANCEL_REQUEST",
  [ORIGIN_TAG]: "ORIGIN_TAG",
};

/**
 * The reference name of an application command, for logs and errors.
 *
 * @param command Command code.
 * @returns E.g. `"GET"`, or `"CMD_<n>"` for an unknown code.
 * @example Usage
 * ```ts
 * import { commandName } from "./commands.ts";
 * commandName(13); // "MONITOR"
 * ```
 */
export function commandName(command: number): string {
  return NAMES[command] ?? `CMD_${command}`;
}
