/**
 * ClientConnection replayed against captured softIocPVX replies (tests/fixtures/pva-captures):
 * fed the server's messages of a pvxget / pvxput / pvxmonitor session, it must send what the
 * pvxs tool sent, byte for byte, and report the values the server sent.
 */
import assert from "node:assert/strict";
import { ClientConnection, type ConnectionEvent } from "../../../mod/pva/client/connection.ts";
import { simpleValue } from "../../../mod/pva/client/values.ts";
import { pvRequestFromString, RemoteProtocolError } from "../../../mod/pva/protocol/mod.ts";
import { connections, pick, readCapture, toHex, wire } from "./_capture.ts";

const PVXS_CID = 0x12345678;
const PVXS_FIRST_IOID = 0x10002000;

interface Replay {
  /** What our connection sent, message by message (hex). */
  sent: string[];
  /** What the pvxs tool sent (hex). */
  expected: string[];
  /** Every event, in order. */
  events: ConnectionEvent[];
  /** The connection, for further requests. */
  conn: ClientConnection;
}

function splitMessages(bytes: Uint8Array): string[] {
  const out: string[] = [];
  for (let at = 0; at < bytes.length;) {
    const control = (bytes[at + 2]! & 1) === 1;
    const size = control ? 0 : new DataView(bytes.buffer, bytes.byteOffset + at + 4, 4)
      .getUint32(0, true);
    out.push(toHex(bytes.subarray(at, at + 8 + size)));
    at += 8 + size;
  }
  return out;
}

/**
 * Feed a captured connection's server messages one by one; `start` issues the operation once
 * the channel exists, `each` may react to every event.
 */
function replay(
  file: string,
  section: string,
  name: string,
  start: (conn: ClientConnection, sid: number) => void,
  options: { upTo?: number; each?: (conn: ClientConnection, e: ConnectionEvent) => void } = {},
): Replay {
  const captured = connections(readCapture(file)).find((c) => c.key === `${file} ${section} TCP1`);
  assert.ok(captured, `${file} ${section} has a TCP connection`);
  const conn = new ClientConnection({ user: "", host: "" }, PVXS_FIRST_IOID);
  conn.createChannel(PVXS_CID, name);
  assert.equal(conn.takeOutput(), undefined, "nothing is sent before the server speaks");
  const sent: string[] = [];
  const events: ConnectionEvent[] = [];
  for (const m of captured.server.slice(0, options.upTo)) {
    assert.equal(m.elided, 0);
    for (const e of conn.recv(wire(m))) {
      events.push(e);
      if (e.kind === "ChannelCreated") start(conn, e.sid);
      options.each?.(conn, e);
    }
    const out = conn.takeOutput();
    if (out) sent.push(...splitMessages(out));
  }
  return { sent, expected: captured.client.map((m) => toHex(wire(m))), events, conn };
}

function only<K extends ConnectionEvent["kind"]>(
  events: ConnectionEvent[],
  kind: K,
): Extract<ConnectionEvent, { kind: K }>[] {
  return events.filter((e): e is Extract<ConnectionEvent, { kind: K }> => e.kind === kind);
}

const GETS: [string, string, string, unknown][] = [
  ["02a", "CAP:CTRL", "", { index: 1, choices: ["Stop", "Run", "Reset"] }],
  ["02b", "CAP:HB", "", 5],
  ["02c", "CAP:AI", "", 1.23],
  ["02d", "CAP:STR", "", "hello world"],
  ["02e", "CAP:WF", "", [1.5, 2.5, 3.5]],
  ["02h", "CAP:AI", "field(value,alarm)", 1.23],
  ["02i", "CAP:CTRL", "field(value)", { index: 1, choices: ["Stop", "Run", "Reset"] }],
  ["02k", "CAP:AI", "field(display.units,value)", 1.23],
  ["02o", "CAP:AI.EGU", "", "mbar"],
];

for (const [section, name, request, value] of GETS) {
  Deno.test(`ClientConnection.get() sends what pvxget sent and reads ${name} (${section})`, () => {
    const r = replay("02-pvxget.txt", section, name, (conn, sid) => {
      conn.get(sid, pvRequestFromString(request));
    });
    assert.deepEqual(r.sent, r.expected);
    const [done] = only(r.events, "GetDone");
    assert.ok(done, "the get completes");
    assert.deepEqual(simpleValue(done.type, done.value).value, value);
    assert.equal(r.conn.operations, 0);
  });
}

