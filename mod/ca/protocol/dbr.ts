/**
 * DBR payload layouts for every type 0–38, declared once as data, plus the encoder that renders a
 * channel's value and metadata into a requested type and the decoder for written payloads.
 *
 * @module
 */

import { castNumber, numberToString, parseNumber, type Values } from "./convert.ts";
import {
  DBR_CHAR,
  DBR_DOUBLE,
  DBR_ENUM,
  DBR_FLOAT,
  DBR_LONG,
  DBR_SHORT,
  DBR_STRING,
  MAX_ENUM_STATES,
  MAX_ENUM_STRING_SIZE,
  MAX_STRING_SIZE,
  MAX_UNITS_SIZE,
} from "./dbr_codes.ts";
import { align8 } from "./header.ts";
import type { OutBuffer } from "./out_buffer.ts";
import { ECA_BADCOUNT, ECA_BADTYPE, ECA_GETFAIL } from "./status.ts";

export * from "./dbr_codes.ts";

/** Metadata fields that can appear before the value in a DBR structure. */
export type DbrFieldKind =
  | "status"
  | "severity"
  | "stamp"
  | "precision"
  | "units"
  | "limits"
  | "enumStrings"
  | "ackt"
  | "acks";

/** One metadata field of a layout: what, where, and (for limits) how many. */
export interface DbrField {
  /** Field kind. */
  readonly kind: DbrFieldKind;
  /** Byte offset inside the structure. */
  readonly offset: number;
  /** Number of limits (6 for GR, 8 for CTRL); 0 for other kinds. */
  readonly n: number;
}

/** Where a type's metadata and value elements live. */
export interface DbrLayout {
  /** Type code 0–38. */
  readonly code: number;
  /** Name as in db_access.h, e.g. `"DBR_CTRL_DOUBLE"`. */
  readonly name: string;
  /** Wire type of the value elements (0–6). */
  readonly valueType: number;
  /** `dbr_size` for one element. */
  readonly base: number;
  /** Byte offset of the first element. */
  readonly voff: number;
  /** Bytes per element. */
  readonly vsz: number;
  /** Metadata fields before the value. */
  readonly fields: readonly DbrField[];
  /** Clients may request it (reads and monitors). */
  readonly readable: boolean;
  /** Clients may write it. */
  readonly writable: boolean;
}

const VALUE_NAMES = ["STRING", "SHORT", "FLOAT", "ENUM", "CHAR", "LONG", "DOUBLE"] as const;
const VALUE_SIZES = [MAX_STRING_SIZE, 2, 4, 2, 1, 4, 8] as const;
const FAMILY_PREFIX = ["DBR_", "DBR_STS_", "DBR_TIME_", "DBR_GR_", "DBR_CTRL_"] as const;

function f(kind: DbrFieldKind, offset: number, n = 0): DbrField {
  return { kind, offset, n };
}

const ALARM = [f("status", 0), f("severity", 2)];

/** Value offsets per family (row) and value type (column), from db_access.h. */
const VOFF: readonly (readonly number[])[] = [
  [0, 0, 0, 0, 0, 0, 0],
  [4, 4, 4, 4, 5, 4, 8],
  [12, 14, 12, 14, 15, 12, 16],
  [4, 24, 40, 422, 19, 36, 64],
  [4, 28, 48, 422, 21, 44, 80],
];

function metadataFields(family: number, valueType: number): DbrField[] {
  if (family === 0) return [];
  if (family === 1) return ALARM;
  if (family === 2) return [...ALARM, f("stamp", 4)];
  const nLimits = family === 3 ? 6 : 8;
  switch (valueType) {
    case DBR_STRING:
      return ALARM;
    case DBR_ENUM:
      return [...ALARM, f("enumStrings", 4)];
    case DBR_FLOAT:
    case DBR_DOUBLE:
      return [...ALARM, f("precision", 4), f("units", 8), f("limits", 16, nLimits)];
    default:
      return [...ALARM, f("units", 4), f("limits", 12, nLimits)];
  }
}

