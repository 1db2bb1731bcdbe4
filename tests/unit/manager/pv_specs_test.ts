import assert from "node:assert/strict";
import { managerPvSpecs } from "../../../mod/manager/pv_specs.ts";
import { parseSettings } from "../../../mod/config/mod.ts";

Deno.test("managerPvSpecs() names the contract PVs exactly as the Python tool did", () => {
  const settings = parseSettings(
    "general:\n  prefix: TGT:MEOP\n  command: run {name}\npfeiffer-26x_1:\n  autostart: true\n",
    { file: "/srv/settings.yaml" },
  );
  const specs = managerPvSpecs(settings);
  const byName = new Map(specs.map((s) => [s.name, s]));
  const control = byName.get("TGT:MEOP:MAN:pfeiffer-26x_1_control");
  assert.deepEqual(control?.enumStrings, ["Stop", "Run", "Reset"]);
  assert.equal(control?.access, "rw");
  assert.equal(byName.get("TGT:MEOP:MAN:pfeiffer-26x_1_hb")?.access, "ro");
  assert.equal(byName.get("TGT:MEOP:MAN:all")?.access, "rw");
  assert.deepEqual(byName.get("TGT:MEOP:MAN:all")?.enumStrings, ["Stop", "Run", "Reset"]);
  assert.deepEqual(byName.get("TGT:MEOP:MAN:pfeiffer-26x_1_status")?.enumStrings, [
    "STOPPED",
    "STARTING",
    "RUNNING",
    "BACKOFF",
    "STOPPING",
    "EXITED",
    "FATAL",
    "UNKNOWN",
  ]);
  const readWrite = specs.filter((s) => s.access === "rw").map((s) => s.name);
  assert.deepEqual(readWrite.sort(), ["TGT:MEOP:MAN:all", "TGT:MEOP:MAN:pfeiffer-26x_1_control"]);
  for (const field of ["heartbeat", "version", "running", "total"]) {
    assert.ok(byName.has(`TGT:MEOP:MAN:${field}`), field);
  }
  for (const field of ["pid", "uptime", "restarts", "exitcode", "desc"]) {
    assert.ok(byName.has(`TGT:MEOP:MAN:pfeiffer-26x_1_${field}`), field);
  }
});
