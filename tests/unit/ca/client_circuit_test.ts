/**
 * ClientCircuit against golden server bytes (S→C lines of tests/fixtures/ca-captures/01-caget-scalar
 * and 04-camonitor, EPICS base 7.0.8.1 softIoc on loopback), and against our own server Circuit
 * through in-memory bytes.
 */
import assert from "node:assert/strict";
import {
  type ChannelState,
  ClientCircuit,
  type ClientEvent,
} from "../../../mod/ca/client/client_circuit.ts";
import { Circuit } from "../../../mod/ca/server/circuit.ts";
import { LocalProtocolError, RemoteProtocolError } from "../../../mod/ca/protocol/errors.ts";
import { Pv, type PvOptions, WriteRefused } from "../../../mod/pv/mod.ts";
import { CaPv } from "../../../mod/ca/server/_ca_pv.ts";
import { decodeSearchReplies } from "../../../mod/ca/protocol/client_messages.ts";
import { CAPTURE_DIR, readCapture } from "./_capture.ts";

function hex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, "");
  return new Uint8Array(clean.match(/../g)!.map((b) => parseInt(b, 16)));
}

function toHex(bytes: Uint8Array | undefined): string {
  return [...(bytes ?? [])].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function newCircuit(): ClientCircuit {
  return new ClientCircuit({ user: "root", host: "vm" });
}

// Server → client, 01a and 04a.
const SERVER_VERSION = "000000000000000d0000000000000000";
const RIGHTS_AND_CREATE = "00160000000000000000000100000003" + "00120000000600010000000100000000";
const UPDATES = [
  "0000000045688149239ab503000000003ff0000000000000",
  "000000004568814a239a0cae000000004000000000000000",
  "000000004568814b239c9091000000004008000000000000",
  "000000004568814c239a7148000000004010000000000000",
  "000000004568814d2399463a000000004014000000000000",
].map((p) => "00010018001400010000000100000001" + p).join("");

/** A circuit with channel cid 1 ("CAP:CNT", DOUBLE × 1, sid 0) connected, output drained. */
function connected(): ClientCircuit {
  const c = newCircuit();
  c.createChannel(1, "CAP:CNT");
  c.takeOutput();
  c.recv(hex(SERVER_VERSION + RIGHTS_AND_CREATE));
  return c;
}

Deno.test("ClientCircuit sends libca's pipelined handshake and CREATE_CHAN", () => {
  const c = newCircuit();
  c.createChannel(1, "CAP:AI");
  assert.equal(
    toHex(c.takeOutput()),
    "000000000000000d0000000000000000" + "00140008000000000000000000000000726f6f7400000000" +
      "00150008000000000000000000000000766d000000000000" +
      "0012000800000000000000010000000d4341503a41490000",
  );
  assert.equal(c.takeOutput(), undefined);
});

Deno.test("ClientCircuit.recv() connects a channel from RSRV's replies", () => {
  const c = newCircuit();
  c.createChannel(1, "CAP:AI");
  assert.deepEqual(c.recv(hex(SERVER_VERSION + RIGHTS_AND_CREATE)), [
    { kind: "ServerVersion", minor: 13 },
    { kind: "ChannelConnected", cid: 1, nativeType: 6, nativeCount: 1, rights: 3 },
  ]);
  assert.equal(c.serverMinor, 13);
  assert.deepEqual(c.channel(1), { state: "connected", nativeType: 6, nativeCount: 1, rights: 3 });
});

Deno.test("ClientCircuit.subscribe() sends camonitor's EVENT_ADD and decodes its updates", () => {
  const c = connected();
  const subid = c.subscribe(1, 5);
  assert.equal(subid, 1);
  assert.equal(
    toHex(c.takeOutput()),
    "00010010001400000000000000000001" + "00000000000000000000000000050000",
  );
  const events = c.recv(hex(UPDATES));
  assert.deepEqual(
    events.map((e) => e.kind === "MonitorUpdate" ? e.value.value : e.kind),
    [1, 2, 3, 4, 5],
  );
  const first = events[0]!;
  assert.ok(first.kind === "MonitorUpdate");
  assert.equal(new Date(first.value.timestamp).toISOString(), "2026-11-25T17:45:45.597Z");
});

Deno.test("ClientCircuit.recv() gives the same events for every two-chunk split", () => {
  const bytes = hex(SERVER_VERSION + RIGHTS_AND_CREATE + UPDATES);
  const whole = (() => {
    const c = newCircuit();
    c.createChannel(1, "CAP:CNT");
    const events = c.recv(bytes.subarray(0, 48));
    c.subscribe(1, 5);
    return [...events, ...c.recv(bytes.subarray(48))];
  })();
  assert.equal(whole.length, 7);
  for (let split = 48; split <= bytes.length; split++) {
    const c = newCircuit();
    c.createChannel(1, "CAP:CNT");
    const events = c.recv(bytes.subarray(0, 48));
    c.subscribe(1, 5);
    events.push(...c.recv(bytes.subarray(48, split)), ...c.recv(bytes.subarray(split)));
    assert.deepEqual(events, whole, `split at ${split}`);
  }
});

Deno.test("ClientCircuit.read() asks for all elements and decodes the reply", () => {
  const c = connected();
  const ioid = c.read(1);
  assert.equal(ioid, 1);
  assert.equal(toHex(c.takeOutput()), "000f0000001400000000000000000001");
  const events = c.recv(hex(
    "000f00180014000100000001" + ioid.toString(16).padStart(8, "0") +
      "0000000045687ebd1aa63058000000003ff3ae147ae147ae",
  ));
  assert.equal(events.length, 1);
  assert.ok(events[0]!.kind === "ReadDone");
  assert.equal(events[0]!.value.value, 1.23);
  assert.deepEqual(
    c.recv(hex(
      "000f00180014000100000001" + ioid.toString(16).padStart(8, "0") + "00".repeat(24),
    )),
    [],
    "a second reply for the same IOID is dropped",
  );
});

Deno.test("ClientCircuit asks for the native count from servers older than minor 13", () => {
  const c = newCircuit();
  c.createChannel(1, "WF");
  c.takeOutput();
  c.recv(
    hex(
      "000000000000000c0000000000000000" +
        "0016000000000000000000010000000300120000000600080000000100000009",
    ),
  );
  c.read(1);
  assert.equal(toHex(c.takeOutput()).slice(0, 32), "000f000000140008" + "0000000900000001");
});

Deno.test("ClientCircuit.recv() reports a failed read from its status or from ERROR", () => {
  const c = connected();
  const ioid = c.read(1);
  assert.deepEqual(
    c.recv(hex(
      "000f00180014000100000098" + ioid.toString(16).padStart(8, "0") + "00".repeat(24),
    )),
    [{ kind: "ReadFailed", cid: 1, ioid, eca: 152 }],
  );
  const ioid2 = c.read(1);
  const embedded = "000f000000140000" + "00000000" + ioid2.toString(16).padStart(8, "0");
  assert.deepEqual(
    c.recv(hex("000b0018000000000000000100000072" + embedded + "5800000000000000")),
    [{ kind: "ReadFailed", cid: 1, ioid: ioid2, eca: 114 }],
  );
});

Deno.test("ClientCircuit.recv() routes ERROR for a WRITE to the channel", () => {
  const c = connected();
  c.write(1, [3]);
  assert.deepEqual(
    c.recv(hex(
      "000b0018000000000000000100000178" + "000400080005000100000003000000014341503a524f0000",
    )),
    [{ kind: "ServerError", cid: 1, eca: 376, text: "CAP:RO" }],
  );
});

Deno.test("ClientCircuit drops updates after unsubscribe() and sends EVENT_CANCEL", () => {
  const c = connected();
  const subid = c.subscribe(1, 5);
  c.takeOutput();
  c.unsubscribe(subid);
  assert.equal(toHex(c.takeOutput()), "00020000001400000000000000000001");
  assert.deepEqual(c.recv(hex(UPDATES)), []);
  assert.deepEqual(c.recv(hex("00010000001400000000000000000001")), [], "cancel confirmation");
});

Deno.test("ClientCircuit reports SERVER_DISCONN and forgets the channel", () => {
  const c = connected();
  c.subscribe(1, 5);
  assert.deepEqual(c.recv(hex("001b0000000000000000000100000000")), [
    { kind: "ChannelDisconnected", cid: 1 },
  ]);
  assert.equal(c.channel(1), undefined);
  assert.deepEqual(c.recv(hex(UPDATES)), []);
  c.createChannel(1, "CAP:CNT");
  assert.equal(c.channel(1)?.state, "creating");
});

Deno.test("ClientCircuit reports CREATE_CH_FAIL", () => {
  const c = newCircuit();
  c.createChannel(204, "CAP:MISSING");
  assert.deepEqual(c.recv(hex("001a000000000000000000cc00000000")), [
    { kind: "ChannelCreateFailed", cid: 204 },
  ]);
  assert.equal(c.channel(204), undefined);
});

Deno.test("ClientCircuit.clearChannel() before the reply clears the channel once it exists", () => {
  const c = newCircuit();
  c.createChannel(1, "CAP:CNT");
  c.takeOutput();
  c.clearChannel(1);
  assert.equal(c.takeOutput(), undefined);
  assert.deepEqual(c.recv(hex(RIGHTS_AND_CREATE)), []);
  assert.equal(toHex(c.takeOutput()), "000c0000000000000000000000000001");
  assert.deepEqual(c.recv(hex("000c0000000000000000000000000001")), []);
  assert.equal(c.channel(1), undefined);
});

Deno.test("ClientCircuit.clearChannel() of a connected channel sends CLEAR_CHANNEL", () => {
  const c = connected();
  c.subscribe(1, 5);
  c.takeOutput();
  c.clearChannel(1);
  assert.equal(toHex(c.takeOutput()), "000c0000000000000000000000000001");
  assert.deepEqual(c.recv(hex(UPDATES)), []);
  assert.equal(c.channel(1)?.state, "clearing");
});

Deno.test("ClientCircuit refuses requests on channels that are not connected", () => {
  const c = newCircuit();
  assert.throws(() => c.read(1), LocalProtocolError);
  c.createChannel(1, "X");
  assert.throws(() => c.createChannel(1, "X"), LocalProtocolError);
  assert.throws(() => c.subscribe(1, 5), LocalProtocolError);
  assert.throws(() => c.write(1, [1]), LocalProtocolError);
});

Deno.test("ClientCircuit.recv() throws RemoteProtocolError on protocol violations", () => {
  const cases: [string, string][] = [
    ["misaligned size", "00010004001400010000000100000001"],
    ["NOT_FOUND on TCP", "000e0000000a000d0000000100000001"],
    ["SEARCH on TCP", "0006000861e80000ffffffff00000001000d000000000000"],
    ["unknown command", "00630000000000000000000000000000"],
  ];
  for (const [what, bytes] of cases) {
    assert.throws(() => connected().recv(hex(bytes)), RemoteProtocolError, what);
  }
  const small = new ClientCircuit({ user: "u", host: "h", maxPayloadBytes: 1024 });
  // Refused from the header alone, before the 2048 payload bytes arrive.
  assert.throws(() => small.recv(hex("000f0800001400010000000100000001")), RemoteProtocolError);
});

Deno.test("ClientCircuit checks every channel reply against the channel's state", () => {
  const replies: Record<string, string> = {
    AccessRightsReply: "00160000000000000000000100000001",
    CreateChanReply: "00120000000600010000000100000000",
    CreateChFailReply: "001a0000000000000000000100000000",
    ServerDisconnReply: "001b0000000000000000000100000000",
    ClearChannelReply: "000c0000000000000000000000000001",
  };
  const setups: Record<ChannelState, () => ClientCircuit> = {
    creating: () => {
      const c = newCircuit();
      c.createChannel(1, "X");
      return c;
    },
    connected,
    clearing: () => {
      const c = connected();
      c.clearChannel(1);
      return c;
    },
  };
  const expected: Record<ChannelState, Record<string, string | undefined>> = {
    creating: {
      AccessRightsReply: "creating",
      CreateChanReply: "connected",
      CreateChFailReply: undefined,
      ServerDisconnReply: undefined,
      ClearChannelReply: "error",
    },
    connected: {
      AccessRightsReply: "connected",
      CreateChanReply: "error",
      CreateChFailReply: "error",
      ServerDisconnReply: undefined,
      ClearChannelReply: "error",
    },
    clearing: {
      AccessRightsReply: "clearing",
      CreateChanReply: "clearing",
      CreateChFailReply: undefined,
      ServerDisconnReply: undefined,
      ClearChannelReply: undefined,
    },
  };
  for (const state of Object.keys(setups) as ChannelState[]) {
    for (const [kind, bytes] of Object.entries(replies)) {
      const c = setups[state]();
      const want = expected[state][kind];
      if (want === "error") {
        assert.throws(() => c.recv(hex(bytes)), RemoteProtocolError, `${state} × ${kind}`);
      } else {
        c.recv(hex(bytes));
        assert.equal(c.channel(1)?.state, want, `${state} × ${kind}`);
      }
    }
  }
});

// In-memory pair: our ClientCircuit against the server's Circuit.

interface Pair {
  client: ClientCircuit;
  events: ClientEvent[];
  pump(): void;
}

function pair(pvs: Pv[]): Pair {
  const byName = new Map(pvs.map((pv) => [pv.name, new CaPv(pv)]));
  const server = new Circuit({
    directory: { find: (n) => byName.get(n) },
    peerHost: "127.0.0.1",
    tcpPort: 5064,
  });
  const client = newCircuit();
  const events: ClientEvent[] = [];
  const pump = () => {
    for (let moved = true; moved;) {
      moved = false;
      const up = client.takeOutput();
      if (up) {
        server.recv(up.slice());
        moved = true;
      }
      const down = server.takeOutput();
      if (down) {
        events.push(...client.recv(down.slice()));
        moved = true;
      }
    }
  };
  return { client, events, pump };
}

function pv(options: PvOptions): Pv {
  return new Pv(options);
}

Deno.test("ClientCircuit reads every native type from the server Circuit", () => {
  const pvs = [
    pv({ name: "D", type: "double", value: 2.5 }),
    pv({ name: "F", type: "float", value: 0.5 }),
    pv({ name: "L", type: "long", value: -70000 }),
    pv({ name: "S", type: "short", value: -12 }),
    pv({ name: "C", type: "char", value: 200 }),
    pv({ name: "E", type: "enum", value: 1, enumStrings: ["Off", "On"] }),
    pv({ name: "T", type: "string", value: "hello" }),
    pv({ name: "W", type: "double", count: 5, value: [1, 2, 3] }),
    pv({ name: "Z", type: "long", count: 4, value: [] }),
  ];
  const { client, events, pump } = pair(pvs);
  pvs.forEach((p, i) => client.createChannel(i + 1, p.name));
  pump();
  assert.equal(events.filter((e) => e.kind === "ChannelConnected").length, pvs.length);
  events.length = 0;
  pvs.forEach((_, i) => client.read(i + 1));
  pump();
  const values = events.map((e) => e.kind === "ReadDone" ? e.value.value : e.kind);
  assert.deepEqual(values, [2.5, 0.5, -70000, -12, 200, 1, "hello", [1, 2, 3], []]);
});

Deno.test("ClientCircuit monitors the server Circuit until the PV is removed", () => {
  const counter = pv({ name: "CNT", type: "long", value: 0 });
  const { client, events, pump } = pair([counter]);
  client.createChannel(1, "CNT");
  pump();
  client.subscribe(1, 5);
  pump();
  for (let i = 1; i <= 3; i++) {
    counter.post(i);
    pump();
  }
  counter.post(3, { severity: 2, status: 3 });
  pump();
  counter.remove();
  pump();
  const got = events.map((e) =>
    e.kind === "MonitorUpdate" ? `${e.value.value}/${e.value.severity}` : e.kind
  );
  assert.deepEqual(got, [
    "ServerVersion",
    "ChannelConnected",
    "0/0",
    "1/0",
    "2/0",
    "3/0",
    "3/2",
    "ChannelDisconnected",
  ]);
});

Deno.test("ClientCircuit writes to the server Circuit and sees the change", () => {
  const target = pv({ name: "SP", type: "double", value: 0 });
  const { client, events, pump } = pair([target]);
  client.createChannel(1, "SP");
  pump();
  client.write(1, [4.25]);
  client.write(1, ["7.5"]);
  pump();
  assert.equal(target.value, 7.5);
  const refusing = pv({ name: "RO", type: "double", value: 0, access: "ro" });
  const second = pair([refusing]);
  second.client.createChannel(1, "RO");
  second.pump();
  second.client.write(1, [1]);
  second.pump();
  assert.deepEqual(
    second.events.filter((e) => e.kind === "ServerError").map((e) =>
      e.kind === "ServerError" && e.eca
    ),
    [376],
  );
  assert.equal(events.filter((e) => e.kind === "ServerError").length, 0);
});

Deno.test("ClientCircuit.writeNotify() reports completion and refusal from the server Circuit", () => {
  const picky = pv({
    name: "P",
    type: "long",
    value: 0,
    onWrite: (v) => {
      if (v === 13) throw new WriteRefused();
      return undefined;
    },
  });
  const ro = pv({ name: "RO", type: "long", value: 0, access: "ro" });
  const { client, events, pump } = pair([picky, ro]);
  client.createChannel(1, "P");
  client.createChannel(2, "RO");
  pump();
  events.length = 0;
  const ok = client.writeNotify(1, [7]);
  const bad = client.writeNotify(1, ["13"]);
  const denied = client.writeNotify(2, [1]);
  pump();
  assert.deepEqual(events, [
    { kind: "WriteDone", cid: 1, ioid: ok },
    { kind: "WriteFailed", cid: 1, ioid: bad, eca: 160, text: "" },
    { kind: "WriteFailed", cid: 2, ioid: denied, eca: 376, text: "" },
  ]);
  assert.equal(picky.value, 7);
});

Deno.test("ClientCircuit.writeNotify() takes a refusal sent as ERROR, with its text", () => {
  const c = connected();
  const ioid = c.writeNotify(1, [3]);
  assert.equal(toHex(c.takeOutput()).slice(0, 32), "00130008000600010000000000000001");
  const embedded = "001300080006000100000000" + ioid.toString(16).padStart(8, "0");
  assert.deepEqual(
    c.recv(hex(
      "000b00180000000000000001000000a0" + embedded +
        "6e6f210000000000",
    )),
    [{ kind: "WriteFailed", cid: 1, ioid, eca: 160, text: "no!" }],
  );
});

Deno.test("ClientCircuit reads and monitors as DBR_TIME_STRING when asked", () => {
  const mode = pv({ name: "E", type: "enum", value: 1, enumStrings: ["Off", "On"] });
  const { client, events, pump } = pair([mode]);
  client.createChannel(1, "E");
  pump();
  events.length = 0;
  client.read(1, { asString: true });
  client.subscribe(1, 5, { asString: true });
  pump();
  mode.post(0);
  pump();
  const values = events.map((e) =>
    e.kind === "ReadDone" || e.kind === "MonitorUpdate" ? e.value.value : e.kind
  );
  assert.deepEqual(values, ["On", "On", "Off"]);
});

// Replay: every server message in the captures, fed to a client circuit per TCP stream.

const CAPTURES = [...Deno.readDirSync(CAPTURE_DIR)]
  .map((e) => e.name)
  .filter((n) => n.endsWith(".txt") && n !== "README.md")
  .sort();

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

Deno.test("ClientCircuit accepts every server message of the captured libca sessions", () => {
  let streams = 0;
  for (const file of CAPTURES) {
    const messages = readCapture(file).filter((m) => m.transport.startsWith("TCP"));
    const keys = new Set(messages.map((m) => `${m.section}/${m.transport}`));
    for (const key of keys) {
      const stream = messages.filter((m) => `${m.section}/${m.transport}` === key);
      // Probes that make the server send what libca itself refuses (NOT_FOUND, TCP searches).
      if (stream.some((m) => m.dir === "S→C" && [6, 14].includes(m.hdr[1]!))) continue;
      const c = newCircuit();
      const created = new Set<number>();
      const connected = new Set<number>();
      for (const m of stream) {
        const h = new DataView(m.hdr.buffer);
        if (m.dir === "C→S" && h.getUint16(0) === 18) {
          const cid = h.getUint32(8);
          if (!created.has(cid)) c.createChannel(cid, `cid${cid}`);
          created.add(cid);
        } else if (m.dir === "C→S" && h.getUint16(0) === 12) {
          c.clearChannel(h.getUint32(12));
        } else if (m.dir === "S→C") {
          for (const e of c.recv(concat([m.hdr, m.payload]))) {
            if (e.kind === "ChannelConnected") connected.add(e.cid);
          }
        }
      }
      streams++;
      const failed = stream.filter((m) => m.dir === "S→C" && m.hdr[1] === 26).length;
      assert.equal(connected.size + failed, created.size, `${file} ${key}`);
    }
  }
  assert.ok(streams >= 20, `${streams} streams replayed`);
});

Deno.test("decodeSearchReplies() finds every search reply of the captured datagrams", () => {
  for (const file of CAPTURES) {
    const udp = readCapture(file).filter((m) => m.transport === "UDP" && m.dir === "S→C");
    const datagrams = new Map<number, Uint8Array[]>();
    for (const m of udp) {
      datagrams.set(m.datagram, [...(datagrams.get(m.datagram) ?? []), m.hdr, m.payload]);
    }
    const replies = [...datagrams.values()].flatMap((parts) => decodeSearchReplies(concat(parts)));
    assert.equal(replies.length, udp.filter((m) => m.hdr[1] === 6).length, file);
    for (const r of replies) assert.equal(r.minor, 13, file);
  }
});
