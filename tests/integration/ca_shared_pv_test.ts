/**
 * One Pv served by two CaServers (as a CA and a PVA server will share the manager's PVs): a post
 * reaches clients of both, a write through one shows through the other, and removal is per server
 * or everywhere. Real servers and CaClients on 127.0.0.1, free ports.
 */
import assert from "node:assert/strict";
import { CaClient, CaServer } from "../../mod/ca/mod.ts";
import { Pv, WriteRefused } from "../../mod/pv/mod.ts";
import { caLoopbackEnv } from "../helpers/ca_env.ts";
import { freeCaPort } from "../helpers/ports.ts";

async function serverWithClient(): Promise<{ server: CaServer; client: CaClient }> {
  const env = caLoopbackEnv(await freeCaPort());
  return { server: await CaServer.start({ env }), client: new CaClient({ env }) };
}

Deno.test("two CaServers serve one shared Pv: same value, writes and removal", async () => {
  const a = await serverWithClient();
  const b = await serverWithClient();
  try {
    const pv = new Pv({
      name: "SHARED:T",
      type: "long",
      value: 1,
      onWrite: (v) => {
        if (v === 13) throw new WriteRefused("invalid", "unlucky");
        return undefined;
      },
    });
    assert.equal(a.server.addPv(pv), pv);
    assert.equal(b.server.addPv(pv), pv);
    assert.equal(a.server.getPv("SHARED:T"), pv);
    assert.throws(() => b.server.addPv(pv), /already served/);

    pv.post(7, { severity: 1, status: 4 });
    for (const { client } of [a, b]) {
      const got = await client.get("SHARED:T");
      assert.equal(got.value, 7);
      assert.equal(got.severity, 1);
    }

    await a.client.put("SHARED:T", 9, { wait: true });
    assert.equal((await b.client.get("SHARED:T")).value, 9);
    await assert.rejects(b.client.put("SHARED:T", 13, { wait: true }), /ECA_PUTFAIL/);
    assert.equal((await a.client.get("SHARED:T")).value, 9);

    // Removing from one server leaves the other serving the same object.
    assert.equal(a.server.removePv("SHARED:T"), true);
    assert.equal(a.server.getPv("SHARED:T"), undefined);
    assert.equal(pv.removed, false);
    await assert.rejects(a.client.get("SHARED:T", { timeoutMs: 1000 }));
    pv.post(11);
    assert.equal((await b.client.get("SHARED:T")).value, 11);

    // pv.remove() retires it from every server.
    pv.remove();
    assert.equal(b.server.getPv("SHARED:T"), undefined);
    await assert.rejects(b.client.get("SHARED:T", { timeoutMs: 1000 }));
  } finally {
    for (const { server, client } of [a, b]) {
      await client.close();
      await server.close();
    }
  }
});

Deno.test("removePv() removes a PV the server created from a definition", async () => {
  const { server, client } = await serverWithClient();
  try {
    const pv = server.addPv({ name: "OWN:T", type: "double", value: 1.5 });
    assert.equal((await client.get("OWN:T")).value, 1.5);
    assert.equal(server.removePv("OWN:T"), true);
    assert.equal(pv.removed, true);
    assert.equal(server.removePv("OWN:T"), false);
    assert.throws(() => server.addPv(pv), /was removed/);
  } finally {
    await client.close();
    await server.close();
  }
});