Deno.test("ClientConnection answers the validation offer with ca and its user and host", () => {
  const captured = connections(readCapture("02-pvxget.txt"))[0]!;
  const conn = new ClientConnection({ user: "op", host: "box" });
  for (const m of captured.server.slice(0, 2)) conn.recv(wire(m));
  const reply = toHex(conn.takeOutput()!);
  // "ca", struct { string user; string host } = { "op", "box" }
  assert.equal(
    reply,
    "ca02000121000000" + "00000100ff7f0000" + "026361" +
      "80000204757365726004686f737460" + "026f70" + "03626f78",
  );
});

Deno.test("ClientConnection chooses anonymous when the server does not offer ca", () => {
  const conn = new ClientConnection({ user: "op", host: "box" });
  // CONNECTION_VALIDATION offering only "anonymous".
  conn.recv(Uint8Array.from([
    0xca,
    2,
    0x40,
    1,
    17,
    0,
    0,
    0,
    0,
    0,
    1,
    0,
    0xff,
    0x7f,
    1,
    9,
    ...new TextEncoder().encode("anonymous"),
  ]));
  const reply = conn.takeOutput()!;
  // ... qos 0000, 09 "anonymous", NULL type ff
  assert.equal(toHex(reply.subarray(16)), "09616e6f6e796d6f7573ff");
});

Deno.test("ClientConnection.recv() accepts the server's bytes split at every offset", () => {
  const captured = connections(readCapture("02-pvxget.txt")).find((c) =>
    c.key.endsWith(" 02c TCP1")
  )!;
  const stream = captured.server.map(wire);
  const all = new Uint8Array(stream.reduce((n, b) => n + b.length, 0));
  stream.reduce((at, b) => (all.set(b, at), at + b.length), 0);
  for (let cut = 1; cut < all.length; cut += 7) {
    const conn = new ClientConnection({ user: "", host: "" }, PVXS_FIRST_IOID);
    conn.createChannel(PVXS_CID, "CAP:AI");
    const events: ConnectionEvent[] = [];
    for (const part of [all.subarray(0, cut), all.subarray(cut)]) {
      for (const e of conn.recv(part)) {
        events.push(e);
        if (e.kind === "ChannelCreated") conn.get(e.sid, pvRequestFromString(""));
      }
    }
    // The whole stream in two pieces: the GET reply only fits once the exec went out, which
    // the replay cannot wait for, so only the steps before it are checked here.
    assert.deepEqual(events.map((e) => e.kind).slice(0, 2), ["Ready", "ChannelCreated"]);
  }
});

Deno.test("ClientConnection.put() writes a double as pvxput did (03a)", () => {
  const r = replay("03-pvxput.txt", "03a", "CAP:AI", (conn, sid) => {
    conn.put(sid, "2.5", { name: "CAP:AI", pvRequest: pvRequestFromString("") });
  });
  assert.deepEqual(r.sent, r.expected);
  assert.equal(only(r.events, "PutDone").length, 1);
});

for (const input of [2, "2", "Reset"]) {
  Deno.test(`ClientConnection.put() writes enum ${JSON.stringify(input)} as value.index (03b)`, () => {
    const r = replay("03-pvxput.txt", "03b", "CAP:CTRL", (conn, sid) => {
      conn.put(sid, input, { name: "CAP:CTRL", pvRequest: pvRequestFromString("") });
    });
    assert.deepEqual(r.sent, r.expected);
    assert.equal(only(r.events, "PutDone").length, 1);
  });
}

Deno.test("ClientConnection.put() reports the server's refusal (03e)", () => {
  const r = replay("03-pvxput.txt", "03e", "CAP:RO", (conn, sid) => {
    conn.put(sid, 7, { name: "CAP:RO", pvRequest: pvRequestFromString("") });
  });
  assert.deepEqual(r.sent, r.expected);
  assert.deepEqual(only(r.events, "OpFailed").map((e) => e.message), ["Put not permitted"]);
  assert.equal(only(r.events, "PutDone").length, 0);
});

Deno.test("ClientConnection.put() refuses an unknown choice without writing", () => {
  const r = replay("03-pvxput.txt", "03b", "CAP:CTRL", (conn, sid) => {
    conn.put(sid, "Explode", { name: "CAP:CTRL", pvRequest: pvRequestFromString("") });
  });
  const [failed] = only(r.events, "OpFailed");
  assert.match(failed!.message, /Cannot write "Explode" to CAP:CTRL: expected one of/);
  // INIT, get-put, then DESTROY_REQUEST instead of the exec.
  assert.equal(r.sent.filter((m) => m.startsWith("ca02000b")).length, 2);
  assert.ok(r.sent.at(-1)!.startsWith("ca02000f"));
});

