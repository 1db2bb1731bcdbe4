import assert from "node:assert/strict";
import { BeaconSchedule } from "../../../mod/ca/server/_beacon.ts";
import { resolveConfig } from "../../../mod/ca/server/_config.ts";
import { fitConnections, openFileLimit, RESERVED_FDS } from "../../../mod/ca/server/_fd_limit.ts";

Deno.test("resolveConfig() reads the EPICS environment and lets options win", () => {
  const env = {
    EPICS_CA_SERVER_PORT: "6000",
    EPICS_CAS_SERVER_PORT: "7000",
    EPICS_CAS_INTF_ADDR_LIST: "127.0.0.1",
    EPICS_CAS_BEACON_ADDR_LIST: "127.0.0.1 10.0.0.255:9999",
    EPICS_CAS_AUTO_BEACON_ADDR_LIST: "no",
    EPICS_CA_REPEATER_PORT: "7001",
    EPICS_CA_BEACON_PERIOD: "-1",
    EPICS_CA_MAX_ARRAY_BYTES: "1000000",
    IOCSUP_CA_MAX_CONNECTIONS: "300",
  };
  const cfg = resolveConfig({}, env);
  assert.deepEqual(cfg, {
    port: 7000,
    interfaces: ["127.0.0.1"],
    beaconAddrs: [{ host: "127.0.0.1", port: 7001 }, { host: "10.0.0.255", port: 9999 }],
    autoBeacons: false,
    beaconPort: 7001,
    beaconPeriod: 15,
    maxArrayBytes: 1000000,
    maxConnections: 300,
  });
  const opt = resolveConfig({ port: 1, interfaces: [], autoBeacons: true, beaconPeriod: 2 }, env);
  assert.deepEqual([opt.port, opt.interfaces, opt.autoBeacons, opt.beaconPeriod], [
    1,
    ["0.0.0.0"],
    true,
    2,
  ]);
  assert.equal(resolveConfig({}, {}).port, 5064);
  assert.equal(resolveConfig({}, {}).beaconPort, 5065);
  assert.equal(resolveConfig({}, {}).maxConnections, 4096);
  assert.equal(resolveConfig({ maxConnections: 10 }, env).maxConnections, 10);
});

Deno.test("fitConnections() keeps the connection limit below the open-file limit", () => {
  assert.equal(fitConnections(4096, undefined), 4096);
  assert.equal(fitConnections(4096, 1024), 1024 - RESERVED_FDS);
  assert.equal(fitConnections(100, 20000), 100);
  assert.equal(fitConnections(100, 10), 1);
  const limit = openFileLimit();
  if (Deno.build.os === "linux") assert.ok(limit === undefined || limit > 0);
});

Deno.test("BeaconSchedule.next() ramps from 20 ms to the period with RSRV's sequence numbers", () => {
  const s = new BeaconSchedule(15);
  const steps = Array.from({ length: 14 }, () => s.next());
  assert.deepEqual(steps.map((x) => x.seq), [0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  assert.deepEqual(
    steps.map((x) => x.delayMs),
    [20, 40, 80, 160, 320, 640, 1280, 2560, 5120, 10240, 15000, 15000, 15000, 15000],
  );
});
