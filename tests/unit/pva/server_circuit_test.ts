/**
 * The PVA server circuit, bytes in → bytes out: validation and credentials, channels, GET, PUT
 * (refused, out of range, asynchronous), MONITOR (field selection, pipeline, coalescing, stop),
 * removal of a PV, and the bounds a client cannot push past.
 *
 * @module
 */

import assert from "node:assert/strict";
import { pick, wire } from "./_capture.ts";
import { capPvs, circuitFor, ServerStream } from "./_server_pvs.ts";
import { Pv, WriteRefused } from "../../../mod/pv/mod.ts";
import type { PvaCircuit } from "../../../mod/pva/server/circuit.ts";
import {
  BitSet,
  encodeMessage,
  GET,
  MONITOR,
  ntEnum,
  ntScalar,
  PUT,
  type PvaMessage,
  pvRequestFromString,
  RemoteProtocolError,
  scalar,
  type StructDesc,
  structure,
} from "../../../mod/pva/protocol/mod.ts";

const SID = 0x07050301;

function send(c: PvaCircuit, ...messages: PvaMessage[]): void {
  for (const m of messages) c.recv(encodeMessage(m));
}

function validation(user = "", host = ""): PvaMessage {
  return {
    kind: "ValidationReply",
    receiveBufferSize: 0x10000,
    registryMaxSize: 0x7fff,
    qos: 0,
    method: "ca",
    authData: {
      type: structure("", { user: scalar("string"), host: scalar("string") }),
      value: { user, host },
    },
  };
}

function init(command: number, ioid: number, request = "", sid = SID): PvaMessage {
  const pvRequest = pvRequestFromString(request);
  const m: PvaMessage = { kind: "InitRequest", command, sid, ioid, subcmd: 0x08, pvRequest };
  if (request.includes("pipeline=true")) {
    m.subcmd = 0x88;
    m.queueSize = Number(/queueSize=(\d+)/.exec(request)?.[1] ?? 4);
  }
  return m;
}

/** A validated circuit with one channel open on `name`. */
function open(pvs: Map<string, Pv>, name: string, user = "") {
  const c = circuitFor(pvs);
  const s = new ServerStream();
  send(c, validation(user), { kind: "CreateChannelRequest", channels: [{ cid: 7, name }] });
  const setup = s.push(c.takeOutput());
  return { c, s, setup };
}

function putIndex(ioid: number, index: number): PvaMessage {
  return {
    kind: "PutExec",
    sid: SID,
    ioid,
    subcmd: 0,
    data: { type: ntEnum(), bits: BitSet.of(2), value: { value: { index } } },
  };
}

function putValue(type: StructDesc, ioid: number, value: number | string): PvaMessage {
  return {
    kind: "PutExec",
    sid: SID,
    ioid,
    subcmd: 0,
    data: { type, bits: BitSet.of(1), value: { value } },
  };
}

function kinds(ms: PvaMessage[]): string[] {
  return ms.map((m) => m.kind);
}

function tick(): Promise<void> {
  return new Promise((r) => setTimeout(r, 0));
}

Deno.test("PvaCircuit greets with SET_BYTE_ORDER and CONNECTION_VALIDATION as QSRV2 does", () => {
  const c = circuitFor(capPvs());
  const expected = [
    ...wire(pick("02-pvxget.txt", "02b", "S->C", "SET_BYTE_ORDER")),
    ...wire(pick("02-pvxget.txt", "02b", "S->C", "CONNECTION_VALIDATION")),
  ];
  assert.deepStrictEqual([...c.takeOutput()!], expected);
  assert.equal(c.takeOutput(), undefined);
});

