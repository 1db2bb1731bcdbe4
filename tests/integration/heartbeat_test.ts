/**
 * CaHeartbeats over a counter PV served by our CaServer on 127.0.0.1, with an injected clock.
 */
import assert from "node:assert/strict";
import { CaServer } from "../../mod/ca/mod.ts";
import { CaHeartbeats } from "../../mod/manager/heartbeat.ts";
import { caLoopbackEnv } from "../helpers/ca_env.ts";
import { freeCaPort } from "../helpers/ports.ts";
import { waitFor } from "../helpers/wait.ts";

Deno.test("CaHeartbeats tracks changes, silence and removal of a heartbeat PV", async () => {
  const env = caLoopbackEnv(await freeCaPort());
  const server = await CaServer.start({ env });
  let clock = 1000;
  const heartbeats = new CaHeartbeats({ env, now: () => clock });
  try {
    const counter = server.addPv({ name: "HB:CNT", type: "long", value: 0 });
    // Updates of a second PV on the same circuit arrive after every earlier update of HB:CNT.
    const sync = server.addPv({ name: "HB:SYNC", type: "long", value: 0 });
    heartbeats.watch("HB:CNT");
    heartbeats.watch("HB:SYNC");
    assert.deepEqual(heartbeats.view("HB:CNT"), { connected: false, lastChangeMs: undefined });

    await waitFor("the first value", () => heartbeats.view("HB:CNT").lastChangeMs === 1000);
    assert.equal(heartbeats.view("HB:CNT").connected, true);

    for (let i = 1; i <= 3; i++) {
      clock = 1000 + i * 1000;
      counter.post(i);
      await waitFor(`count ${i}`, () => heartbeats.view("HB:CNT").lastChangeMs === clock);
    }

    clock = 10_000;
    counter.post(3, { severity: 2, status: 3 });
    sync.post(1);
    await waitFor("the sync PV", () => heartbeats.view("HB:SYNC").lastChangeMs === 10_000);
    assert.deepEqual(heartbeats.view("HB:CNT"), { connected: true, lastChangeMs: 4000 });

    server.removePv("HB:CNT");
    await waitFor("the disconnection", () => !heartbeats.view("HB:CNT").connected);
    assert.equal(heartbeats.view("HB:CNT").lastChangeMs, 4000);

    clock = 20_000;
    server.addPv({ name: "HB:CNT", type: "long", value: 3 });
    await waitFor("the reconnection", () => heartbeats.view("HB:CNT").connected);
    // The first value after reconnecting counts as a change, even if it is the same number.
    await waitFor("the new first value", () => heartbeats.view("HB:CNT").lastChangeMs === 20_000);

    heartbeats.unwatch("HB:CNT");
    assert.deepEqual(heartbeats.view("HB:CNT"), { connected: false, lastChangeMs: undefined });
    assert.equal(heartbeats.view("HB:SYNC").connected, true);
  } finally {
    await heartbeats.close();
    await server.close();
  }
});

Deno.test("CaHeartbeats counts watches of the same PV and searches its addrList", async () => {
  const port = await freeCaPort();
  const server = await CaServer.start({ env: caLoopbackEnv(port) });
  const heartbeats = new CaHeartbeats({
    addrList: `127.0.0.1:${port}`,
    env: { EPICS_CA_AUTO_ADDR_LIST: "NO" },
    now: () => 5,
  });
  try {
    server.addPv({ name: "HB:SHARED", type: "double", value: 1 });
    heartbeats.watch("HB:SHARED");
    heartbeats.watch("HB:SHARED");
    await waitFor("the first value", () => heartbeats.view("HB:SHARED").lastChangeMs === 5);
    heartbeats.unwatch("HB:SHARED");
    assert.deepEqual(heartbeats.view("HB:SHARED"), { connected: true, lastChangeMs: 5 });
    heartbeats.unwatch("HB:SHARED");
    assert.deepEqual(heartbeats.view("HB:SHARED"), { connected: false, lastChangeMs: undefined });
  } finally {
    await heartbeats.close();
    await server.close();
  }
});

Deno.test("CaHeartbeats finds a PV through a broadcast addrList on a port two servers share", async () => {
  const port = await freeCaPort();
  // Both bound to 0.0.0.0 on one port, as the manager and an IOC on a real host.
  const env = { ...caLoopbackEnv(port), EPICS_CAS_INTF_ADDR_LIST: "0.0.0.0" };
  const first = await CaServer.start({ env });
  const second = await CaServer.start({ env });
  const heartbeats = new CaHeartbeats({
    addrList: `127.255.255.255:${port}`,
    env: {},
    now: () => 9,
  });
  try {
    first.addPv({ name: "HB:FIRST", type: "long", value: 1 });
    second.addPv({ name: "HB:SECOND", type: "long", value: 2 });
    heartbeats.watch("HB:FIRST");
    heartbeats.watch("HB:SECOND");
    await waitFor("both PVs", () =>
      heartbeats.view("HB:FIRST").lastChangeMs === 9 &&
      heartbeats.view("HB:SECOND").lastChangeMs === 9);
  } finally {
    await heartbeats.close();
    await first.close();
    await second.close();
  }
});

Deno.test("a server bound to 127.0.0.1 also hears searches sent to 127.255.255.255, as RSRV does", async () => {
  const port = await freeCaPort();
  // The manager pinned to loopback and an IOC on all interfaces, sharing one port.
  const pinned = await CaServer.start({
    env: { ...caLoopbackEnv(port) },
    interfaces: ["127.0.0.1"],
  });
  const shared = await CaServer.start({
    env: { ...caLoopbackEnv(port), EPICS_CAS_INTF_ADDR_LIST: "0.0.0.0" },
  });
  const heartbeats = new CaHeartbeats({
    addrList: `127.255.255.255:${port}`,
    env: {},
    now: () => 9,
  });
  try {
    pinned.addPv({ name: "HB:PINNED", type: "long", value: 1 });
    shared.addPv({ name: "HB:SHARED", type: "long", value: 2 });
    heartbeats.watch("HB:PINNED");
    heartbeats.watch("HB:SHARED");
    await waitFor("both PVs by broadcast", () =>
      heartbeats.view("HB:PINNED").lastChangeMs === 9 &&
      heartbeats.view("HB:SHARED").lastChangeMs === 9);
  } finally {
    await heartbeats.close();
    await pinned.close();
    await shared.close();
  }
});
