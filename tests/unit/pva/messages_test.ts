/**
 * Message codecs (§3, §4): a round trip for every message kind in both byte orders, and the
 * captured messages a server must understand or produce, decoded field by field.
 */
import assert from "node:assert/strict";
import {
  BitSet,
  commandOf,
  decodeHeader,
  decodeMessage,
  type DecodeOptions,
  destroysAfter,
  encodeDatagram,
  encodeMessage,
  errorStatus,
  ipv4Address,
  monitorStart,
  ntEnum,
  ntScalar,
  ntScalarArray,
  type PvaMessage,
  type PvaMessageKind,
  pvRequestFromString,
  serverGreeting,
  STATUS_OK,
  TypeCache,
  UNSPECIFIED_V4,
} from "../../../mod/pva/protocol/mod.ts";
import { type CaptureMessage, hex, pick, readCapture, toHex, wire } from "./_capture.ts";

function decode(m: CaptureMessage, options: DecodeOptions = {}): PvaMessage {
  return decodeMessage({ header: decodeHeader(m.hdr)!, payload: m.payload }, options);
}

const INT = ntScalar("int");
const DATA = {
  type: INT,
  bits: BitSet.of(1, 7),
  value: { value: 5, timeStamp: { secondsPastEpoch: 3n } },
};
const DATA_BACK = {
  type: INT,
  bits: BitSet.of(1, 7),
  value: { ...zeroInt(), value: 5 },
};
function zeroInt() {
  return {
    value: 0,
    alarm: { severity: 0, status: 0, message: "" },
    timeStamp: { secondsPastEpoch: 3n, nanoseconds: 0, userTag: 0 },
    display: {
      limitLow: 0,
      limitHigh: 0,
      description: "",
      units: "",
      precision: 0,
      form: { index: 0, choices: [] },
    },
    control: { limitLow: 0, limitHigh: 0, minStep: 0 },
    valueAlarm: {
      active: false,
      lowAlarmLimit: 0,
      lowWarningLimit: 0,
      highWarningLimit: 0,
      highAlarmLimit: 0,
      lowAlarmSeverity: 0,
      lowWarningSeverity: 0,
      highWarningSeverity: 0,
      highAlarmSeverity: 0,
      hysteresis: 0,
    },
  };
}

/** Every kind; the type makes a new kind without a sample a compile error. */
const ALL_KINDS: Record<PvaMessageKind, true> = {
  Control: true,
  Unknown: true,
  ValidationOffer: true,
  ValidationReply: true,
  Validated: true,
  Echo: true,
  Search: true,
  SearchResponse: true,
  Beacon: true,
  OriginTag: true,
  CreateChannelRequest: true,
  CreateChannelReply: true,
  DestroyChannel: true,
  GetField: true,
  GetFieldReply: true,
  DestroyRequest: true,
  CancelRequest: true,
  Message: true,
  InitRequest: true,
  InitReply: true,
  GetExec: true,
  PutFetch: true,
  PutExec: true,
  GetReply: true,
  PutFetchReply: true,
  PutReply: true,
  MonitorExec: true,
  MonitorUpdate: true,
  MonitorEnd: true,
  RpcExec: true,
  RpcReply: true,
  OtherOperation: true,
};

