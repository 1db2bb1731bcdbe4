/**
 * Header, flags, control messages, the TCP frame splitter (captured streams split at every
 * offset), UDP datagram splitting and segment reassembly (pvput's segmented 800 kB PUT, 09a).
 */
import assert from "node:assert/strict";
import {
  decodeHeader,
  decodeMessage,
  encodeHeader,
  encodeMessage,
  type Frame,
  FrameSplitter,
  type Header,
  ntScalarArray,
  RemoteProtocolError,
  SegmentAssembler,
  splitDatagram,
} from "../../../mod/pva/protocol/mod.ts";
import {
  CAPTURE_FILES,
  connections,
  datagrams,
  hex,
  readCapture,
  rebuildDoubleRun,
  toHex,
  wire,
} from "./_capture.ts";

Deno.test("decodeHeader() reads every flag combination of the captures", () => {
  const seen = new Map<string, Header>();
  for (const file of CAPTURE_FILES) {
    for (const m of readCapture(file)) seen.set(toHex(m.hdr.subarray(2, 3)), decodeHeader(m.hdr)!);
  }
  const pick = (flags: string) => {
    const h = seen.get(flags)!;
    return [h.control, h.segment, h.fromServer, h.littleEndian];
  };
  assert.deepEqual(pick("40"), [false, "none", true, true]);
  assert.deepEqual(pick("c0"), [false, "none", true, false]);
  assert.deepEqual(pick("41"), [true, "none", true, true]);
  assert.deepEqual(pick("00"), [false, "none", false, true]);
  assert.deepEqual(pick("80"), [false, "none", false, false]);
  assert.deepEqual(pick("10"), [false, "first", false, true]);
  assert.deepEqual(pick("30"), [false, "middle", false, true]);
  assert.deepEqual(pick("20"), [false, "last", false, true]);
});

Deno.test("decodeHeader() reads the size in the message's own byte order", () => {
  // 02b: the BE SEARCH_RESPONSE and a LE GET reply of 451 bytes.
  assert.equal(decodeHeader(hex("ca02c0040000002d"))!.size, 45);
  assert.equal(decodeHeader(hex("ca02400ac3010000"))!.size, 451);
  // 07e: a big-endian client on our little-endian connection.
  assert.equal(decodeHeader(hex("ca0280070000000d"))!.size, 13);
});

Deno.test("encodeHeader() writes SET_BYTE_ORDER and server headers as QSRV2 does", () => {
  assert.equal(toHex(encodeHeader({ command: 2, size: 0, control: true })), "ca02410200000000");
  assert.equal(toHex(encodeHeader({ command: 9, size: 1 })), "ca02400901000000");
  assert.equal(
    toHex(encodeHeader({ command: 4, size: 45, littleEndian: false })),
    "ca02c0040000002d",
  );
  assert.equal(
    toHex(encodeHeader({ command: 11, size: 16, segment: "first", fromServer: false })),
    "ca02100b10000000",
  );
});

Deno.test("decodeHeader() refuses a bad magic byte and version 0", () => {
  assert.throws(() => decodeHeader(hex("cb02400900000000")), RemoteProtocolError);
  assert.throws(() => decodeHeader(hex("ca00400900000000")), RemoteProtocolError);
  assert.equal(decodeHeader(hex("ca0240")), undefined);
});

Deno.test("decodeMessage() turns a control header into a Control message with its value", () => {
  const m = decodeMessage({ header: decodeHeader(hex("ca02410200000000"))!, payload: hex("") });
  assert.deepEqual(m, { kind: "Control", command: 2, value: 0 });
  const marker = decodeMessage({
    header: decodeHeader(hex("ca02010078563412"))!,
    payload: hex(""),
  });
  assert.deepEqual(marker, { kind: "Control", command: 0, value: 0x12345678 });
  assert.equal(toHex(encodeMessage(m)), "ca02410200000000");
});

/** Every TCP stream direction of the captures whose payloads are all in the text. */
function streams(): { key: string; bytes: Uint8Array; messages: Uint8Array[] }[] {
  const out = [];
  for (const file of CAPTURE_FILES) {
    for (const c of connections(readCapture(file))) {
      for (const [side, list] of [["client", c.client], ["server", c.server]] as const) {
        if (list.length === 0 || list.some((m) => m.elided > 0)) continue;
        const messages = list.map(wire);
        const bytes = new Uint8Array(messages.reduce((n, m) => n + m.length, 0));
        let at = 0;
        for (const m of messages) {
          bytes.set(m, at);
          at += m.length;
        }
        out.push({ key: `${c.key} ${side}`, bytes, messages });
      }
    }
  }
  return out;
}

Deno.test("FrameSplitter gives the same frames for a captured stream split at every offset", () => {
  let checked = 0;
  for (const s of streams()) {
    const expected = s.messages.map(toHex);
    // Every split point for short streams; for long ones every offset of the first 2 kB and a
    // stride through the rest (the splitter's state does not depend on where it is).
    const points = s.bytes.length <= 4096
      ? Array.from({ length: s.bytes.length + 1 }, (_, i) => i)
      : Array.from({ length: 2049 }, (_, i) => i).concat(
        Array.from({ length: 64 }, (_, i) => Math.floor((s.bytes.length * (i + 1)) / 65)),
      );
    for (const k of points) {
      const splitter = new FrameSplitter();
      // Payloads are valid until the next push: render each push's frames at once.
      const hex = (f: Frame) => {
        const h = encodeHeader({
          command: f.header.command,
          size: f.header.size,
          control: f.header.control,
          segment: f.header.segment,
          fromServer: f.header.fromServer,
          littleEndian: f.header.littleEndian,
        });
        return toHex(h) + toHex(f.payload);
      };
      const got = [
        ...splitter.push(s.bytes.subarray(0, k)).map(hex),
        ...splitter.push(s.bytes.subarray(k)).map(hex),
      ];
      assert.deepEqual(got, expected, `${s.key} split at ${k}`);
      assert.equal(splitter.pending, 0);
      checked++;
    }
  }
  assert.ok(checked > 10000, `${checked} splits`);
});

