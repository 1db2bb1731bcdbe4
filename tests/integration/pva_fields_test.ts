/**
 * Record fields of PVs served by PvaServer (`NAME.SEVR`, `NAME.DESC` …) over real sockets with
 * our PvaClient: their normative types, monitor updates when the field changes (and only then),
 * refused puts, and their channels closing when the PV goes away.
 *
 * @module
 */

import assert from "node:assert/strict";
import { freeCaPort, freeTcpPort } from "../helpers/ports.ts";
import { waitFor } from "../helpers/wait.ts";
import { PvaServer } from "../../mod/pva/mod.ts";
import { Pv } from "../../mod/pv/mod.ts";
import { isEnumValue, PvaClient } from "../../mod/pva/client/mod.ts";

async function setup() {
  const udpPort = await freeCaPort();
  const server = await PvaServer.start({
    tcpPort: freeTcpPort(),
    udpPort,
    interfaces: ["127.0.0.1"],
    autoBeacons: false,
    beaconAddrs: [],
    env: {},
  });
  const client = new PvaClient({ addrList: `127.0.0.1:${udpPort}`, autoAddrList: false, env: {} });
  return { server, client };
}

Deno.test("PvaServer serves record fields of its PVs as read-only channels of QSRV2's types", async () => {
  const { server, client } = await setup();
  try {
    const ai = server.addPv({
      name: "F:AI",
      type: "double",
      value: 1.5,
      units: "mbar",
      precision: 3,
      display: { low: -1, high: 9 },
      description: "gauge",
    });
    server.addPv(new Pv({ name: "F:MODE", type: "enum", value: 0, enumStrings: ["Off", "On"] }));
    const sevr = await client.get("F:AI.SEVR");
    assert.equal(sevr.id, "epics:nt/NTEnum:1.0");
    assert.deepEqual(sevr.value, { index: 0, choices: ["NO_ALARM", "MINOR", "MAJOR", "INVALID"] });
    const stat = await client.get("F:AI.STAT");
    assert.ok(isEnumValue(stat.value) && stat.value.choices[4] === "HIGH");
    const values = async (names: string[]) =>
      await Promise.all(names.map(async (n) => (await client.get(n)).value));
    assert.deepEqual(
      await values(["F:AI.EGU", "F:AI.DESC", "F:AI.RTYP", "F:AI.NAME", "F:AI.HOPR", "F:AI.PREC"]),
      ["mbar", "gauge", "ao", "F:AI", 9, 3],
    );
    assert.equal((await client.get("F:AI.HOPR")).id, "epics:nt/NTScalar:1.0");
    assert.deepEqual(await values(["F:MODE.ZRST", "F:MODE.ONST", "F:MODE.TWST"]), [
      "Off",
      "On",
      "",
    ]);
    assert.equal((await client.get("F:AI.VAL")).value, 1.5);
    // Fields an ai or mbbo does not have are not served.
    await assert.rejects(client.get("F:MODE.EGU", { timeoutMs: 1000 }));
    await assert.rejects(client.get("F:AI.ZRST", { timeoutMs: 1000 }));
    await assert.rejects(client.put("F:AI.EGU", "bar"), /Put not permitted/);
    assert.equal(ai.meta.units, "mbar");
  } finally {
    await client.close();
    await server.close();
  }
});

Deno.test("PvaServer field monitors post when the field changes, and end when the PV is removed", async () => {
  const { server, client } = await setup();
  try {
    const pv = server.addPv({ name: "F:HB", type: "long", value: 1, description: "one" });
    const sevr: number[] = [];
    const desc: string[] = [];
    let descUp = true;
    const m1 = client.monitor(
      "F:HB.SEVR",
      (v) => sevr.push(isEnumValue(v.value) ? v.value.index : -1),
    );
    const m2 = client.monitor("F:HB.DESC", (v) => desc.push(String(v.value)), {
      onConnection: (up) => descUp = up,
    });
    try {
      await waitFor("first updates", () => sevr.length > 0 && desc.length > 0);
      pv.post(2); // the value changes: neither field does
      pv.post(3, { severity: 2, status: 4 });
      pv.setMetadata({ description: "two" });
      await waitFor("field updates", () => sevr.includes(2) && desc.includes("two"));
      assert.deepEqual(sevr, [0, 2]);
      // The DESC field carries the PV's alarm too (as an IOC field does), so it posted with it.
      assert.deepEqual(desc.filter((d, i) => i === 0 || desc[i - 1] !== d), ["one", "two"]);
      assert.equal(server.removePv("F:HB"), true);
      await waitFor("the field channel to close", () => !descUp);
      await assert.rejects(client.get("F:HB.SEVR", { timeoutMs: 1000 }));
      assert.equal(pv.removed, true, "a PV the server created is retired with removePv");
    } finally {
      m1.cancel();
      m2.cancel();
    }
  } finally {
    await client.close();
    await server.close();
  }
});
