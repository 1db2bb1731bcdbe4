import assert from "node:assert/strict";
import { mayWrite, pvOptionsFor } from "../../../mod/manager/pv_options.ts";
import { iocPvSpecs } from "../../../mod/manager/pv_specs.ts";
import { WriteRefused } from "../../../mod/ca/mod.ts";

const alice = { host: "opi1", user: "alice" };

Deno.test("mayWrite() lets anyone write without rules, and only listed hosts and users with them", () => {
  assert.equal(mayWrite(undefined, alice), true);
  assert.equal(mayWrite({ writeHosts: [], writeUsers: [] }, alice), true);
  assert.equal(mayWrite({ writeHosts: ["opi1"], writeUsers: [] }, alice), true);
  assert.equal(mayWrite({ writeHosts: ["opi2"], writeUsers: [] }, alice), false);
  assert.equal(mayWrite({ writeHosts: [], writeUsers: ["alice"] }, alice), true);
  assert.equal(mayWrite({ writeHosts: ["opi1"], writeUsers: ["bob"] }, alice), false);
});

Deno.test("pvOptionsFor() refuses control values outside Stop/Run/Reset and reads access live", () => {
  const [control, hb] = iocPvSpecs("P", "ioc");
  let rules: { writeHosts: string[]; writeUsers: string[] } | undefined = undefined;
  const seen: number[] = [];
  const options = pvOptionsFor(control!, 0, {
    onControl: (v) => {
      seen.push(v);
      return v;
    },
    access: () => rules,
  });
  assert.equal(options.access, "rw");
  assert.deepEqual(options.enumStrings, ["Stop", "Run", "Reset"]);
  assert.equal(options.onWrite?.(2, alice), 2);
  assert.throws(() => options.onWrite?.(3, alice), WriteRefused);
  assert.throws(() => options.onWrite?.(-1, alice), WriteRefused);
  assert.deepEqual(seen, [2]);
  assert.equal(options.canWrite?.(alice), true);
  rules = { writeHosts: [], writeUsers: ["bob"] };
  assert.equal(options.canWrite?.(alice), false);

  const readOnly = pvOptionsFor(hb!, 999, { access: () => undefined });
  assert.equal(readOnly.access, "ro");
  assert.equal(readOnly.onWrite, undefined);
  assert.equal(readOnly.canWrite, undefined);
});

Deno.test("pvOptionsFor() passes the record type and description that .RTYP and .DESC serve", () => {
  const [control, hb] = iocPvSpecs("P", "ioc", { description: "Gauge controller" });
  const rw = pvOptionsFor(control!, 0, { access: () => undefined });
  assert.equal(rw.className, "mbbo");
  assert.equal(rw.description, "Gauge controller");
  const ro = pvOptionsFor(hb!, 0, { access: () => undefined });
  assert.equal(ro.className, "longin");
  assert.equal(ro.description, "Gauge controller");
});