Deno.test("FrameSplitter takes a stream byte by byte and keeps partial input", () => {
  const s = streams().find((x) => x.messages.length > 10)!;
  const splitter = new FrameSplitter();
  let n = 0;
  for (let i = 0; i < s.bytes.length; i++) n += splitter.push(s.bytes.subarray(i, i + 1)).length;
  assert.equal(n, s.messages.length);
  assert.equal(splitter.push(hex("ca0240")).length, 0);
  assert.equal(splitter.pending, 3);
});

Deno.test("FrameSplitter refuses a payload above its limit before buffering it", () => {
  const splitter = new FrameSplitter({ maxPayload: 1000 });
  assert.throws(() => splitter.push(hex("ca02000b00350c00")), RemoteProtocolError);
  assert.throws(() => new FrameSplitter().push(hex("00112233445566778899")), RemoteProtocolError);
});

Deno.test("splitDatagram() splits a forwarded search into ORIGIN_TAG and SEARCH", () => {
  const fwd = datagrams(readCapture("02-pvxget.txt")).find((d) => d[0]!.dir === "FWD")!;
  assert.equal(fwd.length, 2);
  const bytes = new Uint8Array([...wire(fwd[0]!), ...wire(fwd[1]!)]);
  const frames = splitDatagram(bytes);
  assert.deepEqual(frames.map((f) => f.header.command), [22, 3]);
  assert.equal(toHex(frames[1]!.payload), toHex(fwd[1]!.payload));
  assert.throws(() => splitDatagram(bytes.subarray(0, bytes.length - 1)), RemoteProtocolError);
  assert.throws(() => splitDatagram(hex("ca02410200000000")), RemoteProtocolError);
});

Deno.test("SegmentAssembler reassembles pvput's segmented 800 kB array PUT (09a)", () => {
  const msgs = readCapture("09-large-array.txt").filter((m) => m.section === "09a");
  const client = msgs.filter((m) => m.dir === "C->S" && m.transport === "TCP1");
  const segs = client.filter((m) => decodeHeader(m.hdr)!.segment !== "none");
  assert.deepEqual(segs.map((m) => decodeHeader(m.hdr)!.segment), ["first", "middle", "last"]);
  const asm = new SegmentAssembler();
  const results = segs.map((m) => {
    const payload = m.elided > 0 ? rebuildDoubleRun(m)! : m.payload;
    return asm.accept({ header: decodeHeader(m.hdr)!, payload });
  });
  assert.equal(results[0], undefined);
  assert.equal(results[1], undefined);
  assert.ok(asm.open === false);
  const whole = results[2]!;
  assert.equal(whole.header.segment, "none");
  assert.equal(whole.payload.length, 16 + 800000);
  const type = ntScalarArray("double");
  const m = decodeMessage(whole, { types: () => type });
  assert.equal(m.kind, "PutExec");
  if (m.kind !== "PutExec") return;
  assert.equal(m.data!.bits.toString(), "{1}");
  const value = m.data!.value["value"] as Float64Array;
  assert.equal(value.length, 100000);
  assert.equal(value[0], 1);
  assert.equal(value[99999], 100000);
});

Deno.test("SegmentAssembler passes control messages through an open segmented message", () => {
  const asm = new SegmentAssembler();
  const seg = (flags: number, cmd: number, payload: number[]) => ({
    header: decodeHeader(new Uint8Array([0xca, 2, flags, cmd, payload.length, 0, 0, 0]))!,
    payload: new Uint8Array(payload),
  });
  assert.equal(asm.accept(seg(0x10, 11, [1, 2])), undefined);
  const ctrl = { header: decodeHeader(hex("ca02010200000000"))!, payload: hex("") };
  assert.equal(asm.accept(ctrl), ctrl);
  assert.deepEqual([...asm.accept(seg(0x20, 11, [3]))!.payload], [1, 2, 3]);
});

Deno.test("SegmentAssembler refuses the violations pvxs treats as fatal", () => {
  const seg = (flags: number, cmd: number) => ({
    header: decodeHeader(new Uint8Array([0xca, 2, flags, cmd, 1, 0, 0, 0]))!,
    payload: new Uint8Array([9]),
  });
  assert.throws(() => new SegmentAssembler().accept(seg(0x30, 11)), RemoteProtocolError);
  assert.throws(() => new SegmentAssembler().accept(seg(0x20, 11)), RemoteProtocolError);
  const twice = new SegmentAssembler();
  twice.accept(seg(0x10, 11));
  assert.throws(() => twice.accept(seg(0x10, 11)), RemoteProtocolError);
  const other = new SegmentAssembler();
  other.accept(seg(0x10, 11));
  assert.throws(() => other.accept(seg(0x20, 10)), RemoteProtocolError);
  const between = new SegmentAssembler();
  between.accept(seg(0x10, 11));
  assert.throws(() => between.accept(seg(0x00, 10)), RemoteProtocolError);
  const big = new SegmentAssembler({ maxMessage: 1 });
  big.accept(seg(0x10, 11));
  assert.throws(() => big.accept(seg(0x20, 11)), RemoteProtocolError);
});
