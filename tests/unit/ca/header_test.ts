import assert from "node:assert/strict";
import { decodeHeader, encodeHeader, needsExtended } from "../../../mod/ca/protocol/header.ts";

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

// Golden headers from ca-captures (01a READ_NOTIFY reply, 09 CREATE_CHAN reply and reply data).
const FIXTURES = [
  {
    hex: "000f0018001400010000000100000001",
    h: { cmd: 15, size: 24, type: 20, count: 1, p1: 1, p2: 1 },
  },
  {
    hex: "0012ffff000400000000000100000000000000000000ffff",
    h: { cmd: 18, size: 0, type: 4, count: 65535, p1: 1, p2: 0 },
  },
  {
    hex: "000fffff001200000000000100000001000100100000ffff",
    h: { cmd: 15, size: 65552, type: 18, count: 65535, p1: 1, p2: 1 },
  },
  {
    hex: "0006000861e80000ffffffff00000001",
    h: { cmd: 6, size: 8, type: 25064, count: 0, p1: 0xffffffff, p2: 1 },
  },
];

Deno.test("encodeHeader() matches captured headers byte for byte", () => {
  for (const f of FIXTURES) assert.equal(hex(encodeHeader(f.h)), f.hex);
});

Deno.test("decodeHeader() reads captured headers including the extended form", () => {
  for (const f of FIXTURES) {
    const bytes = Uint8Array.from(f.hex.match(/../g)!.map((x) => parseInt(x, 16)));
    const { headerSize, ...h } = decodeHeader(bytes)!;
    assert.deepEqual(h, f.h);
    assert.equal(headerSize, bytes.length);
    assert.equal(decodeHeader(bytes.subarray(0, bytes.length - 1)), undefined);
  }
});

Deno.test("encodeHeader() uses the extended form at 0xffff", () => {
  assert.equal(needsExtended(0xfff8, 1), false);
  assert.equal(needsExtended(0x10000, 1), true);
  assert.equal(needsExtended(0, 0xfffe), false);
  assert.equal(needsExtended(0, 0xffff), true);
  assert.equal(encodeHeader({ cmd: 1, size: 0, type: 0, count: 0xfffe, p1: 0, p2: 0 }).length, 16);
  assert.equal(encodeHeader({ cmd: 1, size: 0, type: 0, count: 0xffff, p1: 0, p2: 0 }).length, 24);
});
