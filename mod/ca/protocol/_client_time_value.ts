/**
 * DBR_TIME payloads as a client sees them: the DBR_TIME type to request for a native type, the
 * payload decoder, and the {@linkcode ChannelValue} handed to applications.
 *
 * @module
 */

import type { Values } from "./convert.ts";
import { dbrLayout, decodeDbrValues } from "./dbr.ts";

/** Seconds between the POSIX and the EPICS (1990-01-01 UTC) epochs. */
export const EPICS_EPOCH_OFFSET = 631152000;
/** Family offset of DBR_TIME_<native>: `DBR_TIME_x = 14 + x`. */
const TIME_FAMILY = 14;

/**
 * The DBR_TIME type for a native type.
 *
 * @param nativeType Value type 0–6.
 * @returns DBR_TIME_<native> (14–20).
 * @example Usage
 * ```ts
 * import { timeTypeOf } from "./client_messages.ts";
 * timeTypeOf(6); // 20 (DBR_TIME_DOUBLE)
 * ```
 */
export function timeTypeOf(nativeType: number): number {
  return TIME_FAMILY + nativeType;
}

/** A decoded DBR_TIME payload. */
export interface TimeValue {
  /** Elements: strings for DBR_TIME_STRING, numbers otherwise (enums as indices). */
  readonly values: Values;
  /** Alarm status 0–21. */
  readonly status: number;
  /** Alarm severity 0–3. */
  readonly severity: number;
  /** Time stamp in milliseconds since 1970. */
  readonly timestamp: number;
}

/**
 * Decode a DBR_TIME_<x> payload.
 *
 * @param payload The reply payload.
 * @param reply The reply's DBR `type` (14–20) and element `count`.
 * @returns The value, or `undefined` when the type is not a TIME type or the payload is short.
 * @example Usage
 * ```ts
 * import { decodeTimeValue } from "./client_messages.ts";
 * decodeTimeValue(new Uint8Array(24), { type: 20, count: 1 })?.values; // [0]
 * ```
 */
export function decodeTimeValue(
  payload: Uint8Array,
  reply: { type: number; count: number },
): TimeValue | undefined {
  if (reply.type < TIME_FAMILY || reply.type > TIME_FAMILY + 6) return undefined;
  const layout = dbrLayout(reply.type)!;
  if (payload.length < layout.voff) return undefined;
  const values = decodeDbrValues(payload, reply);
  if (typeof values === "number") return undefined;
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const sec = view.getUint32(4);
  const nsec = view.getUint32(8);
  return {
    values,
    status: view.getInt16(0),
    severity: view.getInt16(2),
    timestamp: (sec + EPICS_EPOCH_OFFSET) * 1000 + nsec / 1e6,
  };
}

/** A channel's value as a client sees it. */
export interface ChannelValue {
  /** A number or string for scalar channels, an array for channels with more than one element. */
  readonly value: number | string | readonly number[] | readonly string[];
  /** Alarm severity 0–3. */
  readonly severity: number;
  /** Alarm status 0–21. */
  readonly status: number;
  /** Time stamp in milliseconds since 1970. */
  readonly timestamp: number;
}

/**
 * Decode the DBR_TIME payload of a read or monitor reply into what applications see.
 *
 * @param reply The reply's DBR `type`, element `count` and `payload`.
 * @param array True to keep every element (the channel has more than one), false for element 0.
 * @returns The value, or `undefined` when the payload is not DBR_TIME, is short, or has no element.
 * @example Usage
 * ```ts
 * import { toChannelValue } from "./client_messages.ts";
 * toChannelValue({ type: 20, count: 1, payload: new Uint8Array(24) }, false)?.value; // 0
 * ```
 */
export function toChannelValue(
  reply: { type: number; count: number; payload: Uint8Array },
  array: boolean,
): ChannelValue | undefined {
  const decoded = decodeTimeValue(reply.payload, reply);
  if (!decoded) return undefined;
  const { values } = decoded;
  let value: ChannelValue["value"];
  if (array) value = values;
  else if (values.length > 0) value = values[0]!;
  else return undefined;
  return {
    value,
    severity: decoded.severity,
    status: decoded.status,
    timestamp: decoded.timestamp,
  };
}