Deno.test("PvaCircuit refuses an unknown channel with FATAL and keeps serving", () => {
  const { c, s, setup } = open(capPvs(), "NOPE");
  const reply = setup.find((m) => m.kind === "CreateChannelReply");
  assert.equal(reply?.kind === "CreateChannelReply" && reply.sid, 0xffffffff);
  assert.equal(reply?.kind === "CreateChannelReply" && reply.status.type, "fatal");
  send(c, { kind: "Echo", payload: new Uint8Array([1, 2]) });
  assert.deepStrictEqual(s.push(c.takeOutput()), [{
    kind: "Echo",
    payload: new Uint8Array([1, 2]),
  }]);
});

Deno.test("PvaCircuit hands the ca user and host to canWrite", async () => {
  for (const [user, expected] of [["alice", "ok"], ["bob", "error"]] as const) {
    const seen: string[] = [];
    const pv = new Pv({
      name: "X",
      type: "double",
      value: 1,
      canWrite: (ctx) => {
        seen.push(`${ctx.user}@${ctx.host}`);
        return ctx.user === "alice";
      },
    });
    const c = circuitFor(new Map([["X", pv]]));
    const s = new ServerStream();
    send(c, validation(user, "vm"), {
      kind: "CreateChannelRequest",
      channels: [{ cid: 1, name: "X" }],
    });
    send(c, init(PUT, 1), putValue(ntScalar("double"), 1, 2));
    await tick();
    const reply = s.push(c.takeOutput()).find((m) => m.kind === "PutReply");
    assert.equal(reply?.kind === "PutReply" && reply.status.type, expected);
    if (expected === "error") {
      assert.equal(reply?.kind === "PutReply" && reply.status.message, "Put not permitted");
    }
    assert.deepStrictEqual(seen, [`${user}@vm`]);
    assert.equal(pv.value, expected === "ok" ? 2 : 1);
  }
});

Deno.test("PvaCircuit refuses an enum index out of range and keeps the value", async () => {
  const pvs = capPvs();
  const { c, s } = open(pvs, "CAP:CTRL");
  send(c, init(PUT, 1), putIndex(1, 7));
  await tick();
  const reply = s.push(c.takeOutput()).find((m) => m.kind === "PutReply");
  assert.equal(reply?.kind === "PutReply" && reply.status.type, "error");
  assert.match(reply?.kind === "PutReply" ? reply.status.message : "", /index 7.*3 choices/);
  assert.equal(pvs.get("CAP:CTRL")!.value, 1);
  send(c, putIndex(1, 2));
  await tick();
  const ok = s.push(c.takeOutput()).find((m) => m.kind === "PutReply");
  assert.equal(ok?.kind === "PutReply" && ok.status.type, "ok");
  assert.equal(pvs.get("CAP:CTRL")!.value, 2);
});

Deno.test("PvaCircuit answers a PUT whose onWrite returns a promise once it settles", async () => {
  let settle: ((v: number | undefined) => void) | undefined;
  let fail: ((e: Error) => void) | undefined;
  const pv = new Pv({
    name: "X",
    type: "long",
    value: 1,
    onWrite: () =>
      new Promise<number | undefined>((resolve, reject) => {
        settle = resolve;
        fail = reject;
      }),
  });
  const { c, s } = open(new Map([["X", pv]]), "X");
  send(c, init(PUT, 1), init(MONITOR, 2));
  send(c, { kind: "MonitorExec", sid: SID, ioid: 2, subcmd: 0x44 });
  send(c, putValue(ntScalar("int"), 1, 5));
  await tick();
  const before = s.push(c.takeOutput());
  assert.deepStrictEqual(kinds(before), ["InitReply", "InitReply", "MonitorUpdate"]);
  // Other requests are served meanwhile.
  send(c, { kind: "Echo", payload: new Uint8Array() });
  assert.deepStrictEqual(kinds(s.push(c.takeOutput())), ["Echo"]);
  settle!(6); // store 6 instead of 5
  await tick();
  const after = s.push(c.takeOutput());
  // The PUT reply precedes the monitor update it causes (§9.25).
  assert.deepStrictEqual(kinds(after), ["PutReply", "MonitorUpdate"]);
  assert.equal(pv.value, 6);
  send(c, putValue(ntScalar("int"), 1, 9));
  await tick();
  fail!(new WriteRefused("failed", "Interlock open"));
  await tick();
  const refused = s.push(c.takeOutput());
  assert.deepStrictEqual(
    refused.map((m) => m.kind === "PutReply" ? m.status.message : m.kind),
    ["Interlock open"],
  );
  assert.equal(pv.value, 6);
});

