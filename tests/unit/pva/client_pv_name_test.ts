/**
 * Protocol prefixes of PV names, and the CA form the CLI prints pvAccess values in.
 */
import assert from "node:assert/strict";
import { parsePvName } from "../../../mod/pva/client/pv_name.ts";
import { alarmText, pvaChannelValue, valueText } from "../../../cmd/_ca.ts";

Deno.test("parsePvName() reads pva:// and ca:// prefixes; a bare name is CA", () => {
  assert.deepEqual(parsePvName("pva://IOC1:HB"), { protocol: "pva", name: "IOC1:HB" });
  assert.deepEqual(parsePvName("ca://IOC1:HB"), { protocol: "ca", name: "IOC1:HB" });
  assert.deepEqual(parsePvName("IOC1:HB"), { protocol: "ca", name: "IOC1:HB" });
  assert.deepEqual(parsePvName("PVA://X"), { protocol: "ca", name: "PVA://X" });
});

Deno.test("pvaChannelValue() prints enums as choices or indices and alarms as CA names", () => {
  const v = {
    id: "epics:nt/NTEnum:1.0",
    value: { index: 2, choices: ["Stop", "Run", "Reset"] },
    severity: 1,
    status: 1,
    message: "STATE",
    timestamp: 1000,
  };
  assert.equal(valueText(pvaChannelValue(v, true).value), "Reset");
  assert.equal(valueText(pvaChannelValue(v, false).value), "2");
  assert.equal(alarmText(pvaChannelValue(v, true)), "MINOR STATE");
  const wf = { ...v, value: [1.5, 2.5], severity: 0, message: "" };
  assert.equal(valueText(pvaChannelValue(wf, true).value), "2 1.5 2.5");
  assert.equal(alarmText(pvaChannelValue(wf, true)), "");
});
