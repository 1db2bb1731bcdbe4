import assert from "node:assert/strict";
import dgram from "node:dgram";
import { CaServer } from "../../../mod/ca/mod.ts";
import { caLoopbackEnv } from "../../helpers/ca_env.ts";
import { freeCaPort } from "../../helpers/ports.ts";
import { waitFor } from "../../helpers/wait.ts";
import { msg, name } from "./_wire.ts";

Deno.test("CaServer answers every name of a burst of search datagrams, each after its VERSION", async () => {
  const port = await freeCaPort();
  const server = await CaServer.start({ env: caLoopbackEnv(port) });
  const udp = dgram.createSocket("udp4");
  try {
    for (let i = 0; i < 200; i++) server.addPv({ name: `B:${i}`, type: "long", value: i });
    await new Promise<void>((r) => udp.bind(0, "127.0.0.1", () => r()));
    /** Search id → the sequence number of the VERSION before it. */
    const answered = new Map<number, number>();
    udp.on("message", (m: Uint8Array) => {
      const view = new DataView(m.buffer, m.byteOffset, m.byteLength);
      let seq = -1;
      for (let at = 0; at < m.length; at += 16 + view.getUint16(at + 2)) {
        if (view.getUint16(at) === 0) seq = view.getUint32(at + 8);
        else if (view.getUint16(at) === 6) answered.set(view.getUint32(at + 12), seq);
      }
    });
    // Eight datagrams of 25 names (datagram k has sequence number 100 + k), plus unknown names.
    for (let k = 0; k < 8; k++) {
      const parts = [msg({ cmd: 0, count: 13, p1: 100 + k })];
      for (let i = 0; i < 25; i++) {
        const id = k * 25 + i;
        parts.push(msg({ cmd: 6, type: 5, count: 13, p1: id, p2: id }, name(`B:${id}`)));
      }
      parts.push(msg({ cmd: 6, type: 5, count: 13, p1: 999, p2: 999 }, name("B:NONE")));
      udp.send(new Uint8Array(parts.flatMap((p) => [...p])), port, "127.0.0.1");
    }
    await waitFor("all 200 names answered", () => answered.size >= 200);
    for (let id = 0; id < 200; id++) assert.equal(answered.get(id), 100 + Math.floor(id / 25));
    assert.equal(answered.has(999), false);
  } finally {
    await new Promise<void>((r) => udp.close(() => r()));
    await server.close();
  }
});
