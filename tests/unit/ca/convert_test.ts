import assert from "node:assert/strict";
import {
  castNumber,
  convertWrite,
  enumIndexFromString,
  formatDouble,
  numberToString,
  parseDecimalBytes,
  parseNumber,
} from "../../../mod/ca/protocol/convert.ts";
import {
  DBR_CHAR,
  DBR_DOUBLE,
  DBR_ENUM,
  DBR_FLOAT,
  DBR_LONG,
  DBR_SHORT,
  DBR_STRING,
} from "../../../mod/ca/protocol/dbr.ts";

Deno.test("castNumber() truncates and clamps like a C cast with saturation", () => {
  const table: [number, number, number][] = [
    [DBR_SHORT, 1.9, 1],
    [DBR_SHORT, -1.9, -1],
    [DBR_SHORT, 70000, 32767],
    [DBR_SHORT, -70000, -32768],
    [DBR_LONG, 3e10, 2147483647],
    [DBR_CHAR, 300, 255],
    [DBR_CHAR, -1, 0],
    [DBR_ENUM, 70000, 65535],
    [DBR_LONG, NaN, 0],
    [DBR_FLOAT, 1e39, 3.4028234663852886e38],
    [DBR_FLOAT, 0.1, Math.fround(0.1)],
    [DBR_DOUBLE, 0.1, 0.1],
  ];
  for (const [t, x, want] of table) assert.equal(castNumber(t, x), want, `type ${t} of ${x}`);
});

Deno.test("formatDouble() follows the IOC's precision rules", () => {
  const table: [number, number, string][] = [
    [1.23, 2, "1.23"],
    [2.5, 0, "3"],
    [1, 6, "1.000000"],
    [-0.5, 1, "-0.5"],
    [12345678.9, 5, "12345678.900"],
    [1e17, 2, "1.00e+17"],
    [1.5, 10, "1.5000000000e+00"],
    [NaN, 2, "nan"],
    [-Infinity, 2, "-inf"],
  ];
  for (const [x, p, want] of table) assert.equal(formatDouble(x, p), want, `${x} prec ${p}`);
});

Deno.test("numberToString() maps enums to state strings and integers to decimals", () => {
  const opts = { precision: 2, enumStrings: ["Stop", "Run"] };
  assert.equal(numberToString(DBR_ENUM, 1, opts), "Run");
  assert.equal(numberToString(DBR_ENUM, 5, opts), "Illegal_Value");
  assert.equal(numberToString(DBR_LONG, 42, opts), "42");
  assert.equal(numberToString(DBR_DOUBLE, 1.234, opts), "1.23");
});

Deno.test("parseNumber() is lenient like caput's string puts", () => {
  const table: [number, string, number | undefined][] = [
    [DBR_LONG, "7", 7],
    [DBR_LONG, "1.5", 1],
    [DBR_LONG, "  3 mm", 3],
    [DBR_LONG, "", 0],
    [DBR_LONG, "abc", undefined],
    [DBR_LONG, "1e3", 1000],
    [DBR_SHORT, "40000", undefined],
    [DBR_DOUBLE, "2.5", 2.5],
    [DBR_DOUBLE, "-1e-3x", -0.001],
    [DBR_DOUBLE, ".5", 0.5],
    [DBR_DOUBLE, "inf", Infinity],
    [DBR_DOUBLE, "x1", undefined],
    [DBR_FLOAT, "1e40", undefined],
    [DBR_CHAR, "65", 65],
  ];
  for (const [t, s, want] of table) assert.equal(parseNumber(t, s), want, `type ${t} of "${s}"`);
});

/** Text as a CA string slot: the characters, then NULs (or other bytes) up to 40. */
function slot(text: string, fill = 0): Uint8Array {
  const b = new Uint8Array(40).fill(fill);
  b.set(new TextEncoder().encode(text).subarray(0, 40));
  return b;
}

