import assert from "node:assert/strict";
import { Circuit } from "../../../mod/ca/server/circuit.ts";
import { Pv, WriteRefused } from "../../../mod/pv/mod.ts";
import { CaPv } from "../../../mod/ca/server/_ca_pv.ts";
import { RemoteProtocolError } from "../../../mod/ca/protocol/errors.ts";
import { decodeHeader, encodeHeader, type Header } from "../../../mod/ca/protocol/header.ts";
import { readCapture } from "./_capture.ts";
import { dbrLayout } from "../../../mod/ca/protocol/dbr.ts";
import { convertWrite } from "../../../mod/ca/protocol/convert.ts";
import { ECA_BADCOUNT, ECA_PUTFAIL } from "../../../mod/ca/protocol/status.ts";
import { captureDatabase } from "./_capture.ts";
import { msg, name } from "./_wire.ts";

interface Msg extends Header {
  payload: Uint8Array;
}

function take(c: Circuit): Msg[] {
  const out = c.takeOutput();
  const msgs: Msg[] = [];
  let at = 0;
  while (out && at < out.length) {
    const h = decodeHeader(out.subarray(at))!;
    msgs.push({ ...h, payload: out.slice(at + h.headerSize, at + h.headerSize + h.size) });
    at += h.headerSize + h.size;
  }
  return msgs;
}

function setup(pvs: Pv[]) {
  const map = new Map(pvs.map((p) => [p.name, new CaPv(p)]));
  let wakes = 0;
  const c = new Circuit({
    directory: { find: (n) => map.get(n) },
    peerHost: "10.0.0.1",
    tcpPort: 5064,
    onWake: () => wakes++,
  });
  take(c);
  return { c, wakes: () => wakes };
}

function connect(c: Circuit, pvName: string, cid = 1): number {
  c.recv(msg({ cmd: 18, p1: cid, p2: 13 }, name(pvName)));
  const reply = take(c).find((m) => m.cmd === 18)!;
  return reply.p2;
}

function subscribe(c: Circuit, sid: number, subid: number, type = 20, mask = 5): void {
  const p = new Uint8Array(16);
  p[13] = mask;
  c.recv(msg({ cmd: 1, type, count: 0, p1: sid, p2: subid }, p));
}

Deno.test("Circuit.recv() gives the same replies when input is split at every byte offset", () => {
  const stream = readCapture("02-caget-dbr-types.txt")
    .filter((m) => m.section === "02p" && m.dir === "C→S" && m.transport === "TCP1")
    .flatMap((m) => [...m.hdr, ...m.payload]);
  const bytes = Uint8Array.from(stream);
  const db = captureDatabase();
  const run = (chunks: Uint8Array[]) => {
    const c = new Circuit({ directory: db.directory, peerHost: "h", tcpPort: 1 });
    const out: number[] = [];
    for (const chunk of chunks) {
      c.recv(chunk);
      out.push(...(c.takeOutput() ?? []));
    }
    c.close();
    return out.map((x) => x.toString(16)).join(",");
  };
  const whole = run([bytes]);
  assert.ok(whole.length > 100);
  for (let i = 1; i < bytes.length; i++) {
    const split = run([bytes.slice(0, i), bytes.slice(i)]);
    assert.equal(split, whole, `split at ${i}`);
  }
  assert.equal(run(Array.from(bytes, (b) => Uint8Array.of(b))), whole);
});

Deno.test("Circuit keeps only the newest update per subscription while events are off", () => {
  const pv = new Pv({ name: "A", type: "double", value: 1 });
  const { c } = setup([pv]);
  const sid = connect(c, "A");
  subscribe(c, sid, 7);
  assert.equal(take(c).length, 1);
  c.recv(msg({ cmd: 8 }));
  for (let i = 2; i < 100; i++) pv.post(i);
  assert.deepEqual(take(c), []);
  c.recv(msg({ cmd: 9 }));
  const updates = take(c);
  assert.equal(updates.length, 1);
  assert.equal(new DataView(updates[0]!.payload.buffer).getFloat64(16), 99);
});

