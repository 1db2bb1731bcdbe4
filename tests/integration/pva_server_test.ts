/**
 * PvaServer over real sockets, driven by a small client built from the protocol codecs (runs
 * without any EPICS tools): UDP search (unicast, forwarded through the host's multicast group),
 * two servers sharing one UDP port, TCP validation, GET, PUT and MONITOR, port fallback.
 *
 * @module
 */

import assert from "node:assert/strict";
import dgram from "node:dgram";
import { freeCaPort, freeTcpPort } from "../helpers/ports.ts";
import { waitFor } from "../helpers/wait.ts";
import { PvaServer } from "../../mod/pva/mod.ts";
import {
  BitSet,
  decodeMessage,
  encodeDatagram,
  encodeMessage,
  FrameSplitter,
  ipv4Address,
  MONITOR,
  ntScalar,
  ntScalarArray,
  PUT,
  type PvaMessage,
  pvRequestFromString,
  scalar,
  SEARCH_UNICAST,
  splitDatagram,
  type StructDesc,
  structure,
} from "../../mod/pva/protocol/mod.ts";

async function startServer(udpPort: number, tcpPort = freeTcpPort()): Promise<PvaServer> {
  return await PvaServer.start({ tcpPort, udpPort, autoBeacons: false, beaconAddrs: [], env: {} });
}

/** Unicast searches (as clients with EPICS_PVA_ADDR_LIST=127.0.0.1 send) until `done` holds. */
async function search(
  udpPort: number,
  names: string[],
  done: (found: Map<string, number>) => boolean,
): Promise<Map<string, number>> {
  const socket = dgram.createSocket("udp4");
  await new Promise<void>((r) => socket.bind(0, "127.0.0.1", () => r()));
  const found = new Map<string, number>(); // name -> server TCP port
  socket.on("message", (msg) => {
    for (const f of splitDatagram(msg)) {
      const m = decodeMessage(f);
      if (m.kind !== "SearchResponse" || !m.found) continue;
      for (const id of m.ids) found.set(names[id]!, m.serverPort);
    }
  });
  const request = encodeDatagram({
    kind: "Search",
    sequence: 1,
    flags: SEARCH_UNICAST,
    responseAddress: new Uint8Array(16),
    responsePort: socket.address().port,
    protocols: ["tcp"],
    channels: names.map((name, id) => ({ id, name })),
  });
  try {
    return await waitFor(`search replies for ${names.join(", ")}`, () => {
      if (done(found)) return found;
      socket.send(request, udpPort, "127.0.0.1");
      return undefined;
    }, { intervalMs: 200, timeoutMs: 5000 });
  } finally {
    await new Promise<void>((r) => socket.close(() => r()));
  }
}

/** A pvAccess client connection speaking through the protocol codecs. */
class RawClient {
  #conn: Deno.TcpConn;
  #splitter = new FrameSplitter();
  #types = new Map<number, StructDesc>();
  #inbox: PvaMessage[] = [];
  #reading: Promise<void>;

