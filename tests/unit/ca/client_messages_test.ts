/**
 * Golden bytes are the `hdr=`/`payload=` fields of tests/fixtures/ca-captures/*.txt (EPICS base
 * 7.0.8.1 caget/camonitor against softIoc on loopback, captured with tcpdump): C→S lines check our
 * encoders, S→C lines feed our decoders.
 */
import assert from "node:assert/strict";
import {
  decodeReply,
  decodeSearchReplies,
  decodeTimeValue,
  encodeSearchDatagrams,
  MAX_SEARCH_DATAGRAM,
  type Reply,
  timeTypeOf,
  writeClearChannel,
  writeCreateChan,
  writeEcho,
  writeEventAdd,
  writeEventCancel,
  writeHello,
  writeReadNotify,
  writeWrite,
} from "../../../mod/ca/protocol/client_messages.ts";
import { decodeRequest, type Request } from "../../../mod/ca/protocol/commands.ts";
import { decodeHeader } from "../../../mod/ca/protocol/header.ts";
import { OutBuffer } from "../../../mod/ca/protocol/out_buffer.ts";

function hex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, "");
  return new Uint8Array(clean.match(/../g)!.map((b) => parseInt(b, 16)));
}

function toHex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function encoded(write: (out: OutBuffer) => void): string {
  const out = new OutBuffer(64);
  write(out);
  return toHex(out.take());
}

function reply(bytes: Uint8Array): Reply {
  const h = decodeHeader(bytes)!;
  const r = decodeReply(h, bytes.subarray(h.headerSize, h.headerSize + h.size));
  assert.ok(r, `reply ${h.cmd} decodes`);
  return r;
}

/** Every request a client message encoder produced, decoded by the server's request table. */
function requests(bytes: Uint8Array): Request[] {
  const out: Request[] = [];
  let at = 0;
  while (at < bytes.length) {
    const h = decodeHeader(bytes.subarray(at))!;
    const req = decodeRequest(h, bytes.subarray(at + h.headerSize, at + h.headerSize + h.size));
    assert.ok(req, `command ${h.cmd} decodes`);
    out.push(req);
    at += h.headerSize + h.size;
  }
  return out;
}

// 01a: caget CAP:AI
const SEARCH_DATAGRAM = "000000000001000d0000000100000000" +
  "000600080005000d0000000100000001" + "4341503a41490000";
const SEARCH_REPLY = "000000000001000d0000000100000000" +
  "0006000861e80000ffffffff00000001" + "000d000000000000";
const HELLO_AND_CREATE = "000000000000000d0000000000000000" +
  "00140008000000000000000000000000" + "726f6f7400000000" +
  "00150008000000000000000000000000" + "766d000000000000" +
  "0012000800000000000000010000000d" + "4341503a41490000";
const READ_REPLY = "000f0018001400010000000100000001" +
  "0000000045687ebd1aa63058000000003ff3ae147ae147ae";

Deno.test("encodeSearchDatagrams() matches libca's search datagram", () => {
  const datagrams = encodeSearchDatagrams([{ searchId: 1, name: "CAP:AI" }], { seq: 1 });
  assert.deepEqual(datagrams.map(toHex), [SEARCH_DATAGRAM]);
});

Deno.test("encodeSearchDatagrams() starts a new datagram with VERSION at 1024 bytes", () => {
  const entries = Array.from({ length: 100 }, (_, i) => ({ searchId: i, name: `PV:NAME:${i}` }));
  const datagrams = encodeSearchDatagrams(entries, { seq: 9 });
  assert.ok(datagrams.length > 1);
  const seen: number[] = [];
  for (const d of datagrams) {
    assert.ok(d.length <= MAX_SEARCH_DATAGRAM);
    const msgs = requests(d);
    assert.deepEqual(msgs[0]!.kind, "VersionRequest");
    assert.equal(msgs[0]!.header.p1, 9);
    for (const m of msgs.slice(1)) {
      assert.equal(m.kind, "SearchRequest");
      if (m.kind === "SearchRequest") {
        assert.equal(m.name, `PV:NAME:${m.searchId}`);
        assert.equal(m.replyFlag, 5);
        seen.push(m.searchId);
      }
    }
  }
  assert.deepEqual(seen, entries.map((e) => e.searchId));
  assert.deepEqual(encodeSearchDatagrams([], { seq: 1 }), []);
});

Deno.test("writeHello() and writeCreateChan() match libca's pipelined first segment", () => {
  const bytes = encoded((out) => {
    writeHello(out, { priority: 0, user: "root", host: "vm" });
    writeCreateChan(out, { cid: 1, name: "CAP:AI" });
  });
  assert.equal(bytes, HELLO_AND_CREATE);
});

