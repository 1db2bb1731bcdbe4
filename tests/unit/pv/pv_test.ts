/** The protocol-neutral PV: observers, alarm messages, writes and their refusals. */
import assert from "node:assert/strict";
import {
  Pv,
  PvChange,
  type PvObserver,
  type PvSnapshot,
  TYPE_CODES,
  WriteRefused,
} from "../../../mod/pv/mod.ts";
import { castNumber as pvCast } from "../../../mod/pv/_state.ts";
import { castNumber as caCast } from "../../../mod/ca/protocol/convert.ts";
import { DBE_ALARM, DBE_LOG, DBE_PROPERTY, DBE_VALUE } from "../../../mod/ca/protocol/commands.ts";
import * as dbr from "../../../mod/ca/protocol/dbr_codes.ts";
import { ecaOf } from "../../../mod/ca/server/_ca_pv.ts";
import { ECA_NORMAL, ECA_NOWTACCESS, ECA_PUTFAIL } from "../../../mod/ca/protocol/status.ts";

const CLIENT = { host: "h", user: "u" };

function recorder(): PvObserver & { events: [number, PvSnapshot][]; removed: number } {
  const r = {
    events: [] as [number, PvSnapshot][],
    removed: 0,
    onEvent(mask: number, snap: PvSnapshot) {
      r.events.push([mask, snap]);
    },
    onRemoved() {
      r.removed++;
    },
  };
  return r;
}

Deno.test("PvChange bits and type codes are the CA ones, so CA passes them through", () => {
  assert.deepEqual(
    [PvChange.VALUE, PvChange.LOG, PvChange.ALARM, PvChange.PROPERTY],
    [DBE_VALUE, DBE_LOG, DBE_ALARM, DBE_PROPERTY],
  );
  assert.deepEqual(TYPE_CODES, {
    string: dbr.DBR_STRING,
    short: dbr.DBR_SHORT,
    float: dbr.DBR_FLOAT,
    enum: dbr.DBR_ENUM,
    char: dbr.DBR_CHAR,
    long: dbr.DBR_LONG,
    double: dbr.DBR_DOUBLE,
  });
  for (const type of [1, 2, 3, 4, 5, 6]) {
    for (const x of [NaN, -1e40, -70000.7, -1.5, 0, 3.7, 255.5, 70000.2, 1e40, Infinity]) {
      assert.ok(Object.is(pvCast(type, x), caCast(type, x)), `type ${type}, ${x}`);
    }
  }
});

Deno.test("post() tells every observer synchronously, with one snapshot", () => {
  const pv = new Pv({ name: "A", type: "double", value: 1 });
  const [a, b] = [recorder(), recorder()];
  pv.observe(a);
  pv.observe(b);
  pv.post(2);
  assert.equal(a.events.length, 1);
  assert.equal(a.events[0]![0], PvChange.VALUE | PvChange.LOG);
  assert.equal(a.events[0]![1], b.events[0]![1]);
  assert.equal(a.events[0]![1].values[0], 2);
  pv.post(2, { severity: 2, status: 3, message: "too hot" });
  assert.equal(b.events[1]![0], PvChange.ALARM);
  assert.equal(pv.message, "too hot");
  pv.post(2, { message: "still too hot" });
  assert.equal(b.events[2]![0], PvChange.ALARM);
  assert.equal(pv.severity, 2);
  pv.post(2);
  assert.equal(b.events.length, 3, "no change, no event");
  pv.unobserve(a);
  pv.setMetadata({ units: "C" });
  pv.setMetadata({ description: "Temperature" });
  assert.deepEqual(b.events.slice(3).map((e) => e[0]), [PvChange.PROPERTY, PvChange.DESCRIPTION]);
  assert.equal(a.events.length, 3);
  pv.remove();
  assert.equal(b.removed, 1);
  assert.equal(pv.removed, true);
});

Deno.test("Pv exposes type, record type, metadata and access", () => {
  const pv = new Pv({
    name: "E",
    type: "enum",
    value: 1,
    enumStrings: ["Off", "On"],
    access: "ro",
    description: "Switch",
  });
  assert.equal(pv.type, "enum");
  assert.equal(pv.className, "mbbi");
  assert.deepEqual(pv.meta.enumStrings, ["Off", "On"]);
  assert.equal(pv.writable, false);
  assert.equal(pv.canWrite(CLIENT), false);
  const gated = new Pv({ name: "G", type: "long", value: 0, canWrite: (c) => c.user === "ops" });
  assert.equal(gated.canWrite(CLIENT), false);
  assert.equal(gated.canWrite({ host: "h", user: "ops" }), true);
});

Deno.test("write() stores, keeps the value on refusal, and checks enum choices", async () => {
  const e = new Pv({ name: "E", type: "enum", value: 0, enumStrings: ["Off", "On"] });
  assert.equal(e.write(1, CLIENT), undefined);
  assert.equal(e.value, 1);
  const bad = e.write(2, CLIENT);
  assert.ok(bad instanceof WriteRefused);
  assert.equal(bad.reason, "invalid");
  assert.equal(e.value, 1);

  const refusing = new Pv({
    name: "R",
    type: "long",
    value: 5,
    onWrite: (v) => {
      if (v === 13) throw new WriteRefused("denied", "unlucky");
      return Promise.resolve((v as number) * 2);
    },
  });
  const refused = refusing.write(13, CLIENT);
  assert.ok(refused instanceof WriteRefused);
  assert.equal(refused.reason, "denied");
  assert.equal(refusing.value, 5);
  const later = refusing.write(4, CLIENT);
  assert.ok(later instanceof Promise);
  assert.equal(refusing.value, 5, "stored only when onWrite resolves");
  assert.equal(await later, undefined);
  assert.equal(refusing.value, 8);
});

Deno.test("CA maps write results to ECA statuses, honouring an ECA code given directly", () => {
  assert.equal(ecaOf(undefined), ECA_NORMAL);
  assert.equal(ecaOf(new WriteRefused()), ECA_PUTFAIL);
  assert.equal(ecaOf(new WriteRefused("invalid")), ECA_PUTFAIL);
  assert.equal(ecaOf(new WriteRefused("denied")), ECA_NOWTACCESS);
  const legacy = new WriteRefused(ECA_NOWTACCESS, "locked");
  assert.equal(legacy.reason, "failed");
  assert.equal(ecaOf(legacy), ECA_NOWTACCESS);
});
