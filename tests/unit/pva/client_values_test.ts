/**
 * Simple values, put values and monitor merging of the PVA client (pure).
 */
import assert from "node:assert/strict";
import {
  mergePartial,
  putPartial,
  simpleValue,
  valueString,
} from "../../../mod/pva/client/values.ts";
import { BitSet, ntEnum, ntScalar, ntScalarArray } from "../../../mod/pva/protocol/mod.ts";

const ENUM = { value: { index: 0, choices: ["Stop", "Run", "Reset"] } };

Deno.test("simpleValue() gives value, alarm, time stamp and display of an NTScalar", () => {
  const v = simpleValue(ntScalar("long"), {
    value: 7n,
    alarm: { severity: 1, status: 1, message: "HIGH" },
    timeStamp: { secondsPastEpoch: 1_700_000_000n, nanoseconds: 500_000_000, userTag: 0 },
    display: { limitLow: 0n, limitHigh: 10n, description: "d", units: "s", precision: 0 },
  });
  assert.equal(v.value, 7);
  assert.deepEqual([v.severity, v.status, v.message], [1, 1, "HIGH"]);
  assert.equal(v.timestamp, 1_700_000_000_500);
  assert.equal(v.display?.units, "s");
  assert.equal(v.display?.limitHigh, 10);
});

Deno.test("simpleValue() turns typed arrays into plain arrays", () => {
  const v = simpleValue(ntScalarArray("double"), { value: Float64Array.of(1.5, 2) });
  assert.deepEqual(v.value, [1.5, 2]);
});

Deno.test("valueString() prints enums as choices, arrays as count then elements", () => {
  assert.equal(valueString({ index: 1, choices: ["Stop", "Run"] }), "Run");
  assert.equal(valueString({ index: 7, choices: ["Stop", "Run"] }), "7");
  assert.equal(valueString([1.5, 2]), "2 1.5 2");
  assert.equal(valueString("a b"), "a b");
});

Deno.test("putPartial() writes an enum by choice or by index, as value.index", () => {
  for (const input of ["Reset", 2, "2"]) {
    const p = putPartial(ntEnum(), ENUM, input, "X");
    assert.equal(p.bits.toString(), "{2}");
    assert.deepEqual(p.value, { value: { index: 2 } });
  }
  assert.throws(() => putPartial(ntEnum(), ENUM, "Nope", "X"), TypeError);
  assert.throws(() => putPartial(ntEnum(), ENUM, [1, 2], "X"), TypeError);
});

Deno.test("putPartial() converts to the value field's type", () => {
  assert.deepEqual(putPartial(ntScalar("int"), {}, "42", "X").value, { value: 42 });
  assert.deepEqual(putPartial(ntScalar("long"), {}, 42, "X").value, { value: 42n });
  assert.deepEqual(putPartial(ntScalar("double"), {}, "2.5", "X").value, { value: 2.5 });
  assert.deepEqual(putPartial(ntScalar("string"), {}, 3, "X").value, { value: "3" });
  assert.deepEqual(putPartial(ntScalarArray("double"), {}, [1, "2"], "X").value, {
    value: [1, 2],
  });
  assert.throws(() => putPartial(ntScalar("double"), {}, "abc", "X"), /expected a number/);
  assert.throws(() => putPartial(ntScalar("int"), {}, [1, 2], "X"), TypeError);
});

Deno.test("mergePartial() keeps unchanged fields and replaces marked ones", () => {
  const into = { value: 1, alarm: { severity: 0, status: 0, message: "" } };
  const t = ntScalar("double");
  mergePartial(into, {
    type: t,
    bits: BitSet.of(1, 3),
    value: { value: 6, alarm: { severity: 1, status: 0, message: "" } },
  });
  assert.deepEqual(into, { value: 6, alarm: { severity: 1, status: 0, message: "" } });
});
