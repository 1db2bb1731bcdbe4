/**
 * The value conversions an IOC performs between DBR value types (ca-protocol.md §5.6): numeric
 * casts with clamping, numbers to text with the channel's precision, lenient text to numbers as
 * caput sends them, and enum indices to and from state strings.
 *
 * @module
 */

import {
  DBR_CHAR,
  DBR_DOUBLE,
  DBR_ENUM,
  DBR_FLOAT,
  DBR_LONG,
  DBR_SHORT,
  DBR_STRING,
} from "./dbr_codes.ts";

const FLT_MAX = 3.4028234663852886e38;
/** Text an IOC shows for an enum index that has no state string. */
export const ILLEGAL_ENUM_TEXT = "Illegal_Value";

function clampInt(x: number, lo: number, hi: number): number {
  if (Number.isNaN(x)) return 0;
  const t = Math.trunc(x);
  return t < lo ? lo : t > hi ? hi : t;
}

/**
 * Cast a number to a CA value type the way a C cast would, clamping where C is undefined.
 *
 * @param valueType Target value type 1–6 (SHORT, FLOAT, ENUM, CHAR, LONG, DOUBLE).
 * @param x Source number.
 * @returns The representable value: integers truncate toward zero and clamp to the type's range
 *   (NaN becomes 0); FLOAT rounds to single precision and clamps finite values to ±FLT_MAX.
 * @example Usage
 * ```ts
 * import { castNumber } from "./convert.ts";
 * castNumber(1, 70000); // 32767 (DBR_SHORT)
 * ```
 */
export function castNumber(valueType: number, x: number): number {
  switch (valueType) {
    case DBR_SHORT:
      return clampInt(x, -32768, 32767);
    case DBR_ENUM:
      return clampInt(x, 0, 65535);
    case DBR_CHAR:
      return clampInt(x, 0, 255);
    case DBR_LONG:
      return clampInt(x, -2147483648, 2147483647);
    case DBR_FLOAT:
      if (Number.isFinite(x)) {
        return Math.fround(x > FLT_MAX ? FLT_MAX : x < -FLT_MAX ? -FLT_MAX : x);
      }
      return x;
    default:
      return x;
  }
}

function exponential(x: number, digits: number): string {
  const s = x.toExponential(digits);
  // C's %e prints at least two exponent digits.
  return s.replace(/e([+-])(\d)$/, "e$10$2");
}

/**
 * Format a floating-point value as an IOC does for a FLOAT/DOUBLE → STRING conversion.
 *
 * @param x The value.
 * @param precision Decimal places (the channel's PREC).
 * @returns Fixed-point text for |x| < 1e7; at most 3 decimals up to 1e16; `%e` style beyond that or
 *   when the precision exceeds 8. Never longer than 39 characters.
 * @example Usage
 * ```ts
 * import { formatDouble } from "./convert.ts";
 * formatDouble(1.23, 2); // "1.23"
 * ```
 */
export function formatDouble(x: number, precision: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  const prec = Math.max(0, Math.trunc(precision));
  const ax = Math.abs(x);
  let s: string;
  if (prec > 8 || ax >= 1e16) s = exponential(x, Math.min(prec, 17));
  else if (ax >= 1e7) s = x.toFixed(Math.min(prec, 3));
  else s = x.toFixed(prec);
  return s.length > 39 ? exponential(x, 6) : s;
}

/**
 * Format a number of a given native value type as text.
 *
 * @param nativeType Value type 1–6 the number belongs to.
 * @param x The value.
 * @param options `precision` for FLOAT/DOUBLE; `enumStrings` for ENUM.
 * @returns The text an IOC would return for a DBR_STRING request.
 */
export function numberToString(
  nativeType: number,
  x: number,
  options: { precision: number; enumStrings: readonly string[] },
): string {
  switch (nativeType) {
    case DBR_FLOAT:
    case DBR_DOUBLE:
      return formatDouble(x, options.precision);
    case DBR_ENUM:
      return options.enumStrings[x] ?? ILLEGAL_ENUM_TEXT;
    default:
      return String(Math.trunc(x));
  }
}

const INT_RE = /^[+-]?\d+/;
const FLOAT_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/;
const SPECIAL_RE = /^([+-]?)(inf(?:inity)?|nan)/i;

function parseFloatPrefix(s: string): number | undefined {
  const m = FLOAT_RE.exec(s);
  if (m) return Number(m[0]);
  const sp = SPECIAL_RE.exec(s);
  if (!sp) return undefined;
  if (sp[2]!.toLowerCase() === "nan") return NaN;
  return sp[1] === "-" ? -Infinity : Infinity;
}

