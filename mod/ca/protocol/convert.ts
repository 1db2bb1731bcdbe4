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

/** 10^0 … 10^22: exact doubles, so one multiplication or division by them rounds once. */
const EXACT_POWERS = [
  1e0,
  1e1,
  1e2,
  1e3,
  1e4,
  1e5,
  1e6,
  1e7,
  1e8,
  1e9,
  1e10,
  1e11,
  1e12,
  1e13,
  1e14,
  1e15,
  1e16,
  1e17,
  1e18,
  1e19,
  1e20,
  1e21,
  1e22,
];
/** Significant digits that always fit a double's 53-bit mantissa exactly. */
const EXACT_DIGITS = 15;

/**
 * Parse a plain decimal number (`[+-]digits[.digits][e[+-]digits]`, then NUL, the end or anything
 * else, which is ignored) straight from ASCII bytes, as {@linkcode parseNumber} parses the same
 * text for DBR_DOUBLE. Only the exact cases are handled here (at most 15 significant digits and a
 * power of ten up to 22, where one division or multiplication rounds correctly, so the result is
 * the one `Number()` gives); anything else, including leading blanks, `inf`, `nan` and empty
 * text, is `undefined` and the caller parses the text instead. Saves a string, a regular
 * expression match and its substring on every numeric text put (catime, caput).
 *
 * @param bytes The bytes.
 * @param at Index of the first character.
 * @param end Index past the last byte that may belong to the text.
 * @returns The number, or `undefined` when the text needs {@linkcode parseNumber}.
 * @example Usage
 * ```ts
 * import { parseDecimalBytes } from "./convert.ts";
 * parseDecimalBytes(new TextEncoder().encode("0.000100\0"), 0, 9); // 0.0001
 * ```
 */
export function parseDecimalBytes(bytes: Uint8Array, at: number, end: number): number | undefined {
  if (end > bytes.length) end = bytes.length;
  let i = at;
  let negative = false;
  let c = i < end ? bytes[i]! : 0;
  if (c === 0x2b || c === 0x2d) {
    negative = c === 0x2d;
    c = ++i < end ? bytes[i]! : 0;
  }
  let mantissa = 0;
  let significant = 0;
  let digits = 0;
  let scale = 0;
  while (c >= 0x30 && c <= 0x39) {
    if (mantissa !== 0 || c !== 0x30) significant++;
    mantissa = mantissa * 10 + (c - 0x30);
    digits++;
    c = ++i < end ? bytes[i]! : 0;
  }
  if (c === 0x2e) {
    c = ++i < end ? bytes[i]! : 0;
    while (c >= 0x30 && c <= 0x39) {
      if (mantissa !== 0 || c !== 0x30) significant++;
      mantissa = mantissa * 10 + (c - 0x30);
      digits++;
      scale--;
      c = ++i < end ? bytes[i]! : 0;
    }
  }
  if (digits === 0 || significant > EXACT_DIGITS) return undefined;
  if (c === 0x65 || c === 0x45) {
    // An exponent counts only with digits ("1e" is 1, as the regular expression reads it).
    let j = i + 1;
    let e = j < end ? bytes[j]! : 0;
    let expNegative = false;
    if (e === 0x2b || e === 0x2d) {
      expNegative = e === 0x2d;
      e = ++j < end ? bytes[j]! : 0;
    }
    if (e >= 0x30 && e <= 0x39) {
      let exp = 0;
      while (e >= 0x30 && e <= 0x39) {
        if (exp > 1000) return undefined;
        exp = exp * 10 + (e - 0x30);
        e = ++j < end ? bytes[j]! : 0;
      }
      scale += expNegative ? -exp : exp;
    }
  }
  let v: number;
  if (mantissa === 0) v = 0;
  else if (scale < 0 && scale >= -22) v = mantissa / EXACT_POWERS[-scale]!;
  else if (scale >= 0 && scale <= 22) v = mantissa * EXACT_POWERS[scale]!;
  else return undefined;
  return negative ? -v : v;
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
