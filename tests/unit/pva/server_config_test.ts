/**
 * PVA server settings: EPICS_PVAS_* before EPICS_PVA_* before defaults, options before all.
 *
 * @module
 */

import assert from "node:assert/strict";
import { parseTargets, resolvePvaConfig } from "../../../mod/pva/server/_config.ts";

Deno.test("resolvePvaConfig() uses the pvxs defaults without environment", () => {
  assert.deepStrictEqual(resolvePvaConfig({}, {}), {
    tcpPort: 5075,
    udpPort: 5076,
    interfaces: ["0.0.0.0"],
    beaconAddrs: [],
    autoBeacons: true,
    maxConnections: 4096,
  });
});

Deno.test("resolvePvaConfig() prefers EPICS_PVAS_* to EPICS_PVA_*", () => {
  const env = {
    EPICS_PVA_SERVER_PORT: "6075",
    EPICS_PVAS_SERVER_PORT: "7075",
    EPICS_PVA_BROADCAST_PORT: "6076",
    EPICS_PVA_ADDR_LIST: "10.0.0.1 10.0.0.2:9",
    EPICS_PVA_AUTO_ADDR_LIST: "NO",
    EPICS_PVAS_INTF_ADDR_LIST: "127.0.0.1",
  };
  const c = resolvePvaConfig({}, env);
  assert.equal(c.tcpPort, 7075);
  assert.equal(c.udpPort, 6076);
  assert.deepStrictEqual(c.interfaces, ["127.0.0.1"]);
  assert.deepStrictEqual(c.beaconAddrs, [
    { host: "10.0.0.1", port: 6076 },
    { host: "10.0.0.2", port: 9 },
  ]);
  assert.equal(c.autoBeacons, false);
  const pvas = resolvePvaConfig({}, {
    ...env,
    EPICS_PVAS_BROADCAST_PORT: "7076",
    EPICS_PVAS_BEACON_ADDR_LIST: "10.0.0.3",
    EPICS_PVAS_AUTO_BEACON_ADDR_LIST: "yes", // parsed only: no socket opens
  });
  assert.equal(pvas.udpPort, 7076);
  assert.deepStrictEqual(pvas.beaconAddrs, [{ host: "10.0.0.3", port: 7076 }]);
  assert.equal(pvas.autoBeacons, true);
});

Deno.test("resolvePvaConfig() lets options override the environment", () => {
  const c = resolvePvaConfig(
    { tcpPort: 1, udpPort: 2, interfaces: ["127.0.0.1"], beaconAddrs: [], autoBeacons: true },
    {
      EPICS_PVAS_SERVER_PORT: "7075",
      EPICS_PVA_ADDR_LIST: "10.0.0.1",
      EPICS_PVA_AUTO_ADDR_LIST: "NO",
    },
  );
  assert.deepStrictEqual([c.tcpPort, c.udpPort, c.beaconAddrs, c.autoBeacons], [1, 2, [], true]);
});

Deno.test("resolvePvaConfig() names a bad port variable", () => {
  assert.throws(
    () => resolvePvaConfig({}, { EPICS_PVA_SERVER_PORT: "http" }),
    /EPICS_PVA\(S\)_SERVER_PORT="http"/,
  );
  assert.throws(() => parseTargets(["1.2.3.4:x"], 1), /address "1.2.3.4:x"/);
  assert.throws(
    () => resolvePvaConfig({}, { IOCSUP_PVA_MAX_CONNECTIONS: "0" }),
    /IOCSUP_PVA_MAX_CONNECTIONS="0"/,
  );
  assert.equal(resolvePvaConfig({}, { IOCSUP_PVA_MAX_CONNECTIONS: "12" }).maxConnections, 12);
});