/** One sample of every kind: [sent, expected after decoding]. */
const SAMPLES: [PvaMessage, PvaMessage?][] = [
  [{ kind: "Control", command: 2, value: 0 }],
  [{ kind: "Unknown", command: 99, payload: hex("0102") }],
  [{
    kind: "ValidationOffer",
    receiveBufferSize: 65536,
    registryMaxSize: 0x7fff,
    authMethods: ["anonymous", "ca"],
  }],
  [{
    kind: "ValidationReply",
    receiveBufferSize: 1,
    registryMaxSize: 2,
    qos: 0,
    method: "ca",
    authData: {
      type: {
        kind: "structure",
        id: "",
        fields: [{ name: "user", type: { kind: "scalar", type: "string" } }],
      },
      value: { user: "u" },
    },
  }],
  [{ kind: "Validated", status: errorStatus("Client selects unadvertised auth") }],
  [{ kind: "Echo", payload: hex("68656c6c6f") }],
  [{
    kind: "Search",
    sequence: 1,
    flags: 0x81,
    responseAddress: ipv4Address("127.0.0.1"),
    responsePort: 5076,
    protocols: ["tcp"],
    channels: [{ id: 1, name: "A" }, { id: 2, name: "B" }],
  }],
  [{
    kind: "SearchResponse",
    guid: new Uint8Array(12).fill(7),
    sequence: 1,
    serverAddress: UNSPECIFIED_V4,
    serverPort: 5075,
    protocol: "tcp",
    found: true,
    ids: [1, 2],
  }],
  [{
    kind: "Beacon",
    guid: new Uint8Array(12).fill(1),
    flags: 0,
    sequence: 3,
    changeCount: 2,
    serverAddress: UNSPECIFIED_V4,
    serverPort: 5075,
    protocol: "tcp",
    status: { type: null, value: null },
  }],
  [{ kind: "OriginTag", address: ipv4Address("127.0.0.1") }],
  [{ kind: "CreateChannelRequest", channels: [{ cid: 9, name: "CAP:HB" }] }],
  [{
    kind: "CreateChannelReply",
    cid: 9,
    sid: 0xffffffff,
    status: { type: "fatal", message: "Refused to create Channel", stack: "s" },
  }],
  [{ kind: "DestroyChannel", sid: 1, cid: 2 }],
  [{ kind: "GetField", sid: 1, ioid: 2, subField: "" }],
  [{ kind: "GetFieldReply", ioid: 2, status: STATUS_OK, type: ntEnum() }],
  [{ kind: "GetFieldReply", ioid: 2, status: errorStatus("no") }],
  [{ kind: "DestroyRequest", sid: 1, ioid: 2 }],
  [{ kind: "CancelRequest", sid: 1, ioid: 2 }],
  [{ kind: "Message", ioid: 2, severity: 1, text: "unknown option frob" }],
  [{
    kind: "InitRequest",
    command: 10,
    sid: 1,
    ioid: 2,
    subcmd: 8,
    pvRequest: pvRequestFromString("field(value)"),
  }],
  [{
    kind: "InitRequest",
    command: 13,
    sid: 1,
    ioid: 2,
    subcmd: 0x88,
    pvRequest: { type: null, value: null },
    queueSize: 4,
  }],
  [{ kind: "InitReply", command: 11, ioid: 2, subcmd: 8, status: STATUS_OK, type: INT }],
  [{ kind: "InitReply", command: 20, ioid: 2, subcmd: 8, status: STATUS_OK }],
  [{
    kind: "InitReply",
    command: 12,
    ioid: 2,
    subcmd: 8,
    status: errorStatus("PUT_GET not supported"),
  }],
  [{ kind: "GetExec", sid: 1, ioid: 2, subcmd: 0x50 }],
  [{ kind: "PutFetch", sid: 1, ioid: 2, subcmd: 0x40 }],
  [{ kind: "PutExec", sid: 1, ioid: 2, subcmd: 0, data: DATA }, {
    kind: "PutExec",
    sid: 1,
    ioid: 2,
    subcmd: 0,
    data: DATA_BACK,
  }],
  [{ kind: "GetReply", ioid: 2, subcmd: 0, status: STATUS_OK, data: DATA }, {
    kind: "GetReply",
    ioid: 2,
    subcmd: 0,
    status: STATUS_OK,
    data: DATA_BACK,
  }],
  [{ kind: "PutFetchReply", ioid: 2, subcmd: 0x40, status: STATUS_OK, data: DATA }, {
    kind: "PutFetchReply",
    ioid: 2,
    subcmd: 0x40,
    status: STATUS_OK,
    data: DATA_BACK,
  }],
  [{ kind: "PutReply", ioid: 2, subcmd: 0, status: errorStatus("Put not permitted") }],
  [{ kind: "MonitorExec", sid: 1, ioid: 2, subcmd: 0x44 }],
  [{ kind: "MonitorExec", sid: 1, ioid: 2, subcmd: 0x80, ack: 2 }],
  [{ kind: "MonitorUpdate", ioid: 2, subcmd: 0, data: DATA, overrun: new BitSet() }, {
    kind: "MonitorUpdate",
    ioid: 2,
    subcmd: 0,
    data: DATA_BACK,
    overrun: new BitSet(),
  }],
  [{ kind: "MonitorEnd", ioid: 2, subcmd: 0x10, status: STATUS_OK }],
  [{
    kind: "RpcExec",
    sid: 1,
    ioid: 2,
    subcmd: 0,
    args: { type: { kind: "scalar", type: "string" }, value: "x" },
  }],
  [{
    kind: "RpcReply",
    ioid: 2,
    subcmd: 0,
    status: STATUS_OK,
    result: { type: ntScalarArray("string"), value: {} },
  }, {
    kind: "RpcReply",
    ioid: 2,
    subcmd: 0,
    status: STATUS_OK,
    result: {
      type: ntScalarArray("string"),
      value: {
        value: [],
        alarm: { severity: 0, status: 0, message: "" },
        timeStamp: { secondsPastEpoch: 0n, nanoseconds: 0, userTag: 0 },
        display: { description: "", units: "" },
      },
    },
  }],
  [{ kind: "OtherOperation", command: 14, payload: hex("0100000002000000000102") }],
];

