/**
 * PVA servers pinned to loopback (as the demo and tests pin them) on one shared UDP port: each
 * binds 127.0.0.1, the loopback broadcast and the local multicast group, nothing else, and a
 * client finds the PVs of both by broadcast and by unicast (handed on through the group).
 *
 * @module
 */
import assert from "node:assert/strict";
import { freeCaPort, freeTcpPort } from "../helpers/ports.ts";
import { PvaServer } from "../../mod/pva/mod.ts";
import { PvaClient } from "../../mod/pva/client/mod.ts";

async function pinned(udpPort: number, name: string): Promise<PvaServer> {
  const server = await PvaServer.start({
    tcpPort: freeTcpPort(),
    udpPort,
    interfaces: ["127.0.0.1"],
    autoBeacons: false,
    beaconAddrs: [],
    env: {},
  });
  server.addPv({ name, type: "long", value: 7 });
  return server;
}

for (const addr of ["127.255.255.255", "127.0.0.1"]) {
  Deno.test(`two PVA servers pinned to 127.0.0.1 on one UDP port are both found at ${addr}`, async () => {
    const udpPort = await freeCaPort();
    const first = await pinned(udpPort, "PIN:FIRST");
    const second = await pinned(udpPort, "PIN:SECOND");
    const client = new PvaClient({ addrList: `${addr}:${udpPort}`, autoAddrList: false, env: {} });
    try {
      const values = await Promise.all(
        ["PIN:FIRST", "PIN:SECOND"].map((n) => client.get(n, { timeoutMs: 5000 })),
      );
      assert.deepEqual(values.map((v) => v.value), [7, 7]);
    } finally {
      await client.close();
      await first.close();
      await second.close();
    }
  });
}