Deno.test("writeCreateChan() NUL-terminates a name whose length is a multiple of 8", () => {
  const [req] = requests(hex(encoded((out) => writeCreateChan(out, { cid: 3, name: "ABCDEFGH" }))));
  assert.equal(req!.header.size, 16);
  assert.equal(req!.kind === "CreateChanRequest" && req!.name, "ABCDEFGH");
});

Deno.test("writeReadNotify(), writeEventAdd(), writeClearChannel(), writeEcho() match captures", () => {
  assert.equal(
    encoded((out) => writeReadNotify(out, { sid: 0, ioid: 1, type: 20, count: 1 })),
    "000f000000140001" + "0000000000000001",
  );
  assert.equal(
    encoded((out) => writeEventAdd(out, { sid: 0, subid: 1, type: 20, count: 0, mask: 5 })),
    "00010010001400000000000000000001" + "00000000000000000000000000050000",
  );
  assert.equal(
    encoded((out) => writeClearChannel(out, { sid: 0, cid: 1 })),
    "000c0000000000000000000000000001",
  );
  assert.equal(encoded(writeEcho), "00170000000000000000000000000000");
});

Deno.test("client encoders round-trip through the server's request decoders", () => {
  const bytes = hex(encoded((out) => {
    writeHello(out, { priority: 5, user: "me", host: "box" });
    writeCreateChan(out, { cid: 7, name: "X:Y" });
    writeReadNotify(out, { sid: 2, ioid: 3, type: 14, count: 0 });
    writeEventAdd(out, { sid: 2, subid: 4, type: 20, count: 0, mask: 12 });
    writeEventCancel(out, { sid: 2, subid: 4, type: 20, count: 0 });
    writeWrite(out, { sid: 2, cid: 7, values: [1.5, 2.5] });
    writeWrite(out, { sid: 2, cid: 7, values: ["abc"] });
    writeClearChannel(out, { sid: 2, cid: 7 });
    writeEcho(out);
  }));
  const got = requests(bytes).map(({ header: _, ...rest }) => rest);
  assert.deepEqual(got, [
    { kind: "VersionRequest", priority: 5, minor: 13 },
    { kind: "ClientNameRequest", name: "me" },
    { kind: "HostNameRequest", name: "box" },
    { kind: "CreateChanRequest", cid: 7, minor: 13, name: "X:Y" },
    { kind: "ReadNotifyRequest", type: 14, count: 0, sid: 2, ioid: 3 },
    { kind: "EventAddRequest", type: 20, count: 0, sid: 2, subid: 4, mask: 12 },
    { kind: "EventCancelRequest", type: 20, count: 0, sid: 2, subid: 4 },
    {
      kind: "WriteRequest",
      type: 6,
      count: 2,
      sid: 2,
      cid: 7,
      payload: hex("3ff8000000000000 4004000000000000"),
    },
    {
      kind: "WriteRequest",
      type: 0,
      count: 1,
      sid: 2,
      cid: 7,
      payload: hex("616263" + "00".repeat(37)),
    },
    { kind: "ClearChannelRequest", sid: 2, cid: 7 },
    { kind: "EchoRequest", payload: new Uint8Array(0) },
  ]);
});

Deno.test("decodeSearchReplies() reads the port, address and minor of RSRV's reply", () => {
  const [r, ...rest] = decodeSearchReplies(hex(SEARCH_REPLY));
  assert.deepEqual(rest, []);
  assert.equal(r!.port, 25064);
  assert.equal(r!.address, 0xffffffff);
  assert.equal(r!.searchId, 1);
  assert.equal(r!.minor, 13);
});

Deno.test("decodeSearchReplies() ignores a truncated tail and foreign commands", () => {
  const bytes = hex(SEARCH_REPLY + "000d0000000d61e80000000500000000" + SEARCH_REPLY.slice(32, 60));
  assert.equal(decodeSearchReplies(bytes).length, 1);
});

Deno.test("decodeReply() decodes ACCESS_RIGHTS, CREATE_CHAN, CREATE_CH_FAIL and ECHO", () => {
  assert.deepEqual(
    { ...reply(hex("00160000000000000000000100000003")), header: undefined },
    { kind: "AccessRightsReply", header: undefined, cid: 1, rights: 3 },
  );
  assert.deepEqual(
    { ...reply(hex("00120000000600010000000100000000")), header: undefined },
    { kind: "CreateChanReply", header: undefined, cid: 1, sid: 0, type: 6, count: 1 },
  );
  assert.deepEqual(
    { ...reply(hex("001a000000000000000000cc00000000")), header: undefined },
    { kind: "CreateChFailReply", header: undefined, cid: 204 },
  );
  assert.equal(reply(hex("00170000000000000000000000000000")).kind, "EchoReply");
  assert.deepEqual(
    { ...reply(hex("001b0000000000000000000700000000")), header: undefined },
    { kind: "ServerDisconnReply", header: undefined, cid: 7 },
  );
});

