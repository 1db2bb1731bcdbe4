import assert from "node:assert/strict";
import { managerRestartReasons } from "../../../mod/manager/restart_reasons.ts";
import type { Settings } from "../../../mod/config/types.ts";
import { iocSettings, settingsWith } from "../supervisor/settings_fixture.ts";

function withGeneral(base: Settings, general: Partial<Settings["general"]>): Settings {
  return { ...base, general: { ...base.general, ...general } };
}

const base = settingsWith([iocSettings("a")]);

Deno.test("managerRestartReasons() is empty when only IOCs, access or the web UI change", () => {
  const next = withGeneral(settingsWith([iocSettings("a"), iocSettings("b")]), {
    access: { writeHosts: ["opi1"], writeUsers: [] },
    web: { listen: "127.0.0.1:9001", username: "u", password: "p" },
  });
  assert.deepEqual(managerRestartReasons(base, next), []);
});

Deno.test("managerRestartReasons() names every changed CA and start-only setting", () => {
  const ca = base.general.ca as Exclude<typeof base.general.ca, false>;
  const next = withGeneral(base, {
    prefix: "OTHER",
    delay: 2,
    logLines: 50,
    ca: { interfaces: ["0.0.0.0"], port: 6064, beacons: ["127.0.0.2"], autoBeacons: true },
    epicsAddrList: "10.0.0.1",
    epicsBeaconAddrList: "10.0.0.255",
  });
  assert.deepEqual(managerRestartReasons(base, next), [
    "general.prefix",
    "general.delay",
    "general.log_lines",
    "general.ca.interfaces",
    "general.ca.port",
    "general.ca.beacons",
    "general.ca.auto_beacons",
    "general.epics_addr_list",
    "general.epics_beacon_addr_list",
  ]);
  assert.deepEqual(
    managerRestartReasons(base, withGeneral(base, { ca: { ...ca, port: 5099 } })),
    ["general.ca.port"],
  );
});

Deno.test("managerRestartReasons() names general.pva when PVA is turned off or its port moves", () => {
  const pva = base.general.pva as Exclude<typeof base.general.pva, false>;
  assert.deepEqual(
    managerRestartReasons(base, withGeneral(base, { pva: { ...pva, port: 6075 } })),
    ["general.pva.port"],
  );
  assert.deepEqual(
    managerRestartReasons(base, withGeneral(base, { pva: { ...pva, udpPort: 6076 } })),
    ["general.pva.udp_port"],
  );
  assert.deepEqual(
    managerRestartReasons(base, withGeneral(base, { pva: false })).slice(0, 1),
    ["general.pva"],
  );
});