Deno.test("Circuit coalesces updates for a client that does not read", () => {
  const pv = new Pv({ name: "A", type: "long", value: 1 });
  const { c, wakes } = setup([pv]);
  const sid = connect(c, "A");
  subscribe(c, sid, 1, 19);
  take(c);
  for (let i = 0; i < 10000; i++) pv.post(i);
  assert.ok(wakes() > 0);
  const out = take(c);
  assert.equal(out.length, 1);
  assert.equal(new DataView(out[0]!.payload.buffer).getInt32(12), 9999);
});

Deno.test("Circuit sends monitors only for events in the subscription mask", () => {
  const pv = new Pv({ name: "A", type: "double", value: 1 });
  const { c } = setup([pv]);
  const sid = connect(c, "A");
  subscribe(c, sid, 1, 20, 4);
  take(c);
  pv.post(2);
  assert.deepEqual(take(c), []);
  pv.post(2, { severity: 1, status: 4 });
  assert.equal(take(c).length, 1);
  pv.post(2, { severity: 1, status: 4 });
  assert.deepEqual(take(c), []);
});

Deno.test("Circuit sends SERVER_DISCONN when the PV is removed", () => {
  const pv = new Pv({ name: "A", type: "double", value: 1 });
  const { c } = setup([pv]);
  const sid = connect(c, "A", 42);
  subscribe(c, sid, 1);
  take(c);
  pv.remove();
  const out = take(c);
  assert.deepEqual(out.map((m) => [m.cmd, m.p1, m.p2]), [[27, 42, 0]]);
  pv.post(5);
  assert.deepEqual(take(c), []);
  assert.equal(c.channelCount, 0);
});

Deno.test("Circuit channels of one PV in several circuits all get updates until each closes", () => {
  const pv = new Pv({ name: "A", type: "long", value: 1 });
  const circuits = [setup([pv]).c, setup([pv]).c, setup([pv]).c];
  for (const [i, c] of circuits.entries()) {
    subscribe(c, connect(c, "A"), i + 1, 19);
    assert.equal(take(c).length, 1);
  }
  pv.post(2);
  assert.deepEqual(circuits.map((c) => take(c).length), [1, 1, 1]);
  circuits[1]!.close();
  circuits[0]!.close();
  pv.post(3);
  assert.deepEqual(circuits.map((c) => take(c).length), [0, 0, 1]);
  pv.remove();
  assert.deepEqual(take(circuits[2]!).map((m) => m.cmd), [27]);
});

Deno.test("Circuit answers WRITE_NOTIFY when an async onWrite settles and serves others meanwhile", async () => {
  const releases: ((ok: boolean) => void)[] = [];
  const pv: Pv = new Pv({
    name: "A",
    type: "long",
    value: 1,
    onWrite: (v) =>
      new Promise((resolve, reject) =>
        releases.push((ok) => ok ? resolve((v as number) * 10) : reject(new Error("failed")))
      ),
  });
  const other = new Pv({ name: "B", type: "long", value: 7 });
  const { c, wakes } = setup([pv, other]);
  const sid = connect(c, "A", 1);
  const sidB = connect(c, "B", 2);
  subscribe(c, sid, 3, 19);
  take(c);
  const four = new Uint8Array(8);
  new DataView(four.buffer).setInt32(0, 4);
  // WRITE_NOTIFY (ioid 9), then a READ_NOTIFY of the same PV and a plain WRITE of another PV.
  c.recv(msg({ cmd: 19, type: 5, count: 1, p1: sid, p2: 9 }, four));
  c.recv(msg({ cmd: 15, type: 5, count: 1, p1: sid, p2: 10 }));
  c.recv(msg({ cmd: 4, type: 5, count: 1, p1: sidB, p2: 11 }, four));
  c.recv(msg({ cmd: 19, type: 5, count: 1, p1: sid, p2: 12 }, four));
  let out = take(c);
  // Only the read is answered (old value); the write callbacks are still pending.
  assert.deepEqual(out.map((m) => [m.cmd, m.p1, m.p2]), [[15, 1, 10]]);
  assert.equal(new DataView(out[0]!.payload.buffer).getInt32(0), 1);
  assert.equal(other.value, 4);
  let wakesBefore = wakes();
  releases[1]!(false);
  await new Promise((r) => setTimeout(r, 0));
  // The server is woken to send what settled outside recv().
  assert.ok(wakes() > wakesBefore);
  wakesBefore = wakes();
  assert.deepEqual(take(c).map((m) => [m.cmd, m.p1, m.p2]), [[19, 160, 12]]);
  releases[0]!(true);
  await new Promise((r) => setTimeout(r, 0));
  out = take(c);
  assert.deepEqual(out.map((m) => [m.cmd, m.p1, m.p2]), [[19, 1, 9], [1, 1, 3]]);
  // DBR_TIME_LONG: status, severity, stamp, then the value.
  assert.equal(new DataView(out[1]!.payload.buffer).getInt32(12), 40);
  assert.ok(wakes() > wakesBefore);
});