Deno.test("encodeMessage() and decodeMessage() round-trip every message kind in both byte orders", () => {
  const kinds = new Set<string>();
  for (const [sent, expected] of SAMPLES) {
    for (const littleEndian of [true, false]) {
      const bytes = encodeMessage(sent, { littleEndian });
      const h = decodeHeader(bytes)!;
      assert.equal(h.littleEndian, littleEndian);
      assert.equal(h.size, sent.kind === "Control" ? sent.value : bytes.length - 8);
      const back = decodeMessage({ header: h, payload: bytes.subarray(8) }, {
        types: () => INT,
        cache: new TypeCache(),
      });
      assert.deepEqual(back, expected ?? sent, `${sent.kind} ${littleEndian ? "LE" : "BE"}`);
      assert.equal(back.kind === "Control" ? back.command : commandOf(back), h.command);
    }
    kinds.add(sent.kind);
  }
  assert.deepEqual([...kinds].sort(), Object.keys(ALL_KINDS).sort());
});

Deno.test("encodeMessage() sets the direction bit from the kind unless told", () => {
  assert.equal(encodeMessage({ kind: "GetExec", sid: 1, ioid: 2, subcmd: 0 })[2], 0x00);
  assert.equal(encodeMessage({ kind: "Validated", status: STATUS_OK })[2], 0x40);
  assert.equal(encodeMessage({ kind: "Echo", payload: hex("") }, { fromServer: false })[2], 0x00);
  assert.equal(encodeMessage({ kind: "Echo", payload: hex("") }, { littleEndian: false })[2], 0xc0);
});

Deno.test("serverGreeting() is QSRV2's first write: SET_BYTE_ORDER + CONNECTION_VALIDATION", () => {
  const s = readCapture("02-pvxget.txt").filter((m) => m.section === "02b" && m.dir === "S->C");
  const tcp = s.filter((m) => m.transport === "TCP1");
  assert.equal(toHex(serverGreeting()), toHex(wire(tcp[0]!)) + toHex(wire(tcp[1]!)));
});

Deno.test("decodeMessage() reads the unadvertised-auth ERROR of CONNECTION_VALIDATED (07d)", () => {
  const m = decode(pick("07-handshake.txt", "07d", "S->C", "CONNECTION_VALIDATED"));
  assert.deepEqual(m, {
    kind: "Validated",
    status: { type: "error", message: "Client selects unadvertised auth", stack: "" },
  });
});

