/**
 * Settings bytes → text, refusing what no settings file needs and what would cost too much to
 * parse: more than {@linkcode MAX_SETTINGS_BYTES}, or bytes that are not UTF-8.
 *
 * @module
 */

/**
 * Largest settings file read. A thousand IOCs take about 100 KiB; the YAML parser holds roughly
 * 36 bytes of nodes per byte of text, so a 50 MB file cost 1.8 GB.
 */
export const MAX_SETTINGS_BYTES = 1024 * 1024;

/** Why bytes cannot be settings text, and where (a byte offset and its line and column). */
export interface TextProblem {
  /** 1-based line of the offending byte. */
  line: number;
  /** 1-based column of the offending byte, counted like the YAML parser's (UTF-16 units). */
  col: number;
  /** Sentence-case message without final period. */
  message: string;
}

/**
 * Decode a settings file's bytes as UTF-8 (a leading byte order mark is dropped).
 *
 * @param bytes The file's bytes; at most {@linkcode MAX_SETTINGS_BYTES} + 1 need to be read.
 * @returns The text, or the problem.
 */
export function decodeSettingsBytes(bytes: Uint8Array): string | TextProblem {
  if (bytes.length > MAX_SETTINGS_BYTES) {
    return {
      line: 1,
      col: 1,
      message: `Cannot read settings file: larger than ${MAX_SETTINGS_BYTES} bytes (1 MiB)`,
    };
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    const offset = invalidUtf8Offset(bytes);
    const before = new TextDecoder().decode(bytes.subarray(0, offset));
    const lines = before.split("\n");
    const last = lines[lines.length - 1] ?? "";
    return {
      line: lines.length,
      col: last.length + 1,
      message: `Cannot read settings file: invalid UTF-8 at byte ${offset}`,
    };
  }
}

/**
 * Offset of the first byte that does not start a well-formed UTF-8 sequence (overlong forms,
 * surrogates and code points past U+10FFFF included, as the WHATWG decoder refuses them).
 *
 * @param bytes The bytes.
 * @returns The offset (where a sequence starts when the bytes end inside it), or `bytes.length`
 *   when all are well formed.
 */
export function invalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      i++;
      continue;
    }
    // The allowed range of the second byte depends on the first (Unicode Table 3-7).
    let need: number, lo = 0x80, hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined) return i;
      if (k === 1 ? c < lo || c > hi : c < 0x80 || c > 0xbf) return i;
    }
    i += need + 1;
  }
  return bytes.length;
}
