/**
 * Record fields of PVs at the circuit level: which names resolve to a PV, a field or nothing, the
 * types and values fields have, read-only access, and monitors on fields.
 */
import assert from "node:assert/strict";
import { Circuit } from "../../../mod/ca/server/circuit.ts";
import { resolveChannel } from "../../../mod/ca/server/_channel_names.ts";
import { Pv } from "../../../mod/pv/pv.ts";
import { CaPv } from "../../../mod/ca/server/_ca_pv.ts";
import { readSlotString } from "../../../mod/ca/protocol/dbr.ts";
import { decodeHeader, type Header } from "../../../mod/ca/protocol/header.ts";
import { msg, name } from "./_wire.ts";

interface Msg extends Header {
  payload: Uint8Array;
}

const CREATE_CHAN = 18;
const CREATE_CH_FAIL = 26;
const ACCESS_RIGHTS = 22;
const READ_NOTIFY = 15;
const EVENT_ADD = 1;
const WRITE = 4;
const WRITE_NOTIFY = 19;
const ERROR = 11;
const SERVER_DISCONN = 27;
const ECA_NOWTACCESS = 376;

const DBR_STRING = 0;
const DBR_SHORT = 1;
const DBR_ENUM = 3;
const DBR_DOUBLE = 6;
const DBR_TIME_STRING = 14;
const DBR_TIME_ENUM = 17;
const DBR_CTRL_ENUM = 31;
const DBR_CTRL_DOUBLE = 34;
const DBR_CLASS_NAME = 38;

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

function setup(pvs: Pv[]): Circuit {
  const map = new Map(pvs.map((p) => [p.name, new CaPv(p)]));
  const c = new Circuit({
    directory: { find: (n) => resolveChannel(n, (x) => map.get(x)) },
    peerHost: "10.0.0.1",
    tcpPort: 5064,
  });
  take(c);
  return c;
}

/** CREATE_CHAN; the reply, or undefined after CREATE_CH_FAIL. */
function create(
  c: Circuit,
  pvName: string,
  cid = 1,
): { sid: number; type: number; rights: number } {
  c.recv(msg({ cmd: CREATE_CHAN, p1: cid, p2: 13 }, name(pvName)));
  const out = take(c);
  const fail = out.find((m) => m.cmd === CREATE_CH_FAIL);
  if (fail) return { sid: -1, type: -1, rights: -1 };
  const rights = out.find((m) => m.cmd === ACCESS_RIGHTS)!.p2;
  const reply = out.find((m) => m.cmd === CREATE_CHAN)!;
  assert.equal(reply.count, 1);
  return { sid: reply.p2, type: reply.type, rights };
}

function read(c: Circuit, sid: number, type: number, ioid = 7): Msg {
  c.recv(msg({ cmd: READ_NOTIFY, type, count: 1, p1: sid, p2: ioid }));
  const reply = take(c).find((m) => m.cmd === READ_NOTIFY && m.p2 === ioid);
  assert.ok(reply, "no READ_NOTIFY reply");
  assert.equal(reply.p1, 1, "ECA_NORMAL");
  return reply;
}

function timeString(c: Circuit, sid: number): string {
  return readSlotString(read(c, sid, DBR_TIME_STRING).payload, 12, 40);
}

function pvs(): Pv[] {
  return [
    new Pv({
      name: "X:TEMP",
      type: "double",
      value: 21.5,
      units: "degC",
      precision: 3,
      display: { low: -10, high: 100 },
      description: "Room temperature",
    }),
    new Pv({ name: "X:COUNT", type: "long", value: 4 }),
    new Pv({ name: "X:MODE", type: "enum", value: 1, enumStrings: ["Off", "On"], access: "rw" }),
    new Pv({ name: "X:TEXT", type: "string", value: "hello" }),
    new Pv({ name: "A.B", type: "long", value: 1 }),
  ];
}

