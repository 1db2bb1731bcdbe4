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

Deno.test("managerPvSpecs() gives each PV the record type and description its fields serve", () => {
  const settings = parseSettings(
    "general:\n  prefix: P\n  command: run {name}\n" +
      "gauge:\n  description: Pfeiffer gauge\nbare: {}\n",
    { file: "/srv/settings.yaml" },
  );
  const byName = new Map(managerPvSpecs(settings).map((s) => [s.name, s]));
  const rtyp = (n: string) => byName.get(n)?.recordType;
  const desc = (n: string) => byName.get(n)?.description;
  assert.equal(rtyp("P:MAN:all"), "mbbo");
  assert.equal(rtyp("P:MAN:gauge_control"), "mbbo");
  assert.equal(rtyp("P:MAN:gauge_status"), "mbbi");
  assert.equal(rtyp("P:MAN:gauge_hb"), "longin");
  assert.equal(rtyp("P:MAN:heartbeat"), "longin");
  assert.equal(rtyp("P:MAN:gauge_desc"), "stringin");
  assert.equal(rtyp("P:MAN:version"), "stringin");
  assert.equal(desc("P:MAN:gauge_control"), "Pfeiffer gauge");
  assert.equal(desc("P:MAN:gauge_hb"), "Pfeiffer gauge");
  assert.equal(desc("P:MAN:bare_status"), "bare");
  assert.equal(desc("P:MAN:heartbeat"), "iocsup manager heartbeat");
  for (const spec of byName.values()) assert.ok(spec.description.length <= 39, spec.name);
});

Deno.test("managerPvSpecs() adds _log (CHAR waveform) and _lastline unless log_lines is 0", () => {
  const settings = (extra: string) =>
    parseSettings(`general:\n  prefix: P\n  command: run {name}\n${extra}gauge: {}\n`, {
      file: "/srv/settings.yaml",
    });
  const byName = new Map(managerPvSpecs(settings("")).map((s) => [s.name, s]));
  const log = byName.get("P:MAN:gauge_log");
  assert.equal(log?.type, "char");
  assert.equal(log?.count, 20 * 128);
  assert.equal(log?.recordType, "waveform");
  assert.equal(log?.access, "ro");
  assert.equal(log?.description, "gauge");
  const lastline = byName.get("P:MAN:gauge_lastline");
  assert.equal(lastline?.type, "string");
  assert.equal(lastline?.recordType, "stringin");
  const five = managerPvSpecs(settings("  log_lines: 5\n"));
  assert.equal(five.find((s) => s.name === "P:MAN:gauge_log")?.count, 640);
  const none = managerPvSpecs(settings("  log_lines: 0\n")).map((s) => s.field);
  assert.ok(!none.includes("log") && !none.includes("lastline"));
});