Deno.test("decodeReply() reads the embedded request and text of ERROR", () => {
  const r = reply(hex(
    "000b0018000000000000000100000178" + "000400080005000100000003000000014341503a524f0000",
  ));
  assert.equal(r.kind, "ErrorReply");
  if (r.kind !== "ErrorReply") return;
  assert.equal(r.eca, 376);
  assert.equal(r.cid, 1);
  assert.equal(r.text, "CAP:RO");
  assert.deepEqual(
    { cmd: r.request?.cmd, type: r.request?.type, p1: r.request?.p1, p2: r.request?.p2 },
    { cmd: 4, type: 5, p1: 3, p2: 1 },
  );
});

Deno.test("decodeReply() tells an EVENT_ADD update from a cancel confirmation", () => {
  const update = reply(hex(
    "00010018001400010000000100000001" + "0000000045688149239ab503000000003ff0000000000000",
  ));
  assert.equal(update.kind, "EventAddReply");
  assert.equal(update.kind === "EventAddReply" && update.subid, 1);
  const cancel = reply(hex("00010000001400000000000000000001"));
  assert.deepEqual({ ...cancel, header: undefined }, {
    kind: "EventCancelReply",
    header: undefined,
    subid: 1,
  });
});

Deno.test("decodeReply() returns undefined for commands servers must not send", () => {
  for (const cmd of [2, 4, 5, 7, 8, 9, 13, 14, 16, 17, 20, 21, 24, 25, 28]) {
    const h = decodeHeader(hex(cmd.toString(16).padStart(4, "0") + "0".repeat(28)))!;
    assert.equal(decodeReply(h, new Uint8Array(0)), undefined, `command ${cmd}`);
  }
});

Deno.test("decodeTimeValue() decodes RSRV's DBR_TIME_DOUBLE reply", () => {
  const r = reply(hex(READ_REPLY));
  assert.equal(r.kind, "ReadNotifyReply");
  if (r.kind !== "ReadNotifyReply") return;
  assert.equal(r.eca, 1);
  const v = decodeTimeValue(r.payload, r)!;
  assert.deepEqual(v.values, [1.23]);
  assert.equal(v.status, 0);
  assert.equal(v.severity, 0);
  assert.equal(new Date(v.timestamp).toISOString(), "2026-11-25T17:34:53.447Z");
});

Deno.test("decodeTimeValue() decodes TIME_STRING, TIME_SHORT, TIME_LONG and arrays", () => {
  const cases: [string, unknown[]][] = [
    [
      "000f0038000e00010000000100000002" + "0000000045687ec31641316953746f70" +
      "00".repeat(20) + "0000001100000000000000000000000000000000",
      ["Stop"],
    ],
    ["000f0010000f00010000000100000001" + "0000000045687ec31641316900000000", [0]],
    ["000f0010001300010000000100000001" + "0000000045687ec3164125160000002a", [42]],
    [
      "000f0028001400030000000100000001" + "0000000045687ec316414cc100000008" +
      "3ff80000000000004004000000000000400c000000000000",
      [1.5, 2.5, 3.5],
    ],
  ];
  for (const [bytes, values] of cases) {
    const r = reply(hex(bytes));
    assert.ok(r.kind === "ReadNotifyReply");
    assert.deepEqual(decodeTimeValue(r.payload, r)?.values, values);
  }
});

Deno.test("decodeTimeValue() decodes alarm status and severity", () => {
  const payload = new Uint8Array(16);
  const view = new DataView(payload.buffer);
  view.setInt16(0, 4);
  view.setInt16(2, 1);
  view.setInt16(14, -7);
  const v = decodeTimeValue(payload, { type: timeTypeOf(1), count: 1 })!;
  assert.deepEqual([v.status, v.severity, v.values], [4, 1, [-7]]);
});

Deno.test("decodeTimeValue() refuses non-TIME types and short payloads", () => {
  assert.equal(decodeTimeValue(new Uint8Array(24), { type: 6, count: 1 }), undefined);
  assert.equal(decodeTimeValue(new Uint8Array(8), { type: 20, count: 1 }), undefined);
  assert.equal(decodeTimeValue(new Uint8Array(16), { type: 20, count: 1 }), undefined);
  assert.deepEqual(decodeTimeValue(new Uint8Array(16), { type: 20, count: 0 })?.values, []);
});