Deno.test("Circuit resolves NAME, NAME.VAL and NAME. to the PV and NAME.FIELD to its field", () => {
  const c = setup(pvs());
  for (const n of ["X:TEMP", "X:TEMP.VAL", "X:TEMP."]) {
    assert.equal(create(c, n).type, DBR_DOUBLE, n);
  }
  assert.equal(create(c, "X:TEMP.SEVR").type, DBR_ENUM);
  assert.equal(create(c, "X:TEMP.STAT").type, DBR_ENUM);
  assert.equal(create(c, "X:TEMP.DESC").type, DBR_STRING);
  assert.equal(create(c, "X:TEMP.NAME").type, DBR_STRING);
  assert.equal(create(c, "X:TEMP.RTYP").type, DBR_STRING);
  assert.equal(create(c, "X:TEMP.EGU").type, DBR_STRING);
  assert.equal(create(c, "X:TEMP.PREC").type, DBR_SHORT);
  assert.equal(create(c, "X:TEMP.HOPR").type, DBR_DOUBLE);
  assert.equal(create(c, "X:TEMP.LOPR").type, DBR_DOUBLE);
  assert.equal(create(c, "X:MODE.ZRST").type, DBR_STRING);
  assert.equal(create(c, "X:MODE.FFST").type, DBR_STRING);
  // A PV whose own name has a dot: the exact name wins, its fields follow the last dot.
  assert.equal(create(c, "A.B").type, 5);
  assert.equal(create(c, "A.B.SEVR").type, DBR_ENUM);
});

Deno.test("Circuit refuses unknown fields and malformed field names with CREATE_CH_FAIL", () => {
  const c = setup(pvs());
  for (
    const n of [
      "X:TEMP.BOGUS",
      "X:TEMP.sevr", // field names are case-sensitive, as in an IOC
      "X:TEMP..",
      "X:TEMP.SEVR.",
      "X:TEMP..SEVR",
      ".SEVR",
      ".",
      "X:NONE.SEVR",
      "X:COUNT.PREC", // integers have no precision
      "X:MODE.EGU", // enums have no units
      "X:TEXT.HOPR", // strings have no limits
      "X:TEMP.ZRST", // only enums have state strings
      "A.SEVR",
    ]
  ) {
    assert.equal(create(c, n).sid, -1, n);
  }
});

Deno.test("Circuit serves field values: alarm menus, name, description, record type, metadata", () => {
  const all = pvs();
  const temp = all[0]!;
  const c = setup(all);
  temp.post(99, { severity: 2, status: 4 });
  assert.equal(timeString(c, create(c, "X:TEMP.SEVR").sid), "MAJOR");
  assert.equal(timeString(c, create(c, "X:TEMP.STAT").sid), "HIGH");
  temp.post(99, { severity: 3, status: 17 });
  // UDF is status 17: beyond the 16 states a DBR_CTRL_ENUM lists, still converted to its name.
  assert.equal(timeString(c, create(c, "X:TEMP.STAT", 2).sid), "UDF");
  const ctrl = read(c, create(c, "X:TEMP.STAT", 3).sid, DBR_CTRL_ENUM).payload;
  const view = new DataView(ctrl.buffer, ctrl.byteOffset);
  assert.equal(view.getInt16(4), 16);
  assert.equal(readSlotString(ctrl, 6, 26), "NO_ALARM");
  assert.equal(readSlotString(ctrl, 6 + 15 * 26, 26), "SOFT");
  assert.equal(view.getUint16(422), 17);

  assert.equal(timeString(c, create(c, "X:TEMP.NAME").sid), "X:TEMP");
  assert.equal(timeString(c, create(c, "X:TEMP.DESC").sid), "Room temperature");
  assert.equal(timeString(c, create(c, "X:TEMP.RTYP").sid), "ao");
  assert.equal(timeString(c, create(c, "X:TEMP.EGU").sid), "degC");
  assert.equal(timeString(c, create(c, "X:TEMP.PREC").sid), "3");
  assert.equal(timeString(c, create(c, "X:COUNT.DESC").sid), "");
  assert.equal(timeString(c, create(c, "X:MODE.ONST").sid), "On");
  assert.equal(timeString(c, create(c, "X:MODE.TWST").sid), "");
  assert.equal(timeString(c, create(c, "X:MODE.RTYP").sid), "mbbo");

  const hopr = read(c, create(c, "X:TEMP.HOPR").sid, DBR_CTRL_DOUBLE).payload;
  const hv = new DataView(hopr.buffer, hopr.byteOffset);
  assert.equal(hv.getFloat64(80), 100);
  assert.equal(readSlotString(hopr, 8, 8), "degC");
  assert.equal(hv.getInt16(4), 3);
  const cls = read(c, create(c, "X:TEMP.SEVR").sid, DBR_CLASS_NAME).payload;
  assert.equal(readSlotString(cls, 0, 40), "ao");
});