Deno.test("Circuit answers a refused plain WRITE with ERROR once its async onWrite settles", async () => {
  let refuse: (() => void) | undefined;
  const pv = new Pv({
    name: "A",
    type: "long",
    value: 1,
    onWrite: () => new Promise((_, reject) => (refuse = () => reject(new WriteRefused(376)))),
  });
  const { c } = setup([pv]);
  const sid = connect(c, "A");
  const four = new Uint8Array(8);
  new DataView(four.buffer).setInt32(0, 4);
  c.recv(msg({ cmd: 4, type: 5, count: 1, p1: sid, p2: 0 }, four));
  c.recv(msg({ cmd: 15, type: 5, count: 1, p1: sid, p2: 10 }));
  assert.deepEqual(take(c).map((m) => m.cmd), [15]);
  refuse!();
  await new Promise((r) => setTimeout(r, 0));
  const [err] = take(c);
  assert.deepEqual([err!.cmd, err!.p1, err!.p2], [11, 1, 376]);
  assert.equal(pv.value, 1);
});

Deno.test("Circuit stops reading a client with too many writes in flight until one settles", async () => {
  const releases: (() => void)[] = [];
  const pv = new Pv({
    name: "A",
    type: "long",
    value: 1,
    onWrite: () => new Promise((resolve) => releases.push(() => resolve(undefined))),
  });
  const { c } = setup([pv]);
  const sid = connect(c, "A");
  const four = new Uint8Array(8);
  new DataView(four.buffer).setInt32(0, 4);
  const writes: Uint8Array[] = [];
  for (let ioid = 0; ioid < 300; ioid++) {
    writes.push(msg({ cmd: 19, type: 5, count: 1, p1: sid, p2: ioid }, four));
  }
  c.recv(Uint8Array.from(writes.flatMap((w) => [...w])));
  c.recv(msg({ cmd: 15, type: 5, count: 1, p1: sid, p2: 1000 }));
  assert.equal(releases.length, 256);
  assert.deepEqual(take(c), []);
  releases[0]!();
  await new Promise((r) => setTimeout(r, 0));
  // One answer, and the input resumed: one more write is handled before input waits again.
  assert.deepEqual(take(c).map((m) => [m.cmd, m.p2]), [[19, 0]]);
  assert.equal(releases.length, 257);
  const out: Msg[] = [];
  let released = 1;
  while (released < 300) {
    const batch = releases.slice(released);
    released += batch.length;
    for (const release of batch) release();
    await new Promise((r) => setTimeout(r, 0));
    out.push(...take(c));
  }
  assert.equal(out.filter((m) => m.cmd === 19).length, 299);
  assert.equal(out.filter((m) => m.cmd === 15).length, 1);
});