function buildLayouts(): DbrLayout[] {
  const out: DbrLayout[] = [];
  for (let family = 0; family < 5; family++) {
    for (let vt = 0; vt < 7; vt++) {
      const voff = VOFF[family]![vt]!;
      const vsz = VALUE_SIZES[vt]!;
      out.push({
        code: family * 7 + vt,
        name: FAMILY_PREFIX[family]! + VALUE_NAMES[vt]!,
        valueType: vt,
        base: voff + vsz,
        voff,
        vsz,
        fields: metadataFields(family, vt),
        readable: true,
        writable: true,
      });
    }
  }
  for (const [code, name] of [[35, "DBR_PUT_ACKT"], [36, "DBR_PUT_ACKS"]] as const) {
    out.push({
      code,
      name,
      valueType: DBR_ENUM,
      base: 2,
      voff: 0,
      vsz: 2,
      fields: [],
      readable: false,
      writable: true,
    });
  }
  out.push({
    code: 37,
    name: "DBR_STSACK_STRING",
    valueType: DBR_STRING,
    base: 48,
    voff: 8,
    vsz: MAX_STRING_SIZE,
    fields: [...ALARM, f("ackt", 4), f("acks", 6)],
    readable: true,
    writable: false,
  });
  out.push({
    code: 38,
    name: "DBR_CLASS_NAME",
    valueType: DBR_STRING,
    base: MAX_STRING_SIZE,
    voff: 0,
    vsz: MAX_STRING_SIZE,
    fields: [],
    readable: true,
    writable: false,
  });
  return out;
}

/** Layout of every DBR type, indexed by type code 0–38. */
export const DBR_LAYOUTS: readonly DbrLayout[] = buildLayouts();

/**
 * The layout of a type code.
 *
 * @param type DBR type code.
 * @returns The layout, or `undefined` for codes above 38.
 */
export function dbrLayout(type: number): DbrLayout | undefined {
  return DBR_LAYOUTS[type];
}

/**
 * Unpadded payload size of `n` elements of a type (`dbr_size_n`).
 *
 * @param layout The type's layout.
 * @param n Element count; 0 gives the metadata-only size.
 * @returns Bytes before alignment.
 */
export function dbrSize(layout: DbrLayout, n: number): number {
  return layout.voff + n * layout.vsz;
}

/** A channel's current value and metadata, the input of {@linkcode encodeDbr}. */
export interface DbrSource {
  /** Native value type 0–6. */
  readonly nativeType: number;
  /** Current elements (numbers, or strings for DBR_STRING natives). */
  readonly values: Values;
  /** Alarm status (0–21). */
  readonly status: number;
  /** Alarm severity (0–3). */
  readonly severity: number;
  /** Seconds since 1990-01-01 UTC. */
  readonly secPastEpoch: number;
  /** Nanoseconds. */
  readonly nsec: number;
  /** Engineering units (≤ 7 bytes sent). */
  readonly units: string;
  /** Display precision. */
  readonly precision: number;
  /** Precision used for FLOAT/DOUBLE → STRING conversions. */
  readonly stringPrecision: number;
  /**
   * Eight limits in wire order: upper_disp, lower_disp, upper_alarm, upper_warning,
   * lower_warning, lower_alarm, upper_ctrl, lower_ctrl.
   */
  readonly limits: readonly number[];
  /** Enum state strings. */
  readonly enumStrings: readonly string[];
  /** Record type name for DBR_CLASS_NAME. */
  readonly className: string;
}

const encoder = new TextEncoder();

/**
 * Write `text` NUL-terminated into a slot of `slot` bytes (truncating to `slot - 1` bytes).
 * The slot must already be zero.
 *
 * @param bytes Destination.
 * @param at Slot start.
 * @param text The text.
 * @param slot Slot size.
 */