const INT_RANGE: Record<number, [number, number]> = {
  [DBR_SHORT]: [-32768, 32767],
  [DBR_ENUM]: [0, 65535],
  [DBR_CHAR]: [-128, 255],
  [DBR_LONG]: [-2147483648, 4294967295],
};

/**
 * Parse text into a number of the given value type with the IOC's lenient rules: leading blanks
 * are skipped, trailing characters ignored ("3 mm" → 3, "1.5" → 1 for integers), empty text is 0.
 *
 * @param valueType Target value type 1–6.
 * @param text The text.
 * @returns The number (already cast to the type), or `undefined` when there are no digits or the
 *   value overflows the type.
 * @example Usage
 * ```ts
 * import { parseNumber } from "./convert.ts";
 * parseNumber(5, "1.5"); // 1 (DBR_LONG)
 * ```
 */
export function parseNumber(valueType: number, text: string): number | undefined {
  const s = text.trimStart();
  if (s === "") return 0;
  if (valueType === DBR_FLOAT || valueType === DBR_DOUBLE) {
    const v = parseFloatPrefix(s);
    if (v === undefined) return undefined;
    if (valueType === DBR_FLOAT && Number.isFinite(v) && Math.abs(v) > FLT_MAX) return undefined;
    return castNumber(valueType, v);
  }
  const range = INT_RANGE[valueType];
  if (!range) return undefined;
  const im = INT_RE.exec(s);
  let v: number | undefined;
  if (im && !/^[.eE]/.test(s.slice(im[0].length))) v = Number(im[0]);
  else {
    v = parseFloatPrefix(s);
    if (v !== undefined) v = Math.trunc(v);
  }
  if (v === undefined || Number.isNaN(v) || v < range[0] || v > range[1]) return undefined;
  // Values above the signed range wrap like the IOC's unsigned parse does.
  if (valueType === DBR_LONG && v > 2147483647) v = v - 4294967296;
  return castNumber(valueType, v);
}

/**
 * Convert text written to an enum channel into a state index: an exact state string first, else a
 * strict unsigned decimal index below the number of states.
 *
 * @param text The written text.
 * @param enumStrings The channel's state strings.
 * @returns The index, or `undefined` (the write fails with ECA_PUTFAIL).
 * @example Usage
 * ```ts
 * import { enumIndexFromString } from "./convert.ts";
 * enumIndexFromString("Run", ["Stop", "Run"]); // 1
 * ```
 */
export function enumIndexFromString(
  text: string,
  enumStrings: readonly string[],
): number | undefined {
  const i = enumStrings.indexOf(text);
  if (i >= 0) return i;
  if (!/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return n < enumStrings.length ? n : undefined;
}

/** Values of one channel: numbers for numeric and enum types, strings for DBR_STRING. */
export type Values = readonly number[] | readonly string[];

/** What a target channel needs to know to convert written values. */
export interface WriteTarget {
  /** Native value type 0–6. */
  nativeType: number;
  /** State strings (ENUM only). */
  enumStrings: readonly string[];
}

/**
 * Convert values a client wrote (decoded from the wire as `srcType`) into the channel's native type.
 *
 * @param values Decoded elements: strings when `srcType` is DBR_STRING, numbers otherwise.
 * @param options `srcType` (value type 0–6 the client wrote) and `target` (the channel).
 * @returns The native values, or `undefined` when a conversion fails (ECA_PUTFAIL). Enum indices
 *   outside the state list fail too.
 */
export function convertWrite(
  values: Values,
  options: { srcType: number; target: WriteTarget },
): number[] | string[] | undefined {
  const { srcType, target } = options;
  const n = values.length;
  if (target.nativeType === DBR_STRING) {
    if (srcType === DBR_STRING) return (values as readonly string[]).slice();
    const out: string[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const x = values[i] as number;
      out[i] = srcType === DBR_FLOAT || srcType === DBR_DOUBLE ? String(x) : String(Math.trunc(x));
    }
    return out;
  }
  const out: number[] = new Array(n);
  for (let i = 0; i < n; i++) {
    let v: number | undefined;
    if (srcType === DBR_STRING) {
      const s = values[i] as string;
      v = target.nativeType === DBR_ENUM
        ? enumIndexFromString(s, target.enumStrings)
        : parseNumber(target.nativeType, s);
    } else {
      const x = values[i] as number;
      if (target.nativeType === DBR_ENUM) {
        v = Number.isFinite(x) ? Math.trunc(x) : undefined;
        if (v !== undefined && (v < 0 || v >= target.enumStrings.length)) v = undefined;
      } else v = castNumber(target.nativeType, x);
    }
    if (v === undefined) return undefined;
    out[i] = v;
  }
  return out;
}
