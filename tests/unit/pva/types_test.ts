/**
 * Type descriptions with the introspection cache (§2.5, §2.6), full values (§2.7) and partial
 * values (§2.9), with bytes from the captures.
 */
import assert from "node:assert/strict";
import {
  BitSet,
  changedBits,
  credentials,
  decodeHeader,
  decodeMessage,
  defaultValue,
  encodeFieldDesc,
  fieldIndex,
  leafBits,
  ntEnum,
  ntScalar,
  PvaReader,
  PvaWriter,
  readFieldDesc,
  readPartial,
  readTyped,
  readValue,
  RemoteProtocolError,
  scalar,
  scalarArray,
  structure,
  type StructValue,
  typeAt,
  TypeCache,
  type TypedValue,
  union,
  writePartial,
  writeTyped,
  writeValue,
} from "../../../mod/pva/protocol/mod.ts";
import { hex, pick, toHex } from "./_capture.ts";

Deno.test("writeFieldDesc() encodes alarm_t as QSRV2 sends it", () => {
  const alarm = structure("alarm_t", {
    severity: scalar("int"),
    status: scalar("int"),
    message: scalar("string"),
  });
  assert.equal(
    toHex(encodeFieldDesc(alarm)),
    "8007616c61726d5f7403087365766572697479220673746174757322076d65737361676560",
  );
  assert.equal(toHex(encodeFieldDesc(null)), "ff");
  assert.equal(toHex(encodeFieldDesc(scalarArray("string"))), "68");
  assert.equal(toHex(encodeFieldDesc(scalarArray("boolean"))), "08");
});

Deno.test("readFieldDesc() resolves pvAccessCPP's nested cache definitions (08c)", () => {
  const m = pick("08-pvacpp-tools.txt", "08c", "C->S", "GET");
  const cache = new TypeCache();
  const r = new PvaReader(m.payload.subarray(9), { cache });
  const req = readTyped(r);
  assert.equal(r.remaining, 0);
  assert.deepEqual(req.type, {
    kind: "structure",
    id: "",
    fields: [{
      name: "field",
      type: structure("", { value: structure("", {}), alarm: structure("", {}) }),
    }],
  });
  assert.deepEqual(req.value, { field: { value: {}, alarm: {} } });
  assert.equal(cache.size, 3); // keys 4, 3, 2
  // A later "fe 0200" on the same connection is the whole request again.
  assert.deepEqual(readFieldDesc(new PvaReader(hex("fe0200"), { cache })), req.type);
});

Deno.test("readFieldDesc() refuses cache entries without a cache and unknown keys", () => {
  assert.throws(() => readFieldDesc(new PvaReader(hex("fe0200"))), RemoteProtocolError);
  assert.throws(
    () => readFieldDesc(new PvaReader(hex("fe0900"), { cache: new TypeCache() })),
    RemoteProtocolError,
  );
  // Bounded and fixed arrays (0x10/0x18 set) are refused, as pvxs does.
  assert.throws(() => readFieldDesc(new PvaReader(hex("5305"))), RemoteProtocolError);
  // Nesting bombs end with an error, not a stack overflow.
  const deep = new Uint8Array(3 * 200).fill(0);
  for (let i = 0; i < 200; i++) deep.set([0x88], i);
  assert.throws(() => readFieldDesc(new PvaReader(deep)), RemoteProtocolError);
});

Deno.test("credentials() reads pvAccessCPP's cached ca credentials and pvxs's empty ones", () => {
  const cpp = pick("07-handshake.txt", "07b", "C->S", "CONNECTION_VALIDATION");
  const cache = new TypeCache();
  const m = decodeMessage({ header: decodeHeader(cpp.hdr)!, payload: cpp.payload }, { cache });
  assert.equal(m.kind, "ValidationReply");
  if (m.kind !== "ValidationReply") return;
  assert.equal(m.receiveBufferSize, 3939840);
  assert.deepEqual(credentials(m), { user: "root", host: "vm" });
  assert.equal(cache.size, 1);
  const pvxs = pick("07-handshake.txt", "07a", "C->S", "CONNECTION_VALIDATION");
  const p = decodeMessage({ header: decodeHeader(pvxs.hdr)!, payload: pvxs.payload });
  assert.ok(p.kind === "ValidationReply");
  assert.deepEqual(credentials(p), { user: "", host: "" });
});