Deno.test("Circuit refuses writes with the right ECA status", () => {
  const ro = new Pv({ name: "RO", type: "long", value: 1, access: "ro" });
  const e = new Pv({ name: "E", type: "enum", value: 0, enumStrings: ["Off", "On"] });
  const refused = new Pv({
    name: "R",
    type: "long",
    value: 1,
    onWrite: () => {
      throw new WriteRefused(376);
    },
  });
  const { c } = setup([ro, e, refused]);
  const sidRo = connect(c, "RO", 1);
  const sidE = connect(c, "E", 2);
  const sidR = connect(c, "R", 3);
  const five = new Uint8Array(8);
  new DataView(five.buffer).setInt32(0, 5);
  c.recv(msg({ cmd: 4, type: 5, count: 1, p1: sidRo, p2: 1 }, five));
  const [err] = take(c);
  assert.equal(err!.cmd, 11);
  assert.equal(err!.p1, 1);
  assert.equal(err!.p2, 376);
  assert.equal(new TextDecoder().decode(err!.payload.subarray(16, 18)), "RO");
  c.recv(msg({ cmd: 19, type: 5, count: 1, p1: sidE, p2: 5 }, five));
  c.recv(msg({ cmd: 19, type: 0, count: 1, p1: sidE, p2: 6 }, name("Maybe")));
  c.recv(msg({ cmd: 19, type: 0, count: 1, p1: sidE, p2: 7 }, name("On")));
  c.recv(msg({ cmd: 19, type: 5, count: 1, p1: sidR, p2: 8 }, five));
  assert.deepEqual(take(c).map((m) => [m.cmd, m.p1, m.p2]), [
    [19, 160, 5],
    [19, 160, 6],
    [19, 1, 7],
    [19, 376, 8],
  ]);
  assert.equal(e.value, 1);
  assert.equal(refused.value, 1);
});

Deno.test("Circuit stores one written element as the general conversion does, in every type", () => {
  const types = ["string", "short", "float", "enum", "char", "long", "double"] as const;
  const enumStrings = ["Off", "On", "12"];
  const pvs = types.map((type) => new Pv({ name: type, type, value: 0, enumStrings }));
  const { c } = setup(pvs);
  const sids = types.map((t, i) => connect(c, t, i + 1));
  const text = (s: string) => (v: DataView, at: number) =>
    new Uint8Array(v.buffer).set(new TextEncoder().encode(s), at);
  // Every DBR type family a client may write (plain, STS, TIME), with values that need
  // truncation, rounding, clamping, parsing or a state lookup in some target.
  const writes: [number, (v: DataView, at: number) => void, number | string][] = [
    [1, (v, at) => v.setInt16(at, -300), -300],
    [2, (v, at) => v.setFloat32(at, 1e10), Math.fround(1e10)],
    [3, (v, at) => v.setUint16(at, 1), 1],
    [5, (v, at) => v.setInt32(at, 70000), 70000],
    [6, (v, at) => v.setFloat64(at, -1.75), -1.75],
    [13, (v, at) => v.setFloat64(at, 255.9), 255.9],
    [20, (v, at) => v.setFloat64(at, 3e9), 3e9],
    [0, text(" 42.5 mm"), " 42.5 mm"],
    [0, text("On"), "On"],
    [14, text("12"), "12"],
    [0, text("1e400"), "1e400"],
    // Plain decimals, which a floating-point channel parses straight from the bytes.
    [0, text("0.000100"), "0.000100"],
    [0, text("-2.5e3"), "-2.5e3"],
    [0, text("1e39"), "1e39"],
    [0, text("7.25abc"), "7.25abc"],
  ];
  let ioid = 0;
  for (const [dbrType, set, written] of writes) {
    const layout = dbrLayout(dbrType)!;
    const payload = new Uint8Array((layout.voff + layout.vsz + 7) & ~7);
    set(new DataView(payload.buffer), layout.voff);
    for (const [i, pv] of pvs.entries()) {
      const before = pv.value;
      c.recv(msg({ cmd: 19, type: dbrType, count: 1, p1: sids[i]!, p2: ++ioid }, payload));
      const [reply] = take(c);
      const values = typeof written === "string" ? [written] : [written];
      const want = convertWrite(values, {
        srcType: layout.valueType,
        target: { nativeType: pv.nativeType, enumStrings },
      });
      const label = `DBR type ${dbrType} (${JSON.stringify(written)}) into ${pv.type}`;
      assert.deepEqual([reply!.cmd, reply!.p2], [19, ioid], label);
      if (want === undefined) {
        assert.equal(reply!.p1, ECA_PUTFAIL, label);
        assert.equal(pv.value, before, label);
      } else {
        assert.equal(reply!.p1, 1, label);
        assert.equal(pv.value, want[0], label);
      }
    }
  }
  // A payload too short for the value is refused, and the value kept.
  pvs[6]!.post(5);
  c.recv(msg({ cmd: 19, type: 20, count: 1, p1: sids[6]!, p2: 99 }, new Uint8Array(8)));
  assert.deepEqual(take(c).map((m) => [m.cmd, m.p1, m.p2]), [[19, ECA_BADCOUNT, 99]]);
  assert.equal(pvs[6]!.value, 5);
});