  private constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
    this.#reading = this.#read();
  }

  static async connect(port: number, user = "tester"): Promise<RawClient> {
    const c = new RawClient(await Deno.connect({ hostname: "127.0.0.1", port }));
    await c.next("ValidationOffer");
    await c.send({
      kind: "ValidationReply",
      receiveBufferSize: 0x10000,
      registryMaxSize: 0x7fff,
      qos: 0,
      method: "ca",
      authData: {
        type: structure("", { user: scalar("string"), host: scalar("string") }),
        value: { user, host: "testhost" },
      },
    });
    await c.next("Validated");
    return c;
  }

  async #read(): Promise<void> {
    const buf = new Uint8Array(65536);
    try {
      for (let n; (n = await this.#conn.read(buf)) !== null;) {
        for (const f of this.#splitter.push(buf.subarray(0, n))) {
          const m = decodeMessage(f, { types: (ioid) => this.#types.get(ioid) });
          if (m.kind === "InitReply" && m.type?.kind === "structure") {
            this.#types.set(m.ioid, m.type);
          }
          this.#inbox.push(m);
        }
      }
    } catch {
      // closed
    }
  }

  async send(m: PvaMessage): Promise<void> {
    const bytes = encodeMessage(m);
    for (let off = 0; off < bytes.length;) off += await this.#conn.write(bytes.subarray(off));
  }

  async next<K extends PvaMessage["kind"]>(kind: K): Promise<Extract<PvaMessage, { kind: K }>> {
    return await waitFor(`a ${kind} message`, () => {
      const i = this.#inbox.findIndex((m) => m.kind === kind);
      if (i < 0) return undefined;
      return this.#inbox.splice(i, 1)[0] as Extract<PvaMessage, { kind: K }>;
    }, { intervalMs: 10 });
  }

  async close(): Promise<void> {
    this.#conn.close();
    await this.#reading;
  }
}

Deno.test("PvaServer answers unicast searches through the local multicast group", async () => {
  const udp = await freeCaPort();
  const server = await startServer(udp);
  try {
    server.addPv({ name: "RAW:A", type: "double", value: 1 });
    const found = await search(udp, ["RAW:A", "RAW:NONE"], (f) => f.has("RAW:A"));
    assert.deepStrictEqual([...found], [["RAW:A", server.tcpPort]]);
  } finally {
    await server.close();
  }
});

Deno.test("PvaServer: two servers on one UDP port are both found by a unicast search", async () => {
  const udp = await freeCaPort();
  const one = await startServer(udp);
  const two = await startServer(udp);
  try {
    one.addPv({ name: "ONE:X", type: "long", value: 1 });
    two.addPv({ name: "TWO:Y", type: "long", value: 2 });
    const found = await search(udp, ["ONE:X", "TWO:Y"], (f) => f.size === 2);
    assert.equal(found.get("ONE:X"), one.tcpPort);
    assert.equal(found.get("TWO:Y"), two.tcpPort);
  } finally {
    await one.close();
    await two.close();
  }
});

Deno.test("PvaServer falls back to an ephemeral TCP port when its port is taken", async () => {
  const udp = await freeCaPort();
  const busy = Deno.listen({ hostname: "0.0.0.0", port: 0 });
  const taken = (busy.addr as Deno.NetAddr).port;
  const server = await startServer(udp, taken);
  try {
    assert.notEqual(server.tcpPort, taken);
    server.addPv({ name: "FB:X", type: "double", value: 1 });
    const found = await search(udp, ["FB:X"], (f) => f.has("FB:X"));
    assert.equal(found.get("FB:X"), server.tcpPort);
  } finally {
    busy.close();
    await server.close();
  }
});

Deno.test("PvaServer serves GET, PUT and MONITOR over TCP and tells canWrite who writes", async () => {
  const udp = await freeCaPort();
  const server = await startServer(udp);
  const writers: string[] = [];
  const pv = server.addPv({
    name: "RAW:AO",
    type: "double",
    value: 1.5,
    canWrite: (peer) => {
      writers.push(`${peer.user}@${peer.host}`);
      return peer.user === "tester";
    },
  });
  const client = await RawClient.connect(server.tcpPort);
  try {
    await client.send({ kind: "CreateChannelRequest", channels: [{ cid: 9, name: "RAW:AO" }] });
    const created = await client.next("CreateChannelReply");
    assert.equal(created.status.type, "ok");
    const sid = created.sid;
    const pvRequest = pvRequestFromString("field(value)");
    await client.send({
      kind: "InitRequest",
      command: MONITOR,
      sid,
      ioid: 1,
      subcmd: 8,
      pvRequest,
    });
    await client.next("InitReply");
    await client.send({ kind: "MonitorExec", sid, ioid: 1, subcmd: 0x44 });
    assert.equal((await client.next("MonitorUpdate")).data?.value["value"], 1.5);

    await client.send({ kind: "InitRequest", command: PUT, sid, ioid: 2, subcmd: 8, pvRequest });
    await client.next("InitReply");
    await client.send({
      kind: "PutExec",
      sid,
      ioid: 2,
      subcmd: 0,
      data: { type: ntScalar("double"), bits: BitSet.of(1), value: { value: 4.25 } },
    });
    assert.equal((await client.next("PutReply")).status.type, "ok");
    assert.equal((await client.next("MonitorUpdate")).data?.value["value"], 4.25);
    assert.equal(pv.value, 4.25);
    assert.deepStrictEqual(writers, ["tester@testhost"]);

    pv.post(7);
    assert.equal((await client.next("MonitorUpdate")).data?.value["value"], 7);
    server.removePv("RAW:AO");
    assert.deepStrictEqual(await client.next("DestroyChannel"), {
      kind: "DestroyChannel",
      sid,
      cid: 9,
    });
    assert.equal(server.getPv("RAW:AO"), undefined);
    // A PV retired by its owner (as a shared PV is) is forgotten too.
    const other = server.addPv({ name: "RAW:B", type: "long", value: 1 });
    other.remove();
    assert.equal(server.getPv("RAW:B"), undefined);
    server.addPv({ name: "RAW:B", type: "long", value: 2 });
  } finally {
    await client.close();
    await server.close();
  }
});

Deno.test("PvaServer answers SEARCH over TCP (name server mode)", async () => {
  const udp = await freeCaPort();
  const server = await startServer(udp);
  server.addPv({ name: "NS:X", type: "string", value: "x" });
  const client = await RawClient.connect(server.tcpPort);
  try {
    await client.send({
      kind: "Search",
      sequence: 5,
      flags: 0,
      responseAddress: ipv4Address("0.0.0.0"),
      responsePort: 0,
      protocols: ["tcp"],
      channels: [{ id: 3, name: "NS:X" }],
    });
    const reply = await client.next("SearchResponse");
    assert.deepStrictEqual([reply.found, reply.ids, reply.serverPort], [true, [3], server.tcpPort]);
  } finally {
    await client.close();
    await server.close();
  }
});

Deno.test("PvaServer sends beacons with its GUID and TCP port", async () => {
  const udp = await freeCaPort();
  const socket = dgram.createSocket("udp4");
  await new Promise<void>((r) => socket.bind(0, "127.0.0.1", () => r()));
  const beacons: PvaMessage[] = [];
  socket.on("message", (msg) => beacons.push(...splitDatagram(msg).map((f) => decodeMessage(f))));
  const server = await PvaServer.start({
    tcpPort: freeTcpPort(),
    udpPort: udp,
    autoBeacons: false,
    beaconAddrs: [`127.0.0.1:${socket.address().port}`],
    env: {},
  });
  try {
    const beacon = await waitFor("a beacon", () => beacons[0]);
    assert.equal(beacon.kind, "Beacon");
    if (beacon.kind !== "Beacon") return;
    assert.deepStrictEqual(
      [[...beacon.guid], beacon.serverPort, beacon.sequence, beacon.protocol],
      [[...server.guid], server.tcpPort, 0, "tcp"],
    );
  } finally {
    await server.close();
    await new Promise<void>((r) => socket.close(() => r()));
  }
});

Deno.test("PvaServer coalesces updates for a monitoring client that stops reading", async () => {
  const udp = await freeCaPort();
  const server = await startServer(udp);
  const n = 100_000;
  const pv = server.addPv({ name: "BIG", type: "double", count: n, value: new Array(n).fill(0) });
  // The client subscribes and then reads nothing while 300 updates of 800 kB (240 MB) are posted.
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.tcpPort });
  const pvRequest = pvRequestFromString("");
  const sid = 0x07050301;
  const requests: PvaMessage[] = [
    {
      kind: "ValidationReply",
      receiveBufferSize: 0x10000,
      registryMaxSize: 0x7fff,
      qos: 0,
      method: "anonymous",
      authData: { type: null, value: null },
    },
    { kind: "CreateChannelRequest", channels: [{ cid: 1, name: "BIG" }] },
    { kind: "InitRequest", command: MONITOR, sid, ioid: 1, subcmd: 8, pvRequest },
    { kind: "MonitorExec", sid, ioid: 1, subcmd: 0x44 },
  ];
  try {
    for (const r of requests) await conn.write(encodeMessage(r));
    await waitFor("the client to connect", () => server.connectionCount === 1);
    const values = new Array<number>(n);
    for (let i = 1; i <= 300; i++) {
      pv.post(values.fill(i));
      await new Promise((r) => setTimeout(r, 0));
    }
    // Another client is served meanwhile.
    const other = await RawClient.connect(server.tcpPort);
    await other.send({ kind: "Echo", payload: new Uint8Array([42]) });
    assert.deepStrictEqual((await other.next("Echo")).payload, new Uint8Array([42]));
    await other.close();
    // Now read: what was not sent was merged, so the last value comes after a few updates
    // (those that fit in the socket buffers), not after 300.
    const splitter = new FrameSplitter();
    const type = ntScalarArray("double");
    const buf = new Uint8Array(1 << 20);
    let updates = 0;
    let last = 0;
    while (last !== 300) {
      const got = await conn.read(buf);
      if (got === null) throw new Error("Server closed the connection");
      for (const f of splitter.push(buf.subarray(0, got))) {
        const m = decodeMessage(f, { types: () => type });
        if (m.kind !== "MonitorUpdate") continue;
        updates++;
        last = (m.data?.value["value"] as Float64Array)[0]!;
      }
    }
    assert.ok(updates < 50, `${updates} updates for 300 posts`);
  } finally {
    conn.close();
    await server.close();
  }
});

