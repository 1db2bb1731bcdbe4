import assert from "node:assert/strict";
import dgram from "node:dgram";
import { CaServer } from "../../../mod/ca/mod.ts";
import { decodeHeader, type Header } from "../../../mod/ca/protocol/header.ts";
import { caLoopbackEnv } from "../../helpers/ca_env.ts";
import { freeCaPort } from "../../helpers/ports.ts";
import { msg, name } from "./_wire.ts";

async function readMessages(conn: Deno.Conn, n: number): Promise<Header[]> {
  const out: Header[] = [];
  let buf = new Uint8Array(0);
  const chunk = new Uint8Array(4096);
  while (out.length < n) {
    const got = await conn.read(chunk);
    if (got === null) break;
    const joined = new Uint8Array(buf.length + got);
    joined.set(buf);
    joined.set(chunk.subarray(0, got), buf.length);
    buf = joined;
    let h;
    while ((h = decodeHeader(buf)) && buf.length >= h.headerSize + h.size) {
      out.push(h);
      buf = buf.slice(h.headerSize + h.size);
    }
  }
  return out;
}

Deno.test("CaServer answers UDP searches and serves a TCP circuit on loopback", async () => {
  const port = await freeCaPort();
  const server = await CaServer.start({ env: caLoopbackEnv(port) });
  try {
    const pv = server.addPv({ name: "S:A", type: "double", value: 1.5 });
    assert.equal(server.udpPort, port);
    assert.equal(server.tcpPort, port);
    const udp = dgram.createSocket("udp4");
    await new Promise<void>((r) => udp.bind(0, "127.0.0.1", () => r()));
    const reply = new Promise<Uint8Array>((r) => udp.once("message", (m) => r(new Uint8Array(m))));
    const datagram = new Uint8Array([
      ...msg({ cmd: 0, type: 1, count: 13, p1: 9 }),
      ...msg({ cmd: 6, type: 5, count: 13, p1: 4, p2: 4 }, name("S:A.VAL")),
    ]);
    udp.send(datagram, port, "127.0.0.1");
    const r = await reply;
    await new Promise<void>((res) => udp.close(() => res()));
    assert.equal(r.length, 40);
    const found = decodeHeader(r.subarray(16))!;
    assert.deepEqual([found.cmd, found.type, found.p2], [6, port, 4]);

    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await conn.write(
      new Uint8Array([
        ...msg({ cmd: 0, count: 13 }),
        ...msg({ cmd: 18, p1: 1, p2: 13 }, name("S:A")),
        ...msg({ cmd: 15, type: 20, count: 0, p1: 0, p2: 2 }),
      ]),
    );
    const first = await readMessages(conn, 4);
    assert.deepEqual(first.map((h) => h.cmd), [0, 22, 18, 15]);
    pv.post(2);
    server.removePv("S:A");
    const disc = await readMessages(conn, 1);
    assert.deepEqual(disc.map((h) => [h.cmd, h.p1]), [[27, 1]]);
    conn.close();
  } finally {
    await server.close();
  }
});

Deno.test("CaServer answers every name of an Ethernet-size search datagram", async () => {
  const port = await freeCaPort();
  const server = await CaServer.start({ env: caLoopbackEnv(port) });
  const udp = dgram.createSocket("udp4");
  try {
    const names = Array.from({ length: 45 }, (_, i) => `S:LONG:NAME:${String(i).padStart(3, "0")}`);
    for (const n of names) server.addPv({ name: n, type: "long", value: 0 });
    const parts = [msg({ cmd: 0, type: 1, count: 13, p1: 1 })];
    names.forEach((n, i) => parts.push(msg({ cmd: 6, type: 5, count: 13, p1: i, p2: i }, name(n))));
    const datagram = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
    parts.reduce((at, p) => (datagram.set(p, at), at + p.length), 0);
    assert.equal(datagram.length, 1456);
    await new Promise<void>((r) => udp.bind(0, "127.0.0.1", () => r()));
    const ids = new Set<number>();
    const all = new Promise<void>((resolve) => {
      udp.on("message", (m) => {
        const bytes = new Uint8Array(m);
        for (let at = 16; at < bytes.length; at += 24) {
          ids.add(decodeHeader(bytes.subarray(at))!.p2);
        }
        if (ids.size === names.length) resolve();
      });
    });
    udp.send(datagram, port, "127.0.0.1");
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, 5000)));
    await Promise.race([all, deadline]);
    clearTimeout(timer);
    assert.equal(ids.size, names.length);
  } finally {
    await new Promise<void>((res) => udp.close(() => res()));
    await server.close();
  }
});

Deno.test("CaServer falls back to an ephemeral TCP port when the port is taken", async () => {
  const port = await freeCaPort();
  const first = await CaServer.start({ env: caLoopbackEnv(port) });
  const second = await CaServer.start({ env: caLoopbackEnv(port) });
  try {
    assert.equal(first.tcpPort, port);
    assert.notEqual(second.tcpPort, port);
    assert.equal(second.udpPort, port);
  } finally {
    await second.close();
    await first.close();
  }
});

Deno.test("CaServer survives a client that sends garbage and half-closes", async () => {
  const port = await freeCaPort();
  const server = await CaServer.start({ env: caLoopbackEnv(port) });
  try {
    server.addPv({ name: "S:B", type: "long", value: 1 });
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await conn.write(msg({ cmd: 99, size: 3 } as Header, new Uint8Array(3)));
    await conn.closeWrite();
    const got = await readMessages(conn, 10);
    assert.equal(got[0]!.cmd, 0);
    conn.close();
    const again = await Deno.connect({ hostname: "127.0.0.1", port });
    await again.write(msg({ cmd: 23 }));
    assert.deepEqual((await readMessages(again, 2)).map((h) => h.cmd), [0, 23]);
    again.close();
  } finally {
    await server.close();
  }
});
