/**
 * Replays the client side of the real libca/pyepics captures through a Circuit serving the
 * capture database and compares every server message with RSRV's, byte for byte. Masked: time
 * stamps, the stale bytes RSRV leaves after string NULs and in struct pads (the README names
 * them), and the values of the 1 Hz counter CAP:CNT. SIDs are not masked: the replay hands out
 * SIDs from one counter per file, as RSRV does.
 */
import assert from "node:assert/strict";
import { Circuit } from "../../../mod/ca/server/circuit.ts";
import { convertWrite } from "../../../mod/ca/protocol/convert.ts";
import { dbrLayout, decodeDbrValues } from "../../../mod/ca/protocol/dbr.ts";
import { decodeHeader } from "../../../mod/ca/protocol/header.ts";
import { answerSearch } from "../../../mod/ca/protocol/search.ts";
import { captureDatabase, type CaptureMessage, readCapture } from "./_capture.ts";

const FILES = [
  "01-caget-scalar.txt",
  "02-caget-dbr-types.txt",
  "03-caput.txt",
  "04-camonitor.txt",
  "05-missing-pv.txt",
  "06-access-denied.txt",
  "07-pyepics.txt",
  "08-beacons.txt",
  "09-extended-header.txt",
];

interface Msg {
  hdr: Uint8Array;
  payload: Uint8Array;
}

function splitMessages(bytes: Uint8Array): Msg[] {
  const out: Msg[] = [];
  let at = 0;
  while (at < bytes.length) {
    const h = decodeHeader(bytes.subarray(at))!;
    out.push({
      hdr: bytes.slice(at, at + h.headerSize),
      payload: bytes.slice(at + h.headerSize, at + h.headerSize + h.size),
    });
    at += h.headerSize + h.size;
  }
  return out;
}

function toHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

interface Conn {
  circuit: Circuit;
  actual: Msg[];
  cidName: Map<number, string>;
  sidName: Map<number, string>;
  ioidSid: Map<number, number>;
  subs: Map<number, { sid: number; initial: boolean }>;
}

/** Apply the masks the README allows to a payload (both ours and RSRV's). */
function mask(payload: Uint8Array, hdr: Uint8Array, note: string, volatile: boolean): Uint8Array {
  const p = payload.slice();
  const h = decodeHeader(hdr)!;
  if (h.cmd !== 1 && h.cmd !== 15 && h.cmd !== 3) return p;
  const layout = dbrLayout(h.type);
  if (!layout || p.length === 0) return p;
  if (h.type >= 14 && h.type <= 20) p.fill(0, 4, 12);
  const pad = /struct pad bytes \[(\d+):(\d+)\]/.exec(note);
  if (pad) p.fill(0, Number(pad[1]), Number(pad[2]));
  if (note.includes("bytes after NUL not zero")) {
    for (let i = 0; i < h.count; i++) {
      const slot = layout.voff + i * 40;
      const nul = p.indexOf(0, slot);
      if (nul >= 0 && nul < slot + 40) p.fill(0, nul, slot + 40);
    }
  }
  if (volatile) p.fill(0, layout.voff);
  return p;
}

function pvNameOf(conn: Conn, h: { cmd: number; p2: number }): string | undefined {
  if (h.cmd === 1) {
    const sub = conn.subs.get(h.p2);
    return sub ? conn.sidName.get(sub.sid) : undefined;
  }
  if (h.cmd === 15 || h.cmd === 3) {
    const sid = conn.ioidSid.get(h.p2);
    return sid === undefined ? undefined : conn.sidName.get(sid);
  }
  return undefined;
}