Deno.test("PvaCircuit monitors send everything first, then what changed, masked by the request", () => {
  const pvs = capPvs();
  const { c, s } = open(pvs, "CAP:CTRL");
  send(c, init(MONITOR, 1), init(MONITOR, 2, "field(value)"));
  send(c, { kind: "MonitorExec", sid: SID, ioid: 1, subcmd: 0x44 });
  send(c, { kind: "MonitorExec", sid: SID, ioid: 2, subcmd: 0x44 });
  const first = s.push(c.takeOutput()).filter((m) => m.kind === "MonitorUpdate");
  assert.deepStrictEqual(
    first.map((m) => m.kind === "MonitorUpdate" && `${m.ioid} ${m.data?.bits}`),
    ["1 {2,3,5,6,7,9,10,11,13}", "2 {2,3}"],
  );
  const ctrl = pvs.get("CAP:CTRL")!;
  ctrl.post(2, { severity: 1, status: 7, timestamp: ctrl.timestamp + 1500 });
  const next = s.push(c.takeOutput());
  assert.deepStrictEqual(
    next.map((m) => m.kind === "MonitorUpdate" && `${m.ioid} ${m.data?.bits}`),
    ["1 {2,5,6,7,9,10}", "2 {2}"],
  );
  const alarm = next[0]!.kind === "MonitorUpdate" ? next[0]!.data?.value["alarm"] : null;
  assert.deepStrictEqual(alarm, { severity: 1, status: 1, message: "STATE" });
  // Same value and alarm: no update (MDEL 0).
  pvs.get("CAP:CTRL")!.post(2);
  assert.equal(c.takeOutput(), undefined);
  // Stopped: nothing; started again: everything.
  send(c, { kind: "MonitorExec", sid: SID, ioid: 1, subcmd: 0x04 });
  pvs.get("CAP:CTRL")!.post(0);
  const stopped = s.push(c.takeOutput());
  assert.deepStrictEqual(stopped.map((m) => m.kind === "MonitorUpdate" && m.ioid), [2]);
  send(c, { kind: "MonitorExec", sid: SID, ioid: 1, subcmd: 0x44 });
  const restarted = s.push(c.takeOutput());
  assert.deepStrictEqual(
    restarted.map((m) => m.kind === "MonitorUpdate" && `${m.ioid} ${m.data?.bits}`),
    ["1 {2,3,5,6,7,9,10,11,13}"],
  );
});

Deno.test("PvaCircuit monitors with pipeline send no more than the client acked", () => {
  const pvs = capPvs();
  const hb = pvs.get("CAP:HB")!;
  const { c, s } = open(pvs, "CAP:HB");
  send(c, init(MONITOR, 1, "record[pipeline=true,queueSize=2]"));
  send(c, { kind: "MonitorExec", sid: SID, ioid: 1, subcmd: 0x44 });
  const updates = () =>
    s.push(c.takeOutput()).filter((m) => m.kind === "MonitorUpdate")
      .map((m) => m.kind === "MonitorUpdate" && m.data?.value["value"]);
  assert.deepStrictEqual(updates(), [5]);
  hb.post(6);
  assert.deepStrictEqual(updates(), [6]);
  hb.post(7);
  hb.post(8);
  assert.deepStrictEqual(updates(), []); // window used up
  send(c, { kind: "MonitorExec", sid: SID, ioid: 1, subcmd: 0x80, ack: 1 });
  assert.deepStrictEqual(updates(), [8]); // the latest value, once
  assert.deepStrictEqual(updates(), []);
});