export function writeSlotString(bytes: Uint8Array, at: number, text: string, slot: number): void {
  const max = Math.min(text.length, slot - 1);
  for (let i = 0; i < max; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7f) {
      encoder.encodeInto(text, bytes.subarray(at, at + slot - 1));
      return;
    }
    bytes[at + i] = c;
  }
}

const decoder = new TextDecoder();
/** Longest ASCII text built char by char; longer text goes through the TextDecoder. */
const SHORT_TEXT = 64;
const charCodes: number[] = [];

/**
 * Read a NUL-terminated string from at most `max` bytes.
 *
 * @param bytes Source.
 * @param at Start.
 * @param max Most bytes to look at.
 * @returns The text before the first NUL (or all `max` bytes).
 */
export function readSlotString(bytes: Uint8Array, at: number, max: number): string {
  const end = Math.min(at + max, bytes.length);
  let i = at;
  let ascii = true;
  while (i < end) {
    const b = bytes[i]!;
    if (b === 0) break;
    if (b > 0x7f) ascii = false;
    i++;
  }
  if (!ascii || i - at > SHORT_TEXT) return decoder.decode(bytes.subarray(at, i));
  // PV names are short ASCII: one fromCharCode over a reused array gives a flat string, cheaper to
  // build and to hash in the PV lookup than the decoder op or a chain of concatenations.
  const codes = charCodes;
  codes.length = i - at;
  for (let k = at; k < i; k++) codes[k - at] = bytes[k]!;
  return String.fromCharCode.apply(null, codes);
}

function writeNumber(view: DataView, at: number, vt: number, x: number): void {
  switch (vt) {
    case DBR_SHORT:
      view.setInt16(at, x);
      break;
    case DBR_FLOAT:
      view.setFloat32(at, x);
      break;
    case DBR_ENUM:
      view.setUint16(at, x);
      break;
    case DBR_CHAR:
      view.setUint8(at, x);
      break;
    case DBR_LONG:
      view.setInt32(at, x);
      break;
    default:
      view.setFloat64(at, x);
  }
}

function readNumber(view: DataView, at: number, vt: number): number {
  switch (vt) {
    case DBR_SHORT:
      return view.getInt16(at);
    case DBR_FLOAT:
      return view.getFloat32(at);
    case DBR_ENUM:
      return view.getUint16(at);
    case DBR_CHAR:
      return view.getUint8(at);
    case DBR_LONG:
      return view.getInt32(at);
    default:
      return view.getFloat64(at);
  }
}

function isNumeric(vt: number): boolean {
  return vt !== DBR_STRING && vt !== DBR_ENUM;
}

function writeFields(
  view: DataView,
  bytes: Uint8Array,
  base: number,
  layout: DbrLayout,
  src: DbrSource,
): void {
  const numericSource = isNumeric(src.nativeType);
  for (const field of layout.fields) {
    const at = base + field.offset;
    switch (field.kind) {
      case "status":
        view.setInt16(at, src.status);
        break;
      case "severity":
        view.setInt16(at, src.severity);
        break;
      case "stamp":
        view.setUint32(at, src.secPastEpoch >>> 0);
        view.setUint32(at + 4, src.nsec >>> 0);
        break;
      case "precision":
        if (src.nativeType === DBR_FLOAT || src.nativeType === DBR_DOUBLE) {
          view.setInt16(at, src.precision);
        }
        break;
      case "units":
        if (numericSource) writeSlotString(bytes, at, src.units, MAX_UNITS_SIZE);
        break;
      case "limits":
        if (numericSource) {
          const lsz = VALUE_SIZES[layout.valueType]!;
          for (let i = 0; i < field.n; i++) {
            const limit = castNumber(layout.valueType, src.limits[i] ?? 0);
            writeNumber(view, at + i * lsz, layout.valueType, limit);
          }
        }
        break;
      case "enumStrings":
        if (src.nativeType === DBR_ENUM) {
          const n = Math.min(src.enumStrings.length, MAX_ENUM_STATES);
          view.setInt16(at, n);
          for (let i = 0; i < n; i++) {
            writeSlotString(
              bytes,
              at + 2 + i * MAX_ENUM_STRING_SIZE,
              src.enumStrings[i]!,
              MAX_ENUM_STRING_SIZE,
            );
          }
        }
        break;
      case "ackt":
        view.setUint16(at, 1);
        break;
      case "acks":
        break;
    }
  }
}