Deno.test("parseDecimalBytes() gives parseNumber()'s double or hands the text back", () => {
  const texts = [
    "0.000100",
    "1",
    "-1",
    "+2.5",
    "-0",
    "0",
    "0.0",
    "1.",
    ".5",
    "-.5",
    "00012.50",
    "1e3",
    "1E-3",
    "2.5e+2",
    "1e",
    "1e+",
    "1ex",
    "3 mm",
    "12abc",
    "123456789012345",
    "1234567890123456",
    "0.1234567890123456789",
    "9007199254740993",
    "1e22",
    "1e23",
    "1e-22",
    "1e-23",
    "123e-30",
    "0e999",
    "5e400",
    "1.7976931348623157e308",
    " 1",
    "	2",
    "",
    ".",
    "-",
    "+",
    "e5",
    "inf",
    "-Infinity",
    "nan",
    "0x10",
    "1,5",
    "99999999999999.9",
    "0.30000000000000004",
    "7.0e-10",
  ];
  const rng = (n: number) => Math.floor(Math.random() * n);
  for (let i = 0; i < 3000; i++) {
    const digits = (n: number) => Array.from({ length: n }, () => "0123456789"[rng(10)]).join("");
    let t = ["", "-", "+"][rng(3)]! + digits(rng(12));
    if (rng(2)) t += "." + digits(rng(12));
    if (rng(3) === 0) t += "eE"[rng(2)]! + ["", "-", "+"][rng(3)]! + digits(rng(3));
    texts.push(t);
  }
  let fast = 0;
  for (const text of texts) {
    for (const fill of [0, 0x20, 0x41]) {
      const bytes = slot(text, fill);
      const n = parseDecimalBytes(bytes, 0, 40);
      const textRead = new TextDecoder().decode(bytes).replace(/\0.*$/s, "");
      if (n === undefined) continue;
      fast++;
      assert.ok(Object.is(n, parseNumber(DBR_DOUBLE, textRead)), `"${textRead}": ${n}`);
    }
  }
  // The plain decimals a client writes are the fast path; unusual text goes back to the caller.
  assert.ok(fast > 3000);
  for (
    const text of [" 1", "", ".", "-", "e5", "inf", "nan", "1234567890123456", "1e23", "5e400"]
  ) {
    assert.equal(parseDecimalBytes(slot(text), 0, 40), undefined, text);
  }
  assert.equal(parseDecimalBytes(slot("0.000100"), 0, 40), 0.0001);
  assert.equal(parseDecimalBytes(slot("12345"), 0, 3), 123);
});

Deno.test("enumIndexFromString() matches states first, then strict indices", () => {
  const states = ["Stop", "Run", "1"];
  assert.equal(enumIndexFromString("Run", states), 1);
  assert.equal(enumIndexFromString("1", states), 2);
  assert.equal(enumIndexFromString("0", states), 0);
  assert.equal(enumIndexFromString("3", states), undefined);
  assert.equal(enumIndexFromString("1x", states), undefined);
  assert.equal(enumIndexFromString("run", states), undefined);
});

Deno.test("convertWrite() converts client writes and refuses out-of-range enums", () => {
  const e = { nativeType: DBR_ENUM, enumStrings: ["Stop", "Run", "Reset"] };
  assert.deepEqual(convertWrite(["Reset"], { srcType: DBR_STRING, target: e }), [2]);
  assert.deepEqual(convertWrite([1], { srcType: DBR_DOUBLE, target: e }), [1]);
  assert.equal(convertWrite([3], { srcType: DBR_DOUBLE, target: e }), undefined);
  assert.equal(convertWrite(["Nope"], { srcType: DBR_STRING, target: e }), undefined);
  const l = { nativeType: DBR_LONG, enumStrings: [] };
  assert.deepEqual(convertWrite(["7", "1.5"], { srcType: DBR_STRING, target: l }), [7, 1]);
  assert.equal(convertWrite(["x"], { srcType: DBR_STRING, target: l }), undefined);
  const s = { nativeType: DBR_STRING, enumStrings: [] };
  assert.deepEqual(convertWrite([2.5], { srcType: DBR_DOUBLE, target: s }), ["2.5"]);
});