Deno.test("ClientConnection.monitor() sends what pvxmonitor sent and merges updates (04a)", () => {
  const r = replay("04-pvxmonitor.txt", "04a", "CAP:CNT", (conn, sid) => {
    conn.monitor(sid, pvRequestFromString(""));
  });
  // pvxmonitor's last message is its DESTROY_REQUEST at SIGINT: cancel to send ours.
  const ioid = PVXS_FIRST_IOID;
  r.conn.cancel(ioid);
  r.sent.push(...splitMessages(r.conn.takeOutput()!));
  assert.deepEqual(r.sent, r.expected);
  const data = only(r.events, "MonitorData").map((e) => simpleValue(e.type, e.value));
  assert.ok(data.length >= 10);
  // A counter: every update is one more, and later updates (value + time only) keep the
  // display fields of the first.
  for (let i = 1; i < data.length; i++) {
    assert.equal(data[i]!.value, (data[i - 1]!.value as number) + 1);
    assert.ok(data[i]!.timestamp > data[i - 1]!.timestamp);
    assert.deepEqual(data[i]!.display, data[0]!.display);
  }
});

Deno.test("ClientConnection.monitor() with pipeline acks half a window at a time (04b)", () => {
  const r = replay("04-pvxmonitor.txt", "04b", "CAP:CNT", (conn, sid) => {
    conn.monitor(sid, pvRequestFromString("record[pipeline=true,queueSize=4]field()"), {
      pipeline: true,
      queueSize: 4,
    });
  });
  // INIT (0x88 with the same pvRequest and window 4) and START as pvxmonitor sent them.
  assert.deepEqual(r.sent.slice(0, 4), r.expected.slice(0, 4));
  const updates = only(r.events, "MonitorData").length;
  const acks = r.sent.filter((m) => m.startsWith("ca02000d0d000000") && m.slice(32, 34) === "80");
  assert.equal(acks.length, Math.floor(updates / 2));
  for (const ack of acks) assert.ok(ack.endsWith("8002000000"));
});

Deno.test("ClientConnection reports a refused channel and a lost one", () => {
  const conn = new ClientConnection({ user: "", host: "" });
  const captured = connections(readCapture("02-pvxget.txt"))[0]!;
  for (const m of captured.server.slice(0, 3)) conn.recv(wire(m));
  // CREATE_CHANNEL reply: cid 1, sid ffffffff, FATAL "Refused to create Channel" (07c).
  const text = new TextEncoder().encode("Refused to create Channel");
  const refused = conn.recv(Uint8Array.from([
    0xca,
    2,
    0x40,
    7,
    11 + text.length,
    0,
    0,
    0,
    1,
    0,
    0,
    0,
    0xff,
    0xff,
    0xff,
    0xff,
    3,
    text.length,
    ...text,
    0,
  ]));
  assert.deepEqual(refused, [{
    kind: "ChannelRefused",
    cid: 1,
    message: "Refused to create Channel",
  }]);
  // DESTROY_CHANNEL from the server: sid 7, cid 2.
  const lost = conn.recv(Uint8Array.from([0xca, 2, 0x40, 8, 8, 0, 0, 0, 7, 0, 0, 0, 2, 0, 0, 0]));
  assert.deepEqual(lost, [{ kind: "ChannelLost", cid: 2 }]);
});

Deno.test("ClientConnection.recv() throws RemoteProtocolError on a bad magic byte", () => {
  const conn = new ClientConnection({ user: "", host: "" });
  assert.throws(
    () => conn.recv(Uint8Array.from([0xcb, 2, 0x40, 1, 0, 0, 0, 0])),
    RemoteProtocolError,
  );
});

Deno.test("ClientConnection.echo() sends the empty ECHO pvxmonitor sends every 15 s (11)", () => {
  const captured = pick("11-idle-echo.txt", "11a", "C->S", "ECHO");
  const conn = new ClientConnection({ user: "", host: "" });
  conn.echo();
  assert.equal(conn.takeOutput(), undefined, "held until the server validates");
  const first = connections(readCapture("02-pvxget.txt"))[0]!;
  for (const m of first.server.slice(0, 3)) conn.recv(wire(m));
  const out = splitMessages(conn.takeOutput()!);
  assert.equal(out.at(-1), toHex(wire(captured)));
  // The server's echo reply causes nothing.
  assert.deepEqual(conn.recv(Uint8Array.from([0xca, 2, 0x40, 2, 0, 0, 0, 0])), []);
  assert.equal(conn.takeOutput(), undefined);
});

Deno.test("ClientConnection.destroyChannel() sends DESTROY_CHANNEL as a client message", () => {
  const conn = new ClientConnection({ user: "", host: "" });
  const first = connections(readCapture("02-pvxget.txt"))[0]!;
  for (const m of first.server.slice(0, 3)) conn.recv(wire(m));
  conn.takeOutput();
  conn.destroyChannel(0x07050301, 0x12345678);
  assert.equal(toHex(conn.takeOutput()!), "ca020008080000000103050778563412");
});