/**
 * Encode `n` elements of `src` as DBR type `layout.code` at `offset` of `bytes`. The region is
 * zeroed first, so padding is always zero. Elements beyond the source's length are zero.
 *
 * @param bytes Destination with room for `align8(dbrSize(layout, n))` bytes at `offset`.
 * @param offset Start of the payload.
 * @param request `layout` of the requested type and the element count `n`.
 * @param src Channel value and metadata.
 * @returns The aligned payload size written, or the negated ECA code when the value cannot be
 *   converted (e.g. `-ECA_GETFAIL`).
 */
export function encodeDbr(
  bytes: Uint8Array,
  offset: number,
  request: { layout: DbrLayout; n: number },
  src: DbrSource,
): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return encode(view, bytes, offset, request, src);
}

/**
 * {@linkcode encodeDbr} into an {@linkcode OutBuffer} at an offset it reserved, reusing the
 * buffer's DataView (the hot path of reads and monitor updates).
 *
 * @param out Destination; `offset` comes from {@linkcode OutBuffer.reserve}.
 * @param offset Start of the payload.
 * @param request `layout` of the requested type and the element count `n`.
 * @param src Channel value and metadata.
 * @returns As {@linkcode encodeDbr}.
 */
export function encodeDbrTo(
  out: OutBuffer,
  offset: number,
  request: { layout: DbrLayout; n: number },
  src: DbrSource,
): number {
  return encode(out.view, out.bytes, offset, request, src);
}

function encode(
  view: DataView,
  bytes: Uint8Array,
  offset: number,
  request: { layout: DbrLayout; n: number },
  src: DbrSource,
): number {
  const { layout, n } = request;
  const size = align8(dbrSize(layout, n));
  bytes.fill(0, offset, offset + size);
  writeFields(view, bytes, offset, layout, src);
  const vt = layout.valueType;
  const at = offset + layout.voff;
  if (layout.code === 38) {
    writeSlotString(bytes, at, src.className, MAX_STRING_SIZE);
    return size;
  }
  const values = src.values;
  const m = Math.min(n, values.length);
  if (src.nativeType === DBR_STRING) {
    for (let i = 0; i < m; i++) {
      const s = values[i] as string;
      if (vt === DBR_STRING) writeSlotString(bytes, at + i * MAX_STRING_SIZE, s, MAX_STRING_SIZE);
      else {
        const x = parseNumber(vt, s);
        if (x === undefined) return -ECA_GETFAIL;
        writeNumber(view, at + i * layout.vsz, vt, x);
      }
    }
    return size;
  }
  if (vt === DBR_STRING) {
    for (let i = 0; i < m; i++) {
      const text = textOf(src, values[i] as number);
      writeSlotString(bytes, at + i * MAX_STRING_SIZE, text, MAX_STRING_SIZE);
    }
    return size;
  }
  const sameType = vt === src.nativeType;
  for (let i = 0; i < m; i++) {
    const x = values[i] as number;
    writeNumber(view, at + i * layout.vsz, vt, sameType ? x : castNumber(vt, x));
  }
  return size;
}

/**
 * The number last formatted as text, and how: clients that read one value as DBR_STRING over and
 * over (catime, display managers) get it formatted once.
 */
const lastText = {
  x: NaN,
  type: -1,
  precision: -1,
  enumStrings: [] as readonly string[],
  text: "",
};