Deno.test("Circuit re-sends ACCESS_RIGHTS and repeats the value after refreshAccess()", () => {
  let writable = true;
  const pv = new Pv({
    name: "A",
    type: "long",
    value: 1,
    canWrite: (ctx) => writable && ctx.user === "me",
  });
  const { c } = setup([pv]);
  c.recv(msg({ cmd: 20 }, name("me")));
  c.recv(msg({ cmd: 18, p1: 1, p2: 13 }, name("A")));
  assert.deepEqual(take(c).map((m) => [m.cmd, m.p2]), [[22, 3], [18, 0]]);
  subscribe(c, 0, 1, 19);
  take(c);
  writable = false;
  c.refreshAccess();
  assert.deepEqual(take(c).map((m) => [m.cmd, m.p2]), [[22, 1], [1, 1]]);
  c.refreshAccess();
  assert.deepEqual(take(c), []);
});

Deno.test("Circuit reports bad ids with ERROR and keeps the circuit", () => {
  const { c } = setup([new Pv({ name: "A", type: "long", value: 1 })]);
  c.recv(msg({ cmd: 15, type: 5, count: 1, p1: 77, p2: 1 }));
  c.recv(msg({ cmd: 2, type: 5, p1: 77, p2: 9 }));
  assert.deepEqual(take(c).map((m) => [m.cmd, m.p2]), [[11, 410], [11, 242]]);
  c.recv(msg({ cmd: 23 }));
  assert.deepEqual(take(c).map((m) => m.cmd), [23]);
});

Deno.test("Circuit answers unknown types with ECA_BADTYPE", () => {
  const { c } = setup([new Pv({ name: "A", type: "long", value: 1 })]);
  const sid = connect(c, "A");
  c.recv(msg({ cmd: 15, type: 99, count: 1, p1: sid, p2: 1 }));
  const [r] = take(c);
  assert.deepEqual([r!.cmd, r!.p1, r!.payload.length], [15, 114, 8]);
});

Deno.test("Circuit closes on unknown commands, misaligned and oversized payloads", () => {
  for (const bad of [msg({ cmd: 7 }), msg({ cmd: 20, size: 5 } as Header, new Uint8Array(5))]) {
    const { c } = setup([]);
    assert.throws(() => c.recv(bad), RemoteProtocolError);
  }
  const { c } = setup([]);
  // Only the header of a 1 MB WRITE: refused before the body arrives.
  const hdr = encodeHeader({ cmd: 4, size: 1 << 20, type: 6, count: 1 << 17, p1: 0, p2: 0 });
  assert.throws(() => c.recv(hdr), RemoteProtocolError);
  assert.equal(take(c)[0]!.p2, 72);
});

Deno.test("Circuit answers TCP searches and NOT_FOUND only for DO_REPLY", () => {
  const { c } = setup([new Pv({ name: "A", type: "long", value: 1 })]);
  c.recv(msg({ cmd: 6, type: 5, count: 13, p1: 1, p2: 1 }, name("A")));
  c.recv(msg({ cmd: 6, type: 5, count: 13, p1: 2, p2: 2 }, name("B")));
  c.recv(msg({ cmd: 6, type: 10, count: 13, p1: 3, p2: 3 }, name("B")));
  assert.deepEqual(take(c).map((m) => [m.cmd, m.type, m.p2]), [[6, 5064, 1], [14, 10, 3]]);
});

Deno.test("Circuit limits channels per circuit", () => {
  const pv = new CaPv(new Pv({ name: "A", type: "long", value: 1 }));
  const c = new Circuit({
    directory: { find: () => pv },
    peerHost: "h",
    tcpPort: 1,
    maxChannels: 2,
  });
  take(c);
  for (let i = 0; i < 3; i++) c.recv(msg({ cmd: 18, p1: i, p2: 13 }, name("A")));
  assert.deepEqual(take(c).map((m) => m.cmd), [22, 18, 22, 18, 11]);
  c.close();
});