Deno.test("decodeMessage() reads three pipelined CREATE_CHANNEL requests (02n)", () => {
  const reqs = readCapture("02-pvxget.txt").filter((m) =>
    m.section === "02n" && m.dir === "C->S" && m.name === "CREATE_CHANNEL"
  ).map((m) => decode(m));
  assert.deepEqual(
    reqs.flatMap((r) => r.kind === "CreateChannelRequest" ? r.channels.map((c) => c.name) : []),
    ["CAP:AI", "CAP:HB", "CAP:STR"],
  );
});

Deno.test("encodeMessage() builds the refused CREATE_CHANNEL reply of QSRV2 (07c)", () => {
  const captured = readCapture("07-handshake.txt").find((m) =>
    m.section === "07c" && m.name === "CREATE_CHANNEL" && m.note.includes("FATAL")
  )!;
  const bytes = encodeMessage({
    kind: "CreateChannelReply",
    cid: 2,
    sid: 0xffffffff,
    status: { type: "fatal", message: "Refused to create Channel", stack: "pvx:serv:refusechan:" },
  });
  assert.equal(toHex(bytes), toHex(wire(captured)));
});

Deno.test("decodeMessage() reads GET execs 0x00, 0x40 and 0x50 (07c)", () => {
  const execs = readCapture("07-handshake.txt").filter((m) =>
    m.section === "07c" && m.dir === "C->S" && m.name === "GET"
  ).map((m) => decode(m)).filter((m) => m.kind === "GetExec");
  assert.deepEqual(execs.map((m) => m.kind === "GetExec" && m.subcmd), [0, 0x40, 0x50, 0]);
  assert.deepEqual(execs.map((m) => m.kind === "GetExec" && destroysAfter(m.subcmd)), [
    false,
    false,
    true,
    false,
  ]);
});

Deno.test("decodeMessage() reads a PUT of 2.5 with the operation's type (03a)", () => {
  const put = readCapture("03-pvxput.txt").filter((m) =>
    m.section === "03a" && m.dir === "C->S" && m.name === "PUT"
  );
  const [init, fetch, exec] = put.map((m) => decode(m, { types: () => ntScalar("double") }));
  assert.ok(init?.kind === "InitRequest" && init.command === 11);
  assert.ok(fetch?.kind === "PutFetch" && fetch.subcmd === 0x40);
  assert.ok(exec?.kind === "PutExec");
  assert.equal(exec.data!.bits.toString(), "{1}");
  assert.equal(exec.data!.value["value"], 2.5);
  const noType = decode(put[2]!);
  assert.ok(noType.kind === "PutExec" && noType.raw!.length > 0 && !noType.data);
});

Deno.test("encodeMessage() builds the refused PUT reply of QSRV2 (03e)", () => {
  const captured = readCapture("03-pvxput.txt").find((m) =>
    m.section === "03e" && m.dir === "S->C" && m.note.includes("Put not permitted")
  )!;
  const reply = decode(captured);
  assert.ok(reply.kind === "PutReply");
  assert.equal(reply.status.type, "error");
  assert.equal(toHex(encodeMessage(reply)), toHex(wire(captured)));
});

Deno.test("decodeMessage() reads a monitor: INIT reply without data, START, updates, STOP (07c)", () => {
  const msgs = readCapture("07-handshake.txt").filter((m) =>
    m.section === "07c" && m.name === "MONITOR"
  );
  const types = new Map<number, typeof INT>();
  const decoded = msgs.map((m) => {
    const d = decode(m, { types: (ioid) => types.get(ioid) });
    if (d.kind === "InitReply" && d.type?.kind === "structure") types.set(d.ioid, d.type);
    return d;
  });
  const kinds = decoded.map((d) => d.kind);
  assert.equal(kinds[0], "InitRequest");
  assert.equal(kinds[1], "InitReply");
  const controls = decoded.filter((d) => d.kind === "MonitorExec");
  assert.deepEqual(controls.map((d) => d.kind === "MonitorExec" && monitorStart(d.subcmd)), [
    true,
    false,
    true,
    undefined,
  ]);
  const updates = decoded.filter((d) => d.kind === "MonitorUpdate");
  assert.ok(updates.length >= 5);
  for (const u of updates) assert.ok(u.kind === "MonitorUpdate" && u.overrun.empty && u.data);
  const first = updates[1]!;
  assert.ok(first.kind === "MonitorUpdate");
  assert.equal(first.data!.bits.toString(), "{1,7,8,9}");
  assert.equal(first.data!.value["value"], 86);
});

