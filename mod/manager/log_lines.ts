/**
 * The last lines of an IOC's output, for the `_log` and `_lastline` PVs: bytes in as they are
 * read (a chunk may end within a line or within a UTF-8 character), clean lines out, and the
 * two PV values made from them within their EPICS sizes.
 *
 * Only the lines that can still be shown are decoded: a writer printing 10,000 lines between two
 * looks costs one backwards scan for newlines, not 10,000 decodes.
 *
 * @module
 */
import { stripStamp } from "../supervisor/log_stamp.ts";

const NEWLINE = 10;
/** A line longer than this keeps only its end (a runaway writer cannot grow our memory). */
export const MAX_LINE_BYTES = 4096;
/** `_lastline` holds this many bytes (an EPICS STRING is 40 bytes with its NUL). */
export const LAST_LINE_BYTES = 39;
/** `_log` holds this many bytes per line of `general.log_lines` (its NELM is lines × this). */
export const LOG_BYTES_PER_LINE = 128;

/**
 * ANSI escape sequences: CSI (colours, cursor moves), OSC (window titles, ended by BEL or ST) and
 * two-character escapes.
 */
// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?/g;
/** Control characters left after the escapes (a NUL would end the text `caget -S` prints). */
// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/g;

/**
 * A line as shown: trailing CR, ANSI escapes and other control characters (tab excepted) removed.
 *
 * @param line One line of output, without its newline.
 * @returns The clean text.
 */
export function cleanLine(line: string): string {
  return line.replace(/\r+$/, "").replace(ANSI, "").replace(CONTROL, "");
}

const encoder = new TextEncoder();

/**
 * The longest start of a text whose UTF-8 form fits a number of bytes, cut between characters.
 *
 * @param text The text.
 * @param maxBytes Most UTF-8 bytes.
 * @returns `text` or its longest fitting start.
 */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (text.length <= maxBytes / 3) return text; // Fits whatever its characters are.
  const bytes = encoder.encode(text);
  if (bytes.length <= maxBytes) return text;
  let end = maxBytes;
  // Step back over continuation bytes (10xxxxxx) to the start of the character that was cut.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return new TextDecoder().decode(bytes.subarray(0, end));
}

/**
 * The `_lastline` value: the newest line without its timestamp, cut to fit an EPICS STRING.
 * The 27-byte stamp would leave 12 bytes of the message, and the PV carries its own time; `_log`
 * keeps the stamps, as the lines are written in the log.
 *
 * @param lines Lines, oldest first.
 * @returns At most {@linkcode LAST_LINE_BYTES} UTF-8 bytes.
 */
export function lastLineValue(lines: readonly string[]): string {
  return truncateUtf8(stripStamp(lines.at(-1) ?? ""), LAST_LINE_BYTES);
}

/**
 * The `_log` value: the newest lines joined with "\n" as UTF-8 bytes, NUL-terminated, within
 * `nelm` bytes. Older lines are dropped first; a newest line longer than the array keeps its end.
 *
 * @param lines Lines, oldest first.
 * @param nelm The array's element count (≥ 1).
 * @returns The bytes, at most `nelm` of them, the last one 0.
 */
export function logWaveformValue(lines: readonly string[], nelm: number): number[] {
  const room = nelm - 1;
  const parts: Uint8Array[] = [];
  let used = 0;
  for (let i = lines.length - 1; i >= 0; i--) {
    const bytes = encoder.encode(lines[i]);
    const need = bytes.length + (parts.length > 0 ? 1 : 0);
    if (used + need > room) {
      if (parts.length === 0) parts.push(utf8Tail(bytes, room));
      break;
    }
    parts.push(bytes);
    used += need;
  }
  const out: number[] = [];
  for (let i = parts.length - 1; i >= 0; i--) {
    for (const b of parts[i]!) out.push(b);
    if (i > 0) out.push(NEWLINE);
  }
  out.push(0);
  return out;
}

/** The last `maxBytes` or fewer bytes of UTF-8 text, starting on a character. */
function utf8Tail(bytes: Uint8Array, maxBytes: number): Uint8Array {
  if (bytes.length <= maxBytes) return bytes;
  let start = bytes.length - maxBytes;
  while (start < bytes.length && (bytes[start]! & 0xc0) === 0x80) start++;
  return bytes.subarray(start);
}

/** Keeps the last lines of a byte stream fed in chunks. */
export class LineBuffer {
  #max: number;
  #lines: string[] = [];
  #partial: Uint8Array = new Uint8Array(0);
  #skipFirst = false;
  #decoder = new TextDecoder();
  #version = 0;

  /** @param maxLines How many lines to keep (≥ 1). */
  constructor(maxLines: number) {
    this.#max = Math.max(1, maxLines);
  }

  /** The kept lines, oldest first, clean ({@linkcode cleanLine}). */
  get lines(): readonly string[] {
    return this.#lines;
  }

  /** Grows each time lines are added, so a reader sees whether anything changed. */
  get version(): number {
    return this.#version;
  }

  /** Forget every line (the stream that follows does not continue them). */
  clear(): void {
    this.#lines = [];
    this.#partial = new Uint8Array(0);
    this.#version++;
  }

  /**
   * The stream goes on elsewhere: drop the unfinished line held.
   *
   * @param withinLine Reading resumes within a line: drop the first line that follows too, which
   *   is a cut one. False when reading starts again at the start of a file.
   */
  resync(withinLine = true): void {
    this.#partial = new Uint8Array(0);
    this.#skipFirst = withinLine;
  }

  /**
   * Take the next bytes of the stream.
   *
   * @param chunk The bytes (may end within a line or a character).
   */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    let data = chunk;
    if (this.#partial.length > 0) {
      data = new Uint8Array(this.#partial.length + chunk.length);
      data.set(this.#partial);
      data.set(chunk, this.#partial.length);
    }
    const last = data.lastIndexOf(NEWLINE);
    if (last < 0) {
      this.#keepPartial(data);
      return;
    }
    // Walk back from the last newline over the lines that can still be shown.
    const fresh: string[] = [];
    let end = last;
    while (fresh.length < this.#max) {
      const start = end === 0 ? 0 : data.lastIndexOf(NEWLINE, end - 1) + 1;
      if (start === 0 && this.#skipFirst) break;
      fresh.push(this.#line(data.subarray(start, end)));
      if (start === 0) break;
      end = start - 1;
    }
    this.#skipFirst = false;
    fresh.reverse();
    const keep = this.#max - fresh.length;
    this.#lines = keep > 0 ? [...this.#lines.slice(-keep), ...fresh] : fresh;
    this.#version++;
    this.#keepPartial(data.subarray(last + 1));
  }

  #line(bytes: Uint8Array): string {
    const cut = bytes.length > MAX_LINE_BYTES
      ? bytes.subarray(bytes.length - MAX_LINE_BYTES)
      : bytes;
    return cleanLine(this.#decoder.decode(cut));
  }

  #keepPartial(rest: Uint8Array): void {
    // Copy: `rest` may be a view of the reader's buffer, which the next read overwrites.
    this.#partial = rest.length > MAX_LINE_BYTES
      ? rest.slice(rest.length - MAX_LINE_BYTES)
      : rest.slice();
  }
}
