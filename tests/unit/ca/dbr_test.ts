import assert from "node:assert/strict";
import { align8 } from "../../../mod/ca/protocol/header.ts";
import {
  DBR_LAYOUTS,
  dbrLayout,
  dbrSize,
  type DbrSource,
  decodeDbrValues,
  encodeDbr,
} from "../../../mod/ca/protocol/dbr.ts";
import { ECA_BADCOUNT, ECA_BADTYPE } from "../../../mod/ca/protocol/status.ts";

// ca-protocol.md §5.2: [code, base, voff, vsz, align8 of one element]
const TABLE: [number, number, number, number, number][] = [
  [0, 40, 0, 40, 40],
  [1, 2, 0, 2, 8],
  [2, 4, 0, 4, 8],
  [3, 2, 0, 2, 8],
  [4, 1, 0, 1, 8],
  [5, 4, 0, 4, 8],
  [6, 8, 0, 8, 8],
  [7, 44, 4, 40, 48],
  [8, 6, 4, 2, 8],
  [9, 8, 4, 4, 8],
  [10, 6, 4, 2, 8],
  [11, 6, 5, 1, 8],
  [12, 8, 4, 4, 8],
  [13, 16, 8, 8, 16],
  [14, 52, 12, 40, 56],
  [15, 16, 14, 2, 16],
  [16, 16, 12, 4, 16],
  [17, 16, 14, 2, 16],
  [18, 16, 15, 1, 16],
  [19, 16, 12, 4, 16],
  [20, 24, 16, 8, 24],
  [21, 44, 4, 40, 48],
  [22, 26, 24, 2, 32],
  [23, 44, 40, 4, 48],
  [24, 424, 422, 2, 424],
  [25, 20, 19, 1, 24],
  [26, 40, 36, 4, 40],
  [27, 72, 64, 8, 72],
  [28, 44, 4, 40, 48],
  [29, 30, 28, 2, 32],
  [30, 52, 48, 4, 56],
  [31, 424, 422, 2, 424],
  [32, 22, 21, 1, 24],
  [33, 48, 44, 4, 48],
  [34, 88, 80, 8, 88],
  [35, 2, 0, 2, 8],
  [36, 2, 0, 2, 8],
  [37, 48, 8, 40, 48],
  [38, 40, 0, 40, 40],
];

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

const AI: DbrSource = {
  nativeType: 6,
  values: [1.23],
  status: 0,
  severity: 0,
  secPastEpoch: 0x45687ec3,
  nsec: 0x1640fd11,
  units: "mbar",
  precision: 2,
  stringPrecision: 2,
  limits: [10, -10, 8, 5, -5, -8, 10, -10],
  enumStrings: [],
  className: "ai",
};

function encode(type: number, n: number, src: DbrSource): string {
  const layout = dbrLayout(type)!;
  const bytes = new Uint8Array(align8(dbrSize(layout, n)) + 8).fill(0xee);
  const size = encodeDbr(bytes, 0, { layout, n }, src);
  assert.ok(size >= 0);
  return hex(bytes.subarray(0, size));
}

Deno.test("DBR_LAYOUTS has the size and value offset of every type 0..38", () => {
  assert.equal(DBR_LAYOUTS.length, 39);
  for (const [code, base, voff, vsz, a8] of TABLE) {
    const l = dbrLayout(code)!;
    assert.deepEqual([l.base, l.voff, l.vsz, align8(dbrSize(l, 1))], [base, voff, vsz, a8], l.name);
  }
});