Deno.test("decodeMessage() reads pvxlist's RPC to the server channel (05d)", () => {
  const rpc = readCapture("05-missing-pv.txt").filter((m) =>
    m.section === "05d" && m.name === "RPC"
  )
    .map((m) => decode(m));
  assert.deepEqual(rpc.map((m) => m.kind), ["InitRequest", "InitReply", "RpcExec", "RpcReply"]);
  const exec = rpc[2]!;
  assert.ok(exec.kind === "RpcExec");
  assert.equal(exec.args.type?.kind === "structure" && exec.args.type.id, "epics:nt/NTURI:1.0");
  assert.deepEqual((exec.args.value as Record<string, unknown>)["query"], { op: "channels" });
  const reply = rpc[3]!;
  assert.ok(reply.kind === "RpcReply" && reply.result);
  assert.ok(
    ((reply.result.value as Record<string, unknown>)["value"] as string[]).includes("CAP:AI"),
  );
});

Deno.test("decodeMessage() reads ECHO payloads and DESTROY_CHANNEL both ways (07c, 11)", () => {
  const echo = readCapture("07-handshake.txt").filter((m) =>
    m.section === "07c" && m.name === "ECHO"
  )
    .map((m) => decode(m));
  assert.ok(echo[0]!.kind === "Echo" && new TextDecoder().decode(echo[0].payload) === "hello-pva");
  assert.deepEqual(echo[1], echo[0]);
  const idle = readCapture("11-idle-echo.txt").filter((m) => m.name === "ECHO").map((m) =>
    decode(m)
  );
  assert.ok(idle.length >= 4 && idle.every((m) => m.kind === "Echo" && m.payload.length === 0));
  const destroy = readCapture("07-handshake.txt").filter((m) => m.name === "DESTROY_CHANNEL")
    .map((m) => decode(m));
  assert.deepEqual(destroy, [
    { kind: "DestroyChannel", sid: 0x07050301, cid: 1 },
    { kind: "DestroyChannel", sid: 0x07050301, cid: 1 },
  ]);
});

Deno.test("decodeMessage() reads CANCEL_REQUEST and DESTROY_REQUEST (09a, 02b)", () => {
  const cancel = decode(pick("09-large-array.txt", "09a", "C->S", "CANCEL_REQUEST"));
  assert.equal(cancel.kind, "CancelRequest");
  const destroy = decode(pick("02-pvxget.txt", "02b", "C->S", "DESTROY_REQUEST"));
  assert.deepEqual(destroy, { kind: "DestroyRequest", sid: 0x07050301, ioid: 0x10002000 });
});

Deno.test("decodeMessage() reads pvxs beacons (06)", () => {
  const beacons = readCapture("06-beacons.txt").filter((m) => m.name === "BEACON")
    .map((m) => decode(m));
  assert.ok(beacons.length >= 3);
  beacons.forEach((b, i) => {
    assert.ok(b.kind === "Beacon");
    assert.equal(b.sequence, i);
    assert.equal(b.serverPort, 35075);
    assert.equal(b.status.type, null);
  });
});

Deno.test("encodeDatagram() writes big-endian server messages back to back", () => {
  const beacon = readCapture("06-beacons.txt").find((m) => m.name === "BEACON")!;
  const b = decode(beacon);
  assert.equal(toHex(encodeDatagram(b)), toHex(wire(beacon)));
  const two = encodeDatagram(b, b);
  assert.equal(two.length, 2 * wire(beacon).length);
});