Deno.test("writeValue() and readValue() round-trip every kind of type", () => {
  const inner = structure("pt", { x: scalar("double"), tag: scalar("string") });
  const type = structure("all", {
    b: scalar("boolean"),
    i8: scalar("byte"),
    u8: scalar("ubyte"),
    i16: scalar("short"),
    u16: scalar("ushort"),
    i32: scalar("int"),
    u32: scalar("uint"),
    i64: scalar("long"),
    u64: scalar("ulong"),
    f: scalar("float"),
    d: scalar("double"),
    s: scalar("string"),
    ad: scalarArray("double"),
    ai: scalarArray("int"),
    as: scalarArray("string"),
    ab: scalarArray("boolean"),
    u: union("", { n: scalar("int"), t: scalar("string") }),
    nu: union("", { n: scalar("int") }),
    a: { kind: "any" },
    na: { kind: "any" },
    sa: { kind: "structureArray", element: inner },
    ua: { kind: "unionArray", element: union("", { n: scalar("int") }) },
    aa: { kind: "anyArray" },
  });
  const value = {
    b: true,
    i8: -2,
    u8: 250,
    i16: -300,
    u16: 65000,
    i32: -70000,
    u32: 4000000000,
    i64: -(2n ** 40n),
    u64: 2n ** 63n,
    f: 1.5,
    d: Math.PI,
    s: "héllo",
    ad: new Float64Array([1.5, 2.5]),
    ai: new Int32Array([-1, 7]),
    as: ["a", ""],
    ab: [true, false],
    u: { member: "t", value: "x" },
    nu: { member: null, value: null },
    a: { type: scalar("short"), value: 12 },
    na: { type: null, value: null },
    sa: [{ x: 1, tag: "p" }, null],
    ua: [{ member: "n", value: 3 }, null],
    aa: [{ type: scalar("string"), value: "z" }, null],
  };
  for (const littleEndian of [true, false]) {
    const w = new PvaWriter({ littleEndian });
    writeValue(w, type, value);
    const back = readValue(new PvaReader(w.finish(), { littleEndian }), type);
    assert.deepEqual(back, value);
  }
});

Deno.test("writeTyped() and readTyped() carry type and value; the NULL type has no value", () => {
  const tv: TypedValue = { type: structure("", { user: scalar("string") }), value: { user: "u" } };
  const w = new PvaWriter();
  writeTyped(w, tv);
  writeTyped(w, { type: null, value: null });
  const r = new PvaReader(w.finish());
  assert.deepEqual(readTyped(r), tv);
  assert.deepEqual(readTyped(r), { type: null, value: null });
  assert.equal(r.remaining, 0);
});

Deno.test("readValue() refuses array counts larger than the message", () => {
  assert.throws(
    () => readValue(new PvaReader(hex("fe00010000")), scalarArray("double")),
    RemoteProtocolError,
  );
  assert.throws(
    () => readValue(new PvaReader(hex("05")), union("", { n: scalar("int") })),
    RemoteProtocolError,
  );
});

Deno.test("defaultValue() and typeAt() follow the type", () => {
  assert.deepEqual(defaultValue(ntEnum()), {
    value: { index: 0, choices: [] },
    alarm: { severity: 0, status: 0, message: "" },
    timeStamp: { secondsPastEpoch: 0n, nanoseconds: 0, userTag: 0 },
    display: { description: "" },
  });
  assert.deepEqual(typeAt(ntEnum(), "value.choices"), scalarArray("string"));
  assert.equal(typeAt(ntEnum(), "value.nope"), undefined);
});