// Golden payloads from 02-caget-dbr-types.txt (RSRV's stale pad bytes replaced by zeros).
Deno.test("encodeDbr() renders captured payloads byte for byte", () => {
  assert.equal(
    encode(34, 1, AI),
    "00000000000200006d626172000000004024000000000000c02400000000000040200000000000004014000000000000c014000000000000c0200000000000004024000000000000c0240000000000003ff3ae147ae147ae",
  );
  assert.equal(
    encode(27, 1, AI),
    "00000000000200006d626172000000004024000000000000c02400000000000040200000000000004014000000000000c014000000000000c0200000000000003ff3ae147ae147ae",
  );
  assert.equal(encode(20, 1, AI), "0000000045687ec31640fd11000000003ff3ae147ae147ae");
  assert.equal(encode(7, 1, AI), "00000000312e3233" + "00".repeat(40));
  assert.equal(encode(38, 1, AI), "6169" + "00".repeat(38));
  assert.equal(encode(37, 1, AI), "0000000000010000312e3233" + "00".repeat(36));
  const mbbo: DbrSource = {
    ...AI,
    nativeType: 3,
    values: [0],
    units: "",
    precision: 0,
    enumStrings: ["Stop", "Run", "Reset"],
  };
  const slot = (s: string) => hex(new TextEncoder().encode(s)) + "00".repeat(26 - s.length);
  assert.equal(
    encode(31, 1, mbbo),
    "000000000003" + slot("Stop") + slot("Run") + slot("Reset") + "00".repeat(13 * 26) + "0000",
  );
  assert.equal(encode(15, 1, mbbo), "0000000045687ec31640fd1100000000");
  assert.equal(encode(14, 1, mbbo), "0000000045687ec31640fd1153746f70" + "00".repeat(40));
  const long: DbrSource = {
    ...AI,
    nativeType: 5,
    values: [42],
    units: "cnt",
    precision: 0,
    limits: [100, 0, 0, 0, 0, 0, 1000, -1000],
  };
  assert.equal(
    encode(33, 1, long),
    "00000000636e740000000000000000640000000000000000000000000000000000000000000003e8fffffc180000002a",
  );
});

Deno.test("encodeDbr() encodes every readable type for every native type", () => {
  const natives: DbrSource[] = [
    { ...AI, nativeType: 0, values: ["12.5"] },
    { ...AI, nativeType: 1, values: [-3] },
    { ...AI, nativeType: 2, values: [Math.fround(2.5)] },
    { ...AI, nativeType: 3, values: [1], enumStrings: ["A", "B"] },
    { ...AI, nativeType: 4, values: [200] },
    { ...AI, nativeType: 5, values: [70000] },
    AI,
  ];
  for (const src of natives) {
    for (const layout of DBR_LAYOUTS) {
      if (!layout.readable) continue;
      const bytes = new Uint8Array(512);
      const size = encodeDbr(bytes, 0, { layout, n: 1 }, src);
      assert.equal(size, align8(layout.base), `${layout.name} of native ${src.nativeType}`);
    }
  }
});

Deno.test("encodeDbr() zero-fills elements beyond the current length and all padding", () => {
  const wf: DbrSource = { ...AI, values: [1.5, 2.5, 3.5] };
  const out = encode(20, 4, wf);
  assert.equal(out.length / 2, 16 + 32);
  assert.equal(out.slice(-16), "0000000000000000");
  assert.equal(out.slice(24, 32), "00000000");
});

Deno.test("decodeDbrValues() reads values of every writable type", () => {
  for (const layout of DBR_LAYOUTS) {
    if (!layout.writable) continue;
    const src: DbrSource = layout.valueType === 0
      ? { ...AI, nativeType: 0, values: ["7", "8"] }
      : { ...AI, nativeType: layout.valueType, values: [7, 8] };
    const bytes = new Uint8Array(align8(dbrSize(layout, 2)));
    assert.ok(encodeDbr(bytes, 0, { layout, n: 2 }, src) > 0);
    const want = layout.valueType === 0 ? ["7", "8"] : [7, 8];
    assert.deepEqual(decodeDbrValues(bytes, { type: layout.code, count: 2 }), want, layout.name);
  }
  assert.deepEqual(
    decodeDbrValues(new TextEncoder().encode("1.5\0\0\0\0\0"), { type: 0, count: 1 }),
    [
      "1.5",
    ],
  );
  assert.equal(decodeDbrValues(new Uint8Array(8), { type: 6, count: 2 }), ECA_BADCOUNT);
  assert.equal(decodeDbrValues(new Uint8Array(8), { type: 38, count: 1 }), ECA_BADTYPE);
  assert.equal(decodeDbrValues(new Uint8Array(8), { type: 99, count: 1 }), ECA_BADTYPE);
});
