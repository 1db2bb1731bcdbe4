/**
 * sharedPvSource(): a PV of the shared model (the shape of `mod/pv`'s `Pv`, written out here as a
 * small stand-in) served through the PVA circuit: NT alarm from severity/condition/message,
 * limits, writes with refusals, changes and removal.
 *
 * @module
 */

import assert from "node:assert/strict";
import { type SharedPv, sharedPvSource } from "../../../mod/pva/server/shared_pv.ts";
import { PvaCircuit } from "../../../mod/pva/server/circuit.ts";
import { ntSnapshot, ntTypeOf } from "../../../mod/pva/server/_nt_value.ts";
import { ServerStream } from "./_server_pvs.ts";
import {
  BitSet,
  encodeMessage,
  GET,
  ntScalar,
  ntScalarArray,
  PUT,
  type PvaMessage,
  pvRequestFromString,
} from "../../../mod/pva/protocol/mod.ts";

type Observer = Parameters<SharedPv["observe"]>[0];

/** The part of mod/pv's Pv that the adapter uses, with the same semantics. */
class StandInPv implements SharedPv {
  readonly name = "S:AO";
  readonly type = "double";
  readonly count = 1;
  value = 1.5;
  severity = 0;
  status = 0;
  message = "";
  timestamp = 1_700_000_000_250;
  readonly enumStrings: readonly string[] = [];
  readonly description = "shared";
  readonly meta = { units: "V", precision: 3, limits: [10, -10, 9, 8, -8, -9, 5, -5] };
  observers = new Set<Observer>();
  writes: string[] = [];
  observe(o: Observer): void {
    this.observers.add(o);
  }
  unobserve(o: Observer): void {
    this.observers.delete(o);
  }
  canWrite(ctx: { host: string; user: string }): boolean {
    return ctx.user !== "guest";
  }
  write(value: number, ctx: { host: string; user: string }): Error | undefined {
    this.writes.push(`${ctx.user}@${ctx.host}=${value}`);
    if (value > 100) return new Error("Out of range");
    this.post(value);
    return undefined;
  }
  post(value: number, severity = this.severity, status = this.status): void {
    Object.assign(this, { value, severity, status });
    for (const o of this.observers) o.onEvent(1, undefined);
  }
  remove(): void {
    for (const o of [...this.observers]) o.onRemoved();
    this.observers.clear();
  }
}

function send(c: PvaCircuit, ...ms: PvaMessage[]): void {
  for (const m of ms) c.recv(encodeMessage(m));
}

Deno.test("sharedPvSource() renders a shared PV as the NT types QSRV2 serves", () => {
  const pv = new StandInPv();
  const s = sharedPvSource(pv);
  assert.deepStrictEqual([s.kind, s.array, s.value], ["double", false, 1.5]);
  assert.deepStrictEqual(s.metadata, {
    description: "shared",
    units: "V",
    precision: 3,
    display: { low: -10, high: 10 },
    control: { low: -5, high: 5 },
    alarm: { lolo: -9, low: -8, high: 8, hihi: 9 },
  });
  pv.post(9.5, 2, 3);
  assert.deepStrictEqual(s.alarm, { severity: 2, status: 1, message: "HIHI" });
  pv.message = "too hot";
  assert.deepStrictEqual(s.alarm, { severity: 2, status: 1, message: "too hot" });
  assert.throws(() => sharedPvSource(Object.assign(new StandInPv(), { type: "blob" })), TypeError);
});

Deno.test("sharedPvSource() serves a CHAR array as an NTScalarArray of ubyte", () => {
  const text = Object.assign(new StandInPv(), {
    type: "char",
    count: 640,
    value: [104, 195, 169, 0],
  });
  const s = sharedPvSource(text);
  assert.deepStrictEqual([s.kind, s.array], ["ubyte", true]);
  assert.equal(ntTypeOf(s), ntScalarArray("ubyte"));
  const value = ntSnapshot(s).value["value"];
  assert.ok(value instanceof Uint8Array);
  assert.deepStrictEqual([...value], [104, 195, 169, 0]);
});

Deno.test("sharedPvSource() serves GET, PUT, refusals and removal through a circuit", async () => {
  const pv = new StandInPv();
  const source = sharedPvSource(pv);
  const c = new PvaCircuit({
    directory: { find: (n) => (n === pv.name ? source : undefined) },
    peerAddress: "10.0.0.7",
    peerPort: 1,
  });
  const s = new ServerStream();
  const sid = 0x07050301;
  const pvRequest = pvRequestFromString("");
  const put = (value: number): PvaMessage => ({
    kind: "PutExec",
    sid,
    ioid: 2,
    subcmd: 0,
    data: { type: ntScalar("double"), bits: BitSet.of(1), value: { value } },
  });
  send(
    c,
    {
      kind: "ValidationReply",
      receiveBufferSize: 0,
      registryMaxSize: 0,
      qos: 0,
      method: "anonymous",
      authData: { type: null, value: null },
    },
    { kind: "CreateChannelRequest", channels: [{ cid: 4, name: "S:AO" }] },
    { kind: "InitRequest", command: GET, sid, ioid: 1, subcmd: 8, pvRequest },
    { kind: "GetExec", sid, ioid: 1, subcmd: 0 },
    { kind: "InitRequest", command: PUT, sid, ioid: 2, subcmd: 8, pvRequest },
    put(42),
  );
  await new Promise((r) => setTimeout(r, 0));
  send(c, put(420));
  await new Promise((r) => setTimeout(r, 0));
  const out = s.push(c.takeOutput());
  const get = out.find((m) => m.kind === "GetReply");
  assert.equal(get?.kind === "GetReply" && get.data?.value["value"], 1.5);
  assert.deepStrictEqual(
    out.filter((m) => m.kind === "PutReply").map((m) => m.kind === "PutReply" && m.status.message),
    ["", "Out of range"],
  );
  // Anonymous clients have no host name: the address stands in, as for CA.
  assert.deepStrictEqual(pv.writes, ["@10.0.0.7=42", "@10.0.0.7=420"]);
  assert.equal(pv.value, 42);
  pv.remove();
  // Channels without a monitor do not watch their PV: the server reports its removal (PvaServer
  // watches every PV it serves once).
  c.sourceRemoved(source);
  assert.deepStrictEqual(s.push(c.takeOutput()), [{ kind: "DestroyChannel", sid, cid: 4 }]);
  assert.equal(pv.observers.size, 0);
});
