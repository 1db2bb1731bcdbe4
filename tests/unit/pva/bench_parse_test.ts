/**
 * The PVA benchmark's pieces that need no server: reading values out of pvxget / pvxmonitor
 * output (as pvxs 1.x prints it), and the softIocPVX database it serves.
 */
import assert from "node:assert/strict";
import { parseValues } from "../../../bench/pva_bench.ts";
import { softIocPvxDb } from "../../../bench/_pva_targets.ts";

Deno.test("parseValues() reads each update's value and skips connection lines", () => {
  const out = [
    "BENCH:FAN:0 Connected to 127.0.0.1:15975",
    "BENCH:FAN:0",
    "    value double = 1",
    "    alarm.severity int32_t = 0",
    "    timeStamp.secondsPastEpoch int64_t = 1796140790",
    "BENCH:FAN:1",
    "    value double = 7",
    "BENCH:FAN:0",
    "    value double = 2",
    "    timeStamp.nanoseconds int32_t = 610979482",
    "BENCH:FAN:1 Disconnected",
    "",
  ].join("\n");
  assert.deepEqual(parseValues(out), [
    ["BENCH:FAN:0", 1],
    ["BENCH:FAN:1", 7],
    ["BENCH:FAN:0", 2],
  ]);
});

Deno.test("softIocPvxDb() serves the same names as the bench server", () => {
  const db = softIocPvxDb({ pvs: 2, fan: 1 });
  const names = [...db.matchAll(/record\((\w+), "([^"]+)"\)/g)].map((m) => `${m[1]} ${m[2]}`);
  assert.deepEqual(names, [
    "longout BENCH:FANON",
    "ao BENCH:SP",
    "ai BENCH:PV:0",
    "ai BENCH:PV:1",
    "calc BENCH:FAN:0",
  ]);
  assert.match(db, /field\(SCAN, "\.1 second"\) field\(SDIS, "BENCH:FANON"\)/);
});
