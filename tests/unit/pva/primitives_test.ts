/** Sizes and strings (§2.2, §2.3), BitSet (§2.8) and Status (§2.10). */
import assert from "node:assert/strict";
import {
  BitSet,
  errorStatus,
  isSuccess,
  LocalProtocolError,
  PvaReader,
  PvaWriter,
  readBitSet,
  readStatus,
  RemoteProtocolError,
  STATUS_OK,
  writeBitSet,
  writeStatus,
} from "../../../mod/pva/protocol/mod.ts";
import { hex, toHex } from "./_capture.ts";

function written(f: (w: PvaWriter) => void, littleEndian = true): string {
  const w = new PvaWriter({ littleEndian, initialSize: 1 });
  f(w);
  return toHex(w.finish());
}

Deno.test("PvaWriter.size() uses one byte below 254 and 0xFE + u32 from 254", () => {
  assert.equal(written((w) => w.size(0)), "00");
  assert.equal(written((w) => w.size(253)), "fd");
  assert.equal(written((w) => w.size(254)), "fefe000000");
  assert.equal(written((w) => w.size(100000)), "fea0860100"); // 09b: the 100000-element array
  assert.equal(written((w) => w.size(100000), false), "fe000186a0");
  assert.equal(written((w) => w.size(-1)), "ff");
  assert.throws(() => written((w) => w.size(-2)), LocalProtocolError);
});

Deno.test("PvaReader.size() reads all three forms in the message byte order", () => {
  assert.equal(new PvaReader(hex("fd")).size(), 253);
  assert.equal(new PvaReader(hex("fea0860100")).size(), 100000);
  assert.equal(new PvaReader(hex("fe000186a0"), { littleEndian: false }).size(), 100000);
  assert.equal(new PvaReader(hex("ff")).size(), -1);
  assert.throws(() => new PvaReader(hex("fea086")).size(), RemoteProtocolError);
});

Deno.test("PvaWriter.string() and PvaReader.string() handle empty, UTF-8 and long strings", () => {
  assert.equal(written((w) => w.string("")), "00");
  assert.equal(written((w) => w.string("tcp")), "03746370");
  assert.equal(written((w) => w.string("µ")), "02c2b5");
  const long = "x".repeat(300);
  const bytes = hex(written((w) => w.string(long)));
  assert.equal(toHex(bytes.subarray(0, 5)), "fe2c010000");
  assert.equal(new PvaReader(bytes).string(), long);
  assert.equal(new PvaReader(hex("02c2b5")).string(), "µ");
  // pvAccessJava may send a null string: read as "".
  assert.equal(new PvaReader(hex("ff")).string(), "");
  assert.throws(() => new PvaReader(hex("0561")).string(), RemoteProtocolError);
});

Deno.test("PvaReader.count() refuses counts larger than the rest of the message", () => {
  assert.throws(() => new PvaReader(hex("fe00000001")).count("x"), RemoteProtocolError);
  assert.throws(() => new PvaReader(hex("ff")).count("x"), RemoteProtocolError);
  assert.equal(new PvaReader(hex("0161")).count("x"), 1);
});

Deno.test("readBitSet() decodes the captured BitSets", () => {
  const bits = (h: string) => readBitSet(new PvaReader(hex(h))).toString();
  assert.equal(bits("02ec2e"), "{2,3,5,6,7,9,10,11,13}"); // 02a
  assert.equal(bits("04ba7b361e"), "{1,3,4,5,7,8,9,11,12,13,14,17,18,20,21,25,26,27,28}"); // 02b
  assert.equal(bits("0102"), "{1}");
  assert.equal(bits("028203"), "{1,7,8,9}"); // 04a counter update
  assert.equal(bits("00"), "{}");
});

Deno.test("writeBitSet() drops trailing zero bytes and writes full 8-byte groups as u64", () => {
  assert.equal(written((w) => writeBitSet(w, BitSet.of(1))), "0102");
  assert.equal(written((w) => writeBitSet(w, new BitSet())), "00");
  assert.equal(written((w) => writeBitSet(w, BitSet.of(1, 3, 40).clear(40))), "010a");
  // Bits 0 and 70: one full group (bytes 0–7) and one partial byte.
  const s = BitSet.of(0, 70);
  assert.equal(written((w) => writeBitSet(w, s)), "09010000000000000040");
  assert.equal(written((w) => writeBitSet(w, s), false), "09000000000000000140");
  const back = readBitSet(new PvaReader(hex("09000000000000000140"), { littleEndian: false }));
  assert.ok(back.equals(s));
});

Deno.test("BitSet set operations", () => {
  const a = BitSet.of(1, 2, 33, 64);
  assert.deepEqual([...a], [1, 2, 33, 64]);
  assert.equal(a.nextSetBit(3), 33);
  assert.equal(a.nextSetBit(65), -1);
  assert.ok(a.has(64) && !a.has(63));
  assert.equal(a.and(BitSet.of(2, 64, 90)).toString(), "{2,64}");
  assert.equal(BitSet.of(5).orInPlace(BitSet.of(40)).toString(), "{5,40}");
  assert.equal(new BitSet().setRange(3, 6).toString(), "{3,4,5}");
  assert.ok(BitSet.of(3).clone().equals(BitSet.of(3)));
  assert.ok(new BitSet().empty && !BitSet.of(0).empty);
  assert.throws(() => new BitSet().set(-1), LocalProtocolError);
});

Deno.test("writeStatus() writes OK as 0xFF and others with message and stack", () => {
  assert.equal(written((w) => writeStatus(w, STATUS_OK)), "ff");
  // 07c: CREATE_CHANNEL of an unknown name.
  const fatal =
    "03195265667573656420746f20637265617465204368616e6e656c147076783a736572763a7265667573656368616e3a";
  assert.equal(
    written((w) =>
      writeStatus(w, {
        type: "fatal",
        message: "Refused to create Channel",
        stack: "pvx:serv:refusechan:",
      })
    ),
    fatal,
  );
  assert.deepEqual(readStatus(new PvaReader(hex(fatal))), {
    type: "fatal",
    message: "Refused to create Channel",
    stack: "pvx:serv:refusechan:",
  });
  assert.equal(written((w) => writeStatus(w, errorStatus("x"))), "02017800");
  assert.ok(isSuccess(STATUS_OK) && isSuccess({ type: "warning", message: "w" }));
  assert.ok(!isSuccess(errorStatus("x")));
  assert.throws(() => readStatus(new PvaReader(hex("070000"))), RemoteProtocolError);
});