Deno.test("Circuit gives field channels read-only rights and refuses writes with ECA_NOWTACCESS", () => {
  const c = setup(pvs());
  const mode = create(c, "X:MODE");
  assert.equal(mode.rights, 3);
  const desc = create(c, "X:MODE.DESC");
  assert.equal(desc.rights, 1);
  c.recv(msg({ cmd: WRITE, type: DBR_STRING, count: 1, p1: desc.sid, p2: 9 }, name("new")));
  const error = take(c).find((m) => m.cmd === ERROR);
  assert.ok(error);
  assert.equal(error.p2, ECA_NOWTACCESS);
  const sevr = create(c, "X:MODE.SEVR");
  const value = new Uint8Array(8);
  value[1] = 2;
  c.recv(msg({ cmd: WRITE_NOTIFY, type: DBR_ENUM, count: 1, p1: sevr.sid, p2: 5 }, value));
  const reply = take(c).find((m) => m.cmd === WRITE_NOTIFY);
  assert.equal(reply?.p1, ECA_NOWTACCESS);
  assert.equal(timeString(c, desc.sid), "");
});

Deno.test("Circuit posts a field monitor when the field changes, and only then", () => {
  const all = pvs();
  const temp = all[0]!;
  const c = setup(all);
  const sevr = create(c, "X:TEMP.SEVR");
  const desc = create(c, "X:TEMP.DESC", 2);
  const sub = (sid: number, subid: number) => {
    const p = new Uint8Array(16);
    p[13] = 5; // DBE_VALUE | DBE_ALARM, as pyepics and camonitor ask
    c.recv(msg({ cmd: EVENT_ADD, type: DBR_TIME_ENUM, count: 0, p1: sid, p2: subid }, p));
  };
  sub(sevr.sid, 1);
  sub(desc.sid, 2);
  const initial = take(c).filter((m) => m.cmd === EVENT_ADD);
  assert.equal(initial.length, 2);

  temp.post(22); // value only: neither field changes
  assert.deepEqual(take(c).filter((m) => m.cmd === EVENT_ADD), []);

  temp.post(22, { severity: 1, status: 4 });
  const updates = take(c).filter((m) => m.cmd === EVENT_ADD);
  assert.equal(updates.length, 1);
  assert.equal(updates[0]!.p2, 1);
  assert.equal(new DataView(updates[0]!.payload.buffer).getUint16(14), 1);

  temp.setMetadata({ description: "Lab temperature" });
  const d = take(c).filter((m) => m.cmd === EVENT_ADD);
  assert.equal(d.length, 1);
  assert.equal(d[0]!.p2, 2);
});

Deno.test("Circuit disconnects field channels when their PV is removed", () => {
  const all = pvs();
  const c = setup(all);
  create(c, "X:TEMP.SEVR", 42);
  all[0]!.remove();
  const disconn = take(c).find((m) => m.cmd === SERVER_DISCONN);
  assert.equal(disconn?.p1, 42);
});
