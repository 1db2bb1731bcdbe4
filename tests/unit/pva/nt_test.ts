/**
 * Normative types as QSRV2 serves them: our type descriptions equal the captured bytes (pvxinfo,
 * 01a–01g, and the GET INIT replies of 02), and a GET reply built from record values equals the
 * captured one.
 */
import assert from "node:assert/strict";
import {
  BitSet,
  DISPLAY_FORMS,
  encodeFieldDesc,
  encodeMessage,
  ntEnum,
  ntScalar,
  ntScalarArray,
  STATUS_OK,
  type StructDesc,
} from "../../../mod/pva/protocol/mod.ts";
import { pick, toHex, wire } from "./_capture.ts";

const CASES: [string, string, StructDesc][] = [
  ["01a", "ai", ntScalar("double")],
  ["01b", "mbbo", ntEnum()],
  ["01c", "longin", ntScalar("int")],
  ["01d", "stringin", ntScalar("string")],
  ["01e", "waveform DOUBLE", ntScalarArray("double")],
  ["01f", "calc", ntScalar("double")],
  ["01g", "longout", ntScalar("int")],
];

for (const [section, record, type] of CASES) {
  Deno.test(`nt builders: the ${record} type equals QSRV2's GET_FIELD reply byte for byte (${section})`, () => {
    const m = pick("01-pvxinfo.txt", section, "S->C", "GET_FIELD");
    // Payload: u32 ioid, Status 0xFF, then the type.
    assert.equal(m.payload[4], 0xff);
    assert.equal(toHex(encodeFieldDesc(type)), toHex(m.payload.subarray(5)));
  });
}

Deno.test("nt builders: the string type also serves a DBF_STRING field channel (02o CAP:AI.EGU)", () => {
  const m = pick("02-pvxget.txt", "02o", "S->C", "GET");
  assert.equal(toHex(encodeFieldDesc(ntScalar("string"))), toHex(m.payload.subarray(6)));
});

Deno.test("nt builders return one shared frozen object per variant", () => {
  assert.equal(ntScalar("double"), ntScalar("double"));
  assert.equal(ntEnum(), ntEnum());
  assert.notEqual(ntScalar("double"), ntScalarArray("double"));
  assert.ok(Object.isFrozen(ntEnum()) && Object.isFrozen(ntEnum().fields));
});

Deno.test("encodeMessage() builds QSRV2's GET reply for CAP:HB from record values (02b)", () => {
  const type = ntScalar("int");
  const value = {
    value: 5,
    alarm: { severity: 0, status: 0, message: "" },
    timeStamp: { secondsPastEpoch: 1796131151n, nanoseconds: 997764493, userTag: 0 },
    display: {
      limitLow: 0,
      limitHigh: 999,
      description: "",
      units: "s",
      form: { index: 0, choices: [...DISPLAY_FORMS] },
    },
    control: { limitLow: 0, limitHigh: 999 },
    valueAlarm: { lowAlarmLimit: 0, lowWarningLimit: 0, highWarningLimit: 0, highAlarmLimit: 0 },
  };
  // QSRV2 marks leaves it has values for; integer records have no precision.
  const bits = BitSet.of(1, 3, 4, 5, 7, 8, 9, 11, 12, 13, 14, 17, 18, 20, 21, 25, 26, 27, 28);
  const bytes = encodeMessage({
    kind: "GetReply",
    ioid: 268443648,
    subcmd: 0,
    status: STATUS_OK,
    data: { type, bits, value },
  });
  assert.equal(toHex(bytes), toHex(wire(pick("02-pvxget.txt", "02b", "S->C", "GET", 1))));
});

Deno.test("encodeMessage() builds QSRV2's GET INIT reply for CAP:CTRL (02a)", () => {
  const bytes = encodeMessage({
    kind: "InitReply",
    command: 10,
    ioid: 268443648,
    subcmd: 8,
    status: STATUS_OK,
    type: ntEnum(),
  });
  assert.equal(toHex(bytes), toHex(wire(pick("02-pvxget.txt", "02a", "S->C", "GET", 0))));
});