Deno.test("PvaCircuit coalesces monitor updates while the client does not read", () => {
  const pvs = capPvs();
  const hb = pvs.get("CAP:HB")!;
  const { c, s } = open(pvs, "CAP:HB");
  send(c, init(MONITOR, 1));
  send(c, { kind: "MonitorExec", sid: SID, ioid: 1, subcmd: 0x44 });
  s.push(c.takeOutput());
  for (let i = 0; i < 100_000; i++) hb.post(100 + i);
  const out = c.takeOutput()!;
  assert.ok(out.length < 100, `${out.length} bytes for one update`);
  const [m] = s.push(out);
  assert.equal(m?.kind === "MonitorUpdate" && m.data?.value["value"], 100_099);
});

Deno.test("PvaCircuit drops a client whose replies pile up unread", () => {
  const c = circuitFor(capPvs(), { maxQueueBytes: 64 * 1024 });
  send(c, validation(), { kind: "CreateChannelRequest", channels: [{ cid: 1, name: "CAP:AI" }] });
  send(c, init(GET, 1));
  assert.throws(() => {
    for (let i = 0; i < 10_000; i++) send(c, { kind: "GetExec", sid: SID, ioid: 1, subcmd: 0 });
  }, RemoteProtocolError);
});

Deno.test("PvaCircuit caps the channels of one client", () => {
  const c = circuitFor(capPvs(), { maxChannels: 2 });
  const s = new ServerStream();
  const channels = [1, 2, 3].map((cid) => ({ cid, name: "CAP:AI" }));
  send(c, validation(), { kind: "CreateChannelRequest", channels });
  const replies = s.push(c.takeOutput()).filter((m) => m.kind === "CreateChannelReply");
  assert.deepStrictEqual(
    replies.map((m) => m.kind === "CreateChannelReply" && m.status.type),
    ["ok", "ok", "fatal"],
  );
});

Deno.test("PvaCircuit caps the operations of one client", () => {
  const c = circuitFor(capPvs(), { maxOperations: 2 });
  const s = new ServerStream();
  send(c, validation(), { kind: "CreateChannelRequest", channels: [{ cid: 1, name: "CAP:AI" }] });
  send(c, init(MONITOR, 1), init(MONITOR, 2), init(MONITOR, 3));
  const replies = s.push(c.takeOutput()).filter((m) => m.kind === "InitReply");
  assert.deepStrictEqual(
    replies.map((m) => m.kind === "InitReply" && m.status.type),
    ["ok", "ok", "error"],
  );
  assert.equal(c.operationCount, 2);
});

Deno.test("PvaCircuit destroys the channels of a removed PV", () => {
  const pvs = capPvs();
  const { c, s } = open(pvs, "CAP:AI");
  send(c, init(MONITOR, 1), { kind: "MonitorExec", sid: SID, ioid: 1, subcmd: 0x44 });
  s.push(c.takeOutput());
  pvs.get("CAP:AI")!.remove();
  assert.deepStrictEqual(s.push(c.takeOutput()), [{ kind: "DestroyChannel", sid: SID, cid: 7 }]);
  assert.equal(c.channelCount, 0);
  assert.equal(c.operationCount, 0);
});

Deno.test("PvaCircuit fails INIT of a selection that matches nothing and of unsupported operations", () => {
  const { c, s } = open(capPvs(), "CAP:AI");
  send(c, init(GET, 1, "field(nosuch)"), init(12, 2), init(GET, 3, "", 99));
  const replies = s.push(c.takeOutput());
  assert.deepStrictEqual(
    replies.map((m) => m.kind === "InitReply" && `${m.ioid} ${m.status.type}`),
    ["1 error", "2 error", "3 error"],
  );
  assert.equal(c.operationCount, 0);
});

Deno.test("PvaCircuit closes on a message sent in the server's direction", () => {
  const c = circuitFor(capPvs());
  assert.throws(
    () => c.recv(encodeMessage({ kind: "Validated", status: { type: "ok", message: "" } })),
    RemoteProtocolError,
  );
});