function replayTcp(file: string, messages: CaptureMessage[]): number {
  const db = captureDatabase();
  let nextSid = 0;
  const conns = new Map<string, Conn>();
  let compared = 0;
  const drain = (conn: Conn) => {
    const out = conn.circuit.takeOutput();
    if (out) conn.actual.push(...splitMessages(out));
  };
  // Clients of a section have gone (FIN) before the next section starts.
  const finish = () => {
    for (const [key, conn] of conns) {
      drain(conn);
      assert.deepEqual(conn.actual.map((a) => toHex(a.hdr)), [], `${file} ${key}: extra messages`);
      conn.circuit.close();
    }
    conns.clear();
  };
  let section = "";
  for (const m of messages) {
    if (!m.transport.startsWith("TCP")) continue;
    if (m.section !== section) {
      finish();
      section = m.section;
    }
    const key = `${m.section}/${m.transport}`;
    let conn = conns.get(key);
    if (!conn) {
      conn = {
        circuit: new Circuit({
          directory: db.directory,
          peerHost: "127.0.0.1",
          tcpPort: 25064,
          allocateSid: () => nextSid++,
        }),
        actual: [],
        cidName: new Map(),
        sidName: new Map(),
        ioidSid: new Map(),
        subs: new Map(),
      };
      conns.set(key, conn);
    }
    const h = decodeHeader(m.hdr)!;
    const where = `${file} ${m.section} ${m.transport} ${m.note.slice(0, 80)}`;
    if (m.dir === "C→S") {
      if (h.cmd === 18) {
        conn.cidName.set(h.p1, new TextDecoder().decode(m.payload).replace(/\0.*$/s, ""));
      }
      if (h.cmd === 15 || h.cmd === 3) conn.ioidSid.set(h.p2, h.p1);
      if (h.cmd === 1) conn.subs.set(h.p2, { sid: h.p1, initial: false });
      const bytes = new Uint8Array(m.hdr.length + m.payload.length);
      bytes.set(m.hdr);
      bytes.set(m.payload, m.hdr.length);
      conn.circuit.recv(bytes);
      drain(conn);
      continue;
    }
    if (m.dir !== "S→C") continue;
    if (h.cmd === 18) conn.sidName.set(h.p2, conn.cidName.get(h.p1) ?? "");
    if (h.cmd === 1 && h.size > 0) {
      const sub = conn.subs.get(h.p2);
      assert.ok(sub, `${where}: update for an unknown subscription`);
      if (sub.initial) {
        // A change made in the IOC shell (dbpf) during the capture: make the same change here.
        const pv = db.pvs.get(conn.sidName.get(sub.sid)!)!;
        const layout = dbrLayout(h.type)!;
        const values = decodeDbrValues(m.payload, { type: h.type, count: h.count });
        assert.ok(typeof values !== "number");
        const native = convertWrite(values, {
          srcType: layout.valueType,
          target: { nativeType: pv.nativeType, enumStrings: pv.enumStrings },
        })!;
        const view = new DataView(m.payload.buffer);
        pv.post(pv.count === 1 ? native[0]! : native, {
          status: view.getInt16(0),
          severity: view.getInt16(2),
        });
      }
      sub.initial = true;
    }
    if (h.cmd === 22 && conn.sidName.size > 0 && [...conn.cidName.keys()].includes(h.p1)) {
      const created = [...conn.sidName.values()].includes(conn.cidName.get(h.p1)!);
      if (created) {
        db.setRoWritable((h.p2 & 2) !== 0);
        conn.circuit.refreshAccess();
      }
    }
    drain(conn);
    const ours = conn.actual.shift();
    assert.ok(ours, `${where}: we sent nothing`);
    assert.equal(toHex(ours.hdr), toHex(m.hdr), `${where}: header`);
    const volatile = pvNameOf(conn, h) === "CAP:CNT";
    assert.equal(
      toHex(mask(ours.payload, ours.hdr, m.note, volatile)),
      toHex(mask(m.payload, m.hdr, m.note, volatile)),
      `${where}: payload`,
    );
    compared++;
  }
  finish();
  return compared;
}

for (const file of FILES) {
  Deno.test(`Circuit replies like RSRV to the client side of ${file}`, () => {
    const messages = readCapture(file);
    const compared = replayTcp(file, messages);
    assert.ok(compared > 0, "no server message compared");
  });
}

Deno.test("answerSearch() replies like RSRV to every search datagram of the captures", () => {
  const db = captureDatabase();
  let compared = 0;
  for (const file of FILES) {
    const messages = readCapture(file).filter((m) => m.transport === "UDP");
    const datagrams = new Map<number, CaptureMessage[]>();
    for (const m of messages) {
      const list = datagrams.get(m.datagram) ?? [];
      list.push(m);
      datagrams.set(m.datagram, list);
    }
    const ordered = [...datagrams.values()];
    for (const [i, dg] of ordered.entries()) {
      const first = dg[0]!;
      if (first.dir !== "C→S" || !first.route.endsWith(":25064")) continue;
      const src = first.route.split(" -> ")[0]!;
      const bytes = new Uint8Array(dg.reduce((n, m) => n + m.hdr.length + m.payload.length, 0));
      let at = 0;
      for (const m of dg) {
        bytes.set(m.hdr, at);
        bytes.set(m.payload, at + m.hdr.length);
        at += m.hdr.length + m.payload.length;
      }
      const ours = answerSearch(bytes, { tcpPort: 25064, has: (n) => db.pvs.has(n) });
      let expected: Uint8Array | undefined;
      for (const next of ordered.slice(i + 1)) {
        const n0 = next[0]!;
        if (n0.dir === "C→S") break;
        if (n0.dir === "S→C" && n0.route === `127.0.0.1:25064 -> ${src}`) {
          const parts = next.flatMap((m) => [...m.hdr, ...m.payload]);
          expected = new Uint8Array(parts);
          break;
        }
      }
      assert.deepEqual(
        ours.map(toHex),
        expected ? [toHex(expected)] : [],
        `${file} ${first.section} datagram ${first.datagram}`,
      );
      compared++;
    }
  }
  assert.ok(compared > 10);
});