Deno.test("fieldIndex() numbers NTEnum and NTScalar as §5.2 lists", () => {
  const e = fieldIndex(ntEnum());
  assert.deepEqual(
    e.entries.map((x) => `${x.bit}:${x.path}`),
    [
      "0:",
      "1:value",
      "2:value.index",
      "3:value.choices",
      "4:alarm",
      "5:alarm.severity",
      "6:alarm.status",
      "7:alarm.message",
      "8:timeStamp",
      "9:timeStamp.secondsPastEpoch",
      "10:timeStamp.nanoseconds",
      "11:timeStamp.userTag",
      "12:display",
      "13:display.description",
    ],
  );
  const s = fieldIndex(ntScalar("double"));
  assert.equal(s.count, 34);
  assert.equal(s.bitOf("display.form.choices"), 18);
  assert.equal(s.bitOf("valueAlarm.hysteresis"), 33);
  assert.equal(s.byPath("display")!.end, 19);
  assert.throws(() => s.bitOf("nope"), RangeError);
  assert.equal(fieldIndex(ntEnum()), e); // cached per type object
  assert.equal(leafBits(ntEnum()).toString(), "{2,3,5,6,7,9,10,11,13}");
});

Deno.test("readPartial() decodes the 02a GET reply of CAP:CTRL and writePartial() rebuilds it", () => {
  const m = pick("02-pvxget.txt", "02a", "S->C", "GET", 1);
  const r = new PvaReader(m.payload.subarray(6)); // ioid, subcmd, status
  const p = readPartial(r, ntEnum());
  assert.equal(r.remaining, 0);
  assert.equal(p.bits.toString(), "{2,3,5,6,7,9,10,11,13}");
  assert.deepEqual(p.value["value"], { index: 1, choices: ["Stop", "Run", "Reset"] });
  const w = new PvaWriter();
  writePartial(w, p);
  assert.equal(toHex(w.finish()), toHex(m.payload.subarray(6)));
});

Deno.test("writePartial() writes a marked structure whole and skips its children's bits", () => {
  const type = ntEnum();
  const value = {
    value: { index: 2, choices: ["a"] },
    alarm: { severity: 1, status: 1, message: "STATE" },
  };
  const w = new PvaWriter();
  // bit 4 (alarm) with its child 5 also set: alarm is written once, whole.
  writePartial(w, { type, bits: BitSet.of(2, 4, 5), value });
  const bytes = w.finish();
  assert.equal(toHex(bytes), "0134" + "02000000" + "01000000" + "01000000" + "055354415445");
  const back = readPartial(new PvaReader(bytes), type);
  assert.deepEqual(back.value["alarm"], value.alarm);
  assert.deepEqual((back.value["value"] as { index: number }).index, 2);
  // Bit 0: the whole structure follows.
  const all = new PvaWriter();
  writePartial(all, { type, bits: BitSet.of(0), value: defaultValue(type) as never });
  const whole = readPartial(new PvaReader(all.finish()), type);
  assert.deepEqual(whole.value, defaultValue(type));
  // A bit beyond the type is the peer's error.
  assert.throws(() => readPartial(new PvaReader(hex("030000ff")), type), RemoteProtocolError);
});

Deno.test("changedBits() marks the leaves that differ, as QSRV2's monitor updates do (04a)", () => {
  const type = ntScalar("double");
  const before = defaultValue(type) as StructValue;
  const after = structuredClone(before);
  after["value"] = 86;
  after["timeStamp"] = { secondsPastEpoch: 1796131414n, nanoseconds: 660662895, userTag: 0 };
  // The captured update marks {1,7,8,9}: QSRV2 rewrites the whole time stamp; the diff is exact.
  assert.equal(changedBits(type, before, after).toString(), "{1,7,8}");
  assert.ok(changedBits(type, before, structuredClone(before)).empty);
  const withNaN = { ...before, value: NaN };
  assert.ok(changedBits(type, withNaN, { ...withNaN }).empty);
  const display = before["display"] as StructValue;
  const choices = { ...before, display: { ...display, form: { index: 0, choices: ["a"] } } };
  assert.equal(changedBits(type, before, choices).toString(), "{18}");
});
