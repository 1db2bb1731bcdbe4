/**
 * Encoders of the requests a CA client sends on a TCP circuit: the handshake, channel,
 * read, write and subscription requests, and ECHO.
 *
 * @module
 */

import {
  CA_MINOR_VERSION,
  CLEAR_CHANNEL,
  CLIENT_NAME,
  CREATE_CHAN,
  ECHO,
  EVENT_ADD,
  EVENT_CANCEL,
  HOST_NAME,
  READ_NOTIFY,
  VERSION,
  WRITE,
  WRITE_NOTIFY,
  writeBare,
  writeWithPayload,
} from "./commands.ts";
import type { Values } from "./convert.ts";
import { DBR_DOUBLE, DBR_STRING, dbrLayout, dbrSize, type DbrSource, encodeDbr } from "./dbr.ts";
import { align8 } from "./header.ts";
import type { OutBuffer } from "./out_buffer.ts";

const encoder = new TextEncoder();

/**
 * Encode a string as UTF-8 with a terminating NUL, as CA sends names.
 *
 * @param text The string.
 * @returns Its bytes plus one 0 byte.
 * @example Usage
 * ```ts
 * import { nulTerminated } from "./_client_requests.ts";
 * nulTerminated("ab"); // Uint8Array [97, 98, 0]
 * ```
 */
export function nulTerminated(text: string): Uint8Array {
  const bytes = encoder.encode(text);
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  return out;
}

/**
 * Append the client's opening messages: VERSION (priority, our minor), CLIENT_NAME, HOST_NAME.
 *
 * @param out Destination.
 * @param hello `priority` 0–99, user name and host name.
 */
export function writeHello(
  out: OutBuffer,
  hello: { priority: number; user: string; host: string },
): void {
  writeBare(out, {
    cmd: VERSION,
    size: 0,
    type: hello.priority,
    count: CA_MINOR_VERSION,
    p1: 0,
    p2: 0,
  });
  const zero = { size: 0, type: 0, count: 0, p1: 0, p2: 0 };
  writeWithPayload(out, { cmd: CLIENT_NAME, ...zero }, nulTerminated(hello.user));
  writeWithPayload(out, { cmd: HOST_NAME, ...zero }, nulTerminated(hello.host));
}

/**
 * Append CREATE_CHAN.
 *
 * @param out Destination.
 * @param msg Client channel id and PV name.
 */
export function writeCreateChan(out: OutBuffer, msg: { cid: number; name: string }): void {
  writeWithPayload(
    out,
    { cmd: CREATE_CHAN, size: 0, type: 0, count: 0, p1: msg.cid, p2: CA_MINOR_VERSION },
    nulTerminated(msg.name),
  );
}

/**
 * Append READ_NOTIFY.
 *
 * @param out Destination.
 * @param msg Server channel id, request id, DBR type and element count (0 = current length).
 */
export function writeReadNotify(
  out: OutBuffer,
  msg: { sid: number; ioid: number; type: number; count: number },
): void {
  writeBare(out, {
    cmd: READ_NOTIFY,
    size: 0,
    type: msg.type,
    count: msg.count,
    p1: msg.sid,
    p2: msg.ioid,
  });
}

/**
 * Append EVENT_ADD (low, high and timeout 0, then the mask).
 *
 * @param out Destination.
 * @param msg Server channel id, subscription id, DBR type, element count and DBE_* mask.
 */
export function writeEventAdd(
  out: OutBuffer,
  msg: { sid: number; subid: number; type: number; count: number; mask: number },
): void {
  const payload = new Uint8Array(16);
  new DataView(payload.buffer).setUint16(12, msg.mask);
  writeWithPayload(out, {
    cmd: EVENT_ADD,
    size: 0,
    type: msg.type,
    count: msg.count,
    p1: msg.sid,
    p2: msg.subid,
  }, payload);
}

/**
 * Append EVENT_CANCEL.
 *
 * @param out Destination.
 * @param msg Server channel id, subscription id, and the subscription's type and count.
 */
export function writeEventCancel(
  out: OutBuffer,
  msg: { sid: number; subid: number; type: number; count: number },
): void {
  writeBare(out, {
    cmd: EVENT_CANCEL,
    size: 0,
    type: msg.type,
    count: msg.count,
    p1: msg.sid,
    p2: msg.subid,
  });
}

/**
 * Append WRITE (a put without reply) of numbers or strings.
 *
 * @param out Destination.
 * @param msg Server and client channel ids and the values: strings are sent as DBR_STRING,
 *   numbers as DBR_DOUBLE (the server converts to the native type).
 */
export function writeWrite(
  out: OutBuffer,
  msg: { sid: number; cid: number; values: Values },
): void {
  writePut(out, WRITE, msg.sid, msg.cid, msg.values);
}

/**
 * Append WRITE_NOTIFY (a put the server answers once it has completed) of numbers or strings.
 *
 * @param out Destination.
 * @param msg Server channel id, request id and the values (typed as in {@linkcode writeWrite}).
 */
export function writeWriteNotify(
  out: OutBuffer,
  msg: { sid: number; ioid: number; values: Values },
): void {
  writePut(out, WRITE_NOTIFY, msg.sid, msg.ioid, msg.values);
}

/** WRITE and WRITE_NOTIFY differ only in the command and what P2 means (cid or ioid). */
function writePut(out: OutBuffer, cmd: number, sid: number, p2: number, values: Values): void {
  const type = typeof values[0] === "string" ? DBR_STRING : DBR_DOUBLE;
  const layout = dbrLayout(type)!;
  const n = values.length;
  const payload = new Uint8Array(align8(dbrSize(layout, Math.max(n, 1))));
  encodeDbr(payload, 0, { layout, n }, valuesSource(type, values));
  writeWithPayload(out, { cmd, size: 0, type, count: n, p1: sid, p2 }, payload);
}

function valuesSource(type: number, values: Values): DbrSource {
  return {
    nativeType: type,
    values,
    status: 0,
    severity: 0,
    secPastEpoch: 0,
    nsec: 0,
    units: "",
    precision: 0,
    stringPrecision: 0,
    limits: [],
    enumStrings: [],
    className: "",
  };
}

/**
 * Append CLEAR_CHANNEL.
 *
 * @param out Destination.
 * @param msg Server and client channel ids.
 */
export function writeClearChannel(out: OutBuffer, msg: { sid: number; cid: number }): void {
  writeBare(out, { cmd: CLEAR_CHANNEL, size: 0, type: 0, count: 0, p1: msg.sid, p2: msg.cid });
}

/**
 * Append ECHO.
 *
 * @param out Destination.
 */
export function writeEcho(out: OutBuffer): void {
  writeBare(out, { cmd: ECHO, size: 0, type: 0, count: 0, p1: 0, p2: 0 });
}