function textOf(src: DbrSource, x: number): string {
  const c = lastText;
  if (
    c.x === x && c.type === src.nativeType && c.precision === src.stringPrecision &&
    c.enumStrings === src.enumStrings
  ) return c.text;
  c.text = numberToString(src.nativeType, x, {
    precision: src.stringPrecision,
    enumStrings: src.enumStrings,
  });
  c.x = x;
  c.type = src.nativeType;
  c.precision = src.stringPrecision;
  c.enumStrings = src.enumStrings;
  return c.text;
}

/**
 * Decode the value part of a payload a client wrote. Compound types (STS/TIME/GR/CTRL) are
 * accepted: only the elements at the value offset are used.
 *
 * @param payload The message payload.
 * @param request Written `type` and element `count`.
 * @returns Strings (value type STRING) or numbers, or the ECA code (a number, not an array) when
 *   the type cannot be written or the payload is too short for `count`.
 */
export function decodeDbrValues(
  payload: Uint8Array,
  request: { type: number; count: number },
): Values | number {
  const layout = DBR_LAYOUTS[request.type];
  if (!layout || !layout.writable) return ECA_BADTYPE;
  const { count } = request;
  const vt = layout.valueType;
  if (vt === DBR_STRING) {
    const out: string[] = new Array(count);
    for (let i = 0; i < count; i++) {
      const at = layout.voff + i * MAX_STRING_SIZE;
      if (at >= payload.length && !(i === 0 && at === payload.length)) return ECA_BADCOUNT;
      out[i] = readSlotString(payload, at, MAX_STRING_SIZE);
    }
    return out;
  }
  if (dbrSize(layout, count) > payload.length) return ECA_BADCOUNT;
  const view = viewOf(payload.buffer);
  const base = payload.byteOffset + layout.voff;
  const out: number[] = new Array(count);
  for (let i = 0; i < count; i++) out[i] = readNumber(view, base + i * layout.vsz, vt);
  return out;
}

/**
 * The first element of a DBR payload (a scalar write), read in place: no array, no copy.
 *
 * @param bytes Buffer holding the payload.
 * @param at Start of the payload.
 * @param size Payload size.
 * @param type A writable DBR type.
 * @returns The element (a string for DBR_STRING values), or `undefined` when the type is not
 *   writable or the payload too short.
 * @example Usage
 * ```ts
 * import { readDbrScalar } from "./dbr.ts";
 * readDbrScalar(new Uint8Array([0x3f, 0xf8, 0, 0, 0, 0, 0, 0]), 0, 8, 6); // 1.5
 * ```
 */
export function readDbrScalar(
  bytes: Uint8Array,
  at: number,
  size: number,
  type: number,
): number | string | undefined {
  const layout = DBR_LAYOUTS[type];
  if (!layout || !layout.writable || at + size > bytes.length) return undefined;
  const vt = layout.valueType;
  if (vt === DBR_STRING) {
    // As decodeDbrValues: the slot may be cut short by the payload's end, even to nothing.
    if (layout.voff > size) return undefined;
    return readSlotString(bytes, at + layout.voff, Math.min(MAX_STRING_SIZE, size - layout.voff));
  }
  if (layout.voff + layout.vsz > size) return undefined;
  return readNumber(viewOf(bytes.buffer), bytes.byteOffset + at + layout.voff, vt);
}

/** The view over the buffer last decoded from: payloads mostly sit in one circuit input buffer. */
let lastView: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));

function viewOf(buffer: ArrayBufferLike): DataView {
  if (lastView.buffer !== buffer) lastView = new DataView(buffer);
  return lastView;
}

/**
 * Whether the code is a DBR value type 0–6 (a channel's possible native types).
 *
 * @param type Type code.
 * @returns True for 0–6.
 */
export function isValueType(type: number): boolean {
  return type >= DBR_STRING && type <= DBR_DOUBLE;
}