Deno.test("PvaServer drops a client that sends garbage and keeps serving others", async () => {
  const udp = await freeCaPort();
  const server = await startServer(udp);
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.tcpPort });
  try {
    await conn.write(new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    // The greeting may arrive first; then the server closes the connection.
    const buf = new Uint8Array(1024);
    while ((await conn.read(buf)) !== null) { /* drain until closed */ }
    const other = await RawClient.connect(server.tcpPort);
    await other.send({ kind: "Echo", payload: new Uint8Array([1]) });
    assert.deepStrictEqual((await other.next("Echo")).payload, new Uint8Array([1]));
    await other.close();
  } finally {
    conn.close();
    await server.close();
  }
});

Deno.test("PvaServer closes connections over its limit at once", async () => {
  const udp = await freeCaPort();
  const server = await PvaServer.start({
    tcpPort: freeTcpPort(),
    udpPort: udp,
    autoBeacons: false,
    beaconAddrs: [],
    maxConnections: 2,
    env: {},
  });
  const clients = [
    await RawClient.connect(server.tcpPort),
    await RawClient.connect(server.tcpPort),
  ];
  const third = await Deno.connect({ hostname: "127.0.0.1", port: server.tcpPort });
  try {
    // Refused: closed without the greeting.
    assert.equal(await third.read(new Uint8Array(64)), null);
    assert.equal(server.connectionCount, 2);
    await clients.pop()!.close();
    await waitFor("a free slot", () => server.connectionCount === 1);
    clients.push(await RawClient.connect(server.tcpPort));
  } finally {
    third.close();
    for (const c of clients) await c.close();
    await server.close();
  }
});
