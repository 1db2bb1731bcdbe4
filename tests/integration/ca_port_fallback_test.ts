/**
 * A CA server whose TCP port is taken serves on another TCP port, as RSRV does, while it keeps
 * the UDP search port: a libca client that only knows the UDP port still finds and reads its PVs.
 */
import assert from "node:assert/strict";
import { CaServer } from "../../mod/ca/mod.ts";
import { caLoopbackEnv } from "../helpers/ca_env.ts";
import { freeCaPort } from "../helpers/ports.ts";
import { runPyScript } from "../helpers/pyepics.ts";

Deno.test("CaServer falls back to an ephemeral TCP port when its port is taken; clients still connect", async () => {
  const port = await freeCaPort();
  const squatter = Deno.listen({ hostname: "127.0.0.1", port, transport: "tcp" });
  let server: CaServer | undefined;
  try {
    server = await CaServer.start({ port, env: caLoopbackEnv(port) });
    assert.equal(server.udpPort, port);
    assert.notEqual(server.tcpPort, port);
    assert.ok(server.tcpPort > 0);
    server.addPv({ name: "FB:VALUE", type: "long", value: 42 });
    const doc = await runPyScript<{ results: { value?: { value: number }; error?: string }[] }>(
      "ca_ops.py",
      { port, args: [JSON.stringify({ timeout: 10, ops: [{ op: "get", pv: "FB:VALUE" }] })] },
    );
    assert.equal(doc.results[0]?.error, undefined);
    assert.equal(doc.results[0]?.value?.value, 42);
  } finally {
    await server?.close();
    squatter.close();
  }
});
