import assert from "node:assert/strict";
import {
  lastLineValue,
  LineBuffer,
  logWaveformValue,
  MAX_LINE_BYTES,
  truncateUtf8,
} from "../../../mod/manager/log_lines.ts";

const bytes = (text: string) => new TextEncoder().encode(text);
const utf8Length = (text: string) => bytes(text).length;

Deno.test("LineBuffer keeps the last lines, split anywhere between chunks", () => {
  const text = Array.from({ length: 30 }, (_, i) => `line ${i} é€😀`).join("\n") + "\n";
  const all = bytes(text);
  // Every split point, including within a multi-byte character.
  for (let cut = 0; cut <= all.length; cut++) {
    const buffer = new LineBuffer(5);
    buffer.push(all.subarray(0, cut));
    buffer.push(all.subarray(cut));
    assert.deepEqual(
      buffer.lines,
      [25, 26, 27, 28, 29].map((i) => `line ${i} é€😀`),
      `cut at ${cut}`,
    );
  }
});

Deno.test("LineBuffer holds an unfinished line until its newline comes", () => {
  const buffer = new LineBuffer(3);
  buffer.push(bytes("one\ntw"));
  assert.deepEqual(buffer.lines, ["one"]);
  const version = buffer.version;
  buffer.push(bytes("o"));
  assert.equal(buffer.version, version, "no new line, no change");
  buffer.push(bytes("\nthree\nfour\n"));
  assert.deepEqual(buffer.lines, ["two", "three", "four"]);
});

Deno.test("LineBuffer strips CR, ANSI escapes and control characters", () => {
  const buffer = new LineBuffer(4);
  buffer.push(bytes("dos line\r\n\x1b[1;31mred\x1b[0m text\n\x1b]0;title\x07bell\x07 tab\tkept\n"));
  buffer.push(bytes("nul\x00byte\n"));
  assert.deepEqual(buffer.lines, ["dos line", "red text", "bell tab\tkept", "nulbyte"]);
});

Deno.test("LineBuffer.resync() drops the cut line that follows", () => {
  const buffer = new LineBuffer(5);
  buffer.resync();
  buffer.push(bytes("of a line\nwhole\n"));
  assert.deepEqual(buffer.lines, ["whole"]);
  buffer.push(bytes("next\n"));
  assert.deepEqual(buffer.lines, ["whole", "next"]);
});

Deno.test("LineBuffer keeps only the end of a runaway line", () => {
  const buffer = new LineBuffer(2);
  buffer.push(bytes("x".repeat(3 * MAX_LINE_BYTES)));
  buffer.push(bytes("END\n"));
  const [line] = buffer.lines;
  assert.ok(line !== undefined && line.length <= MAX_LINE_BYTES && line.endsWith("xEND"));
});

Deno.test("truncateUtf8() cuts between characters so the bytes fit", () => {
  assert.equal(truncateUtf8("short", 39), "short");
  assert.equal(truncateUtf8("a".repeat(50), 39), "a".repeat(39));
  const mixed = "é€😀".repeat(10);
  for (let max = 0; max <= 40; max++) {
    const cut = truncateUtf8(mixed, max);
    assert.ok(utf8Length(cut) <= max, `max ${max}`);
    assert.ok(mixed.startsWith(cut) && !cut.includes("\uFFFD"), `max ${max}`);
    assert.ok(utf8Length(cut) > max - 4, `max ${max}: no more cut than one character`);
  }
});

Deno.test("lastLineValue() is the newest line within an EPICS STRING", () => {
  assert.equal(lastLineValue([]), "");
  assert.equal(lastLineValue(["old", "new"]), "new");
  const value = lastLineValue(["€".repeat(20)]);
  assert.equal(value, "€".repeat(13));
  assert.equal(utf8Length(value), 39);
});

Deno.test("logWaveformValue() joins the newest lines within NELM, NUL-terminated", () => {
  const text = (value: number[]) => {
    assert.equal(value.at(-1), 0);
    return new TextDecoder().decode(new Uint8Array(value.slice(0, -1)));
  };
  assert.deepEqual(logWaveformValue([], 10), [0]);
  assert.equal(text(logWaveformValue(["a", "bb", "ccc"], 100)), "a\nbb\nccc");
  // "a\nbb\nccc" is 8 bytes: NELM 9 holds it with its NUL; with less, the oldest lines go first.
  assert.equal(text(logWaveformValue(["a", "bb", "ccc"], 9)), "a\nbb\nccc");
  assert.equal(text(logWaveformValue(["a", "bb", "ccc"], 7)), "bb\nccc");
  assert.equal(text(logWaveformValue(["a", "bb", "ccc"], 6)), "ccc");
  // A newest line longer than the array keeps its end, from a character start.
  const long = logWaveformValue(["é".repeat(10)], 6);
  assert.ok(long.length <= 6);
  assert.equal(text(long), "éé");
});

Deno.test("lastLineValue() drops the timestamp the log filter put in front", () => {
  assert.equal(lastLineValue(["[2026-12-01T14:03:07+0000] iocInit done"]), "iocInit done");
  assert.equal(lastLineValue(["[not a stamp] x"]), "[not a stamp] x");
});
