/**
 * FleetModel against stand-in managers served by CaServer on loopback: IOC lists from
 * `MAN:iocs` and from fleet.yaml, a host that does not answer kept as such and recovering when
 * it appears, a host that goes away shown as not answering.
 */
import assert from "node:assert/strict";
import { FleetModel } from "../../../mod/fleet/model.ts";
import { fakeHost } from "../../helpers/fleet_hosts.ts";
import { freeCaPort } from "../../helpers/ports.ts";
import { waitFor } from "../../helpers/wait.ts";

Deno.test("FleetModel follows IOC lists, values and hosts coming and going", async () => {
  const portA = await freeCaPort();
  const portB = await freeCaPort();
  const a = await fakeHost(portA, "UA", ["ioc1", "ioc2"]);
  let b: Awaited<ReturnType<typeof fakeHost>> | undefined;
  const model = new FleetModel([
    { prefix: "UA", addr: `127.0.0.1:${portA}`, iocs: undefined },
    { prefix: "UB", addr: `127.0.0.1:${portB}`, iocs: ["x1"] },
  ], { env: {}, timeoutMs: 500 });
  try {
    await model.settled();
    const [hostA, hostB] = model.hosts;
    assert.equal(hostA!.state, "answering");
    assert.deepEqual(hostA!.iocs.map((i) => [i.name, i.status, i.uptime]), [
      ["ioc1", "RUNNING", 0],
      ["ioc2", "RUNNING", 0],
    ]);
    assert.equal(hostB!.state, "not answering");

    a.iocPvs.get("ioc2")!.uptime.post(42);
    a.iocPvs.get("ioc1")!.status.post(0);
    a.setIocs(["ioc1", "ioc2", "ioc3"]);
    await waitFor(
      "ioc3 and the new values",
      () =>
        model.hosts[0]!.iocs.length === 3 && model.hosts[0]!.iocs[2]!.status === "RUNNING" &&
        model.hosts[0]!.iocs[1]!.uptime === 42 && model.hosts[0]!.iocs[0]!.status === "STOPPED",
    );

    // fleet.yaml's list is used as it is: the host's own MAN:iocs is not read.
    b = await fakeHost(portB, "UB", ["x1", "x2"]);
    await waitFor("UB answering", () => model.hosts[1]!.state === "answering", {
      timeoutMs: 20_000,
    });
    await waitFor("UB's IOC", () => model.hosts[1]!.iocs[0]!.status === "RUNNING");
    assert.deepEqual(model.hosts[1]!.iocs.map((i) => i.name), ["x1"]);

    await a.server.close();
    await waitFor("UA not answering", () => model.hosts[0]!.state === "not answering");
    assert.equal(model.hosts[0]!.iocs.length, 3, "a host that went away keeps its rows");
  } finally {
    await model.close();
    await a.server.close();
    await b?.server.close();
  }
});

Deno.test("FleetModel settles at the time-out when a listed IOC is not served", async () => {
  const port = await freeCaPort();
  const host = await fakeHost(port, "UC", ["ioc1"]);
  const model = new FleetModel([
    { prefix: "UC", addr: `127.0.0.1:${port}`, iocs: ["ioc1", "typo"] },
  ], { env: {}, timeoutMs: 700 });
  try {
    await model.settled();
    const [view] = model.hosts;
    assert.equal(view!.state, "answering");
    assert.equal(view!.iocList, true);
    assert.deepEqual(view!.iocs.map((i) => [i.name, i.status]), [
      ["ioc1", "RUNNING"],
      ["typo", undefined],
    ]);
  } finally {
    await model.close();
    await host.server.close();
  }
});
