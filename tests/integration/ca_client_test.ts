/**
 * CaClient against our CaServer (and a real softIoc when one is on PATH), all on 127.0.0.1 with a
 * free port per test.
 */
import assert from "node:assert/strict";
import dgram from "node:dgram";
import { join } from "node:path";
import { CaClient, type ChannelValue } from "../../mod/ca/client/client.ts";
import { Circuit } from "../../mod/ca/server/circuit.ts";
import { CaServer, ECA_PUTFAIL, Pv, WriteRefused } from "../../mod/ca/mod.ts";
import { CaPv } from "../../mod/ca/server/_ca_pv.ts";
import { answerSearch } from "../../mod/ca/protocol/search.ts";
import { caLoopbackEnv } from "../helpers/ca_env.ts";
import { freeCaPort } from "../helpers/ports.ts";
import { waitFor } from "../helpers/wait.ts";

async function setup(): Promise<{ env: Record<string, string>; server: CaServer }> {
  const env = caLoopbackEnv(await freeCaPort());
  return { env, server: await CaServer.start({ env }) };
}

Deno.test("CaClient.get() reads every native type from CaServer", async () => {
  const { env, server } = await setup();
  const client = new CaClient({ env });
  try {
    server.addPv({ name: "T:DOUBLE", type: "double", value: 2.5, severity: 1, status: 4 });
    server.addPv({ name: "T:FLOAT", type: "float", value: 0.25 });
    server.addPv({ name: "T:LONG", type: "long", value: -70000 });
    server.addPv({ name: "T:SHORT", type: "short", value: -12 });
    server.addPv({ name: "T:CHAR", type: "char", value: 200 });
    server.addPv({ name: "T:ENUM", type: "enum", value: 1, enumStrings: ["Off", "On"] });
    server.addPv({ name: "T:STRING", type: "string", value: "hello world" });
    server.addPv({ name: "T:WF", type: "double", count: 8, value: [1.5, 2.5, 3.5] });
    server.addPv({ name: "T:SWF", type: "string", count: 3, value: ["a", "b"] });
    server.addPv({ name: "T:EMPTY", type: "long", count: 4, value: [] });
    const stamp = Date.UTC(2024, 0, 1, 0, 0, 0, 500);
    server.getPv("T:DOUBLE")!.post(2.5, { timestamp: stamp });
    const names = [
      "T:DOUBLE",
      "T:FLOAT",
      "T:LONG",
      "T:SHORT",
      "T:CHAR",
      "T:ENUM",
      "T:STRING",
      "T:WF",
      "T:SWF",
      "T:EMPTY",
    ];
    const got = await Promise.all(names.map((n) => client.get(n, { timeoutMs: 5000 })));
    assert.deepEqual(got.map((v) => v.value), [
      2.5,
      0.25,
      -70000,
      -12,
      200,
      1,
      "hello world",
      [1.5, 2.5, 3.5],
      ["a", "b"],
      [],
    ]);
    assert.deepEqual([got[0]!.severity, got[0]!.status, got[0]!.timestamp], [1, 4, stamp]);
  } finally {
    await client.close();
    await server.close();
  }
});

Deno.test("CaClient.get() rejects naming a PV nobody serves", async () => {
  const { env, server } = await setup();
  const client = new CaClient({ env });
  try {
    await assert.rejects(
      client.get("T:MISSING", { timeoutMs: 300 }),
      /Cannot get "T:MISSING": no server answered the search within 300 ms/,
    );
  } finally {
    await client.close();
    await server.close();
  }
});

Deno.test("CaClient.put() writes through to the served PV", async () => {
  const { env, server } = await setup();
  const client = new CaClient({ env });
  try {
    const pv = server.addPv({ name: "T:SP", type: "long", value: 0 });
    await client.put("T:SP", 42);
    await waitFor("T:SP = 42", () => pv.value === 42);
    await client.put("T:SP", "7");
    await waitFor("T:SP = 7", () => pv.value === 7);
    assert.equal((await client.get("T:SP")).value, 7);
  } finally {
    await client.close();
    await server.close();
  }
});

Deno.test("CaClient.put() with wait settles only when the server completes the write", async () => {
  const { env, server } = await setup();
  const client = new CaClient({ env });
  try {
    let release: (() => void) | undefined;
    const pv = server.addPv({
      name: "T:SLOW",
      type: "long",
      value: 0,
      onWrite: () => new Promise((resolve) => release = () => resolve(undefined)),
    });
    let settled = false;
    const put = client.put("T:SLOW", 5, { wait: true }).then(() => settled = true);
    await waitFor("the write handler to run", () => release !== undefined);
    assert.equal(settled, false, "put answered before the write completed");
    release!();
    await put;
    assert.equal(pv.value, 5);
  } finally {
    await client.close();
    await server.close();
  }
});

Deno.test("CaClient.put() rejects refused writes with the ECA status, with and without wait", async () => {
  const { env, server } = await setup();
  const client = new CaClient({ env });
  try {
    server.addPv({ name: "T:RO", type: "long", value: 1, access: "ro" });
    const pv = server.addPv({
      name: "T:PICKY",
      type: "long",
      value: 1,
      onWrite: (v) => {
        if (v !== 2) throw new WriteRefused(ECA_PUTFAIL, "only 2");
        return undefined;
      },
    });
    await assert.rejects(client.put("T:RO", 3), /Cannot put "T:RO": ECA_NOWTACCESS/);
    await assert.rejects(client.put("T:RO", 3, { wait: true }), /ECA_NOWTACCESS/);
    await assert.rejects(client.put("T:PICKY", 3), /Cannot put "T:PICKY": ECA_PUTFAIL/);
    await assert.rejects(client.put("T:PICKY", 4, { wait: true }), /ECA_PUTFAIL/);
    assert.equal(pv.value, 1);
    await client.put("T:PICKY", 2);
    assert.equal(pv.value, 2);
  } finally {
    await client.close();
    await server.close();
  }
});

Deno.test("CaClient reads and monitors enums as state strings with enumAsString", async () => {
  const { env, server } = await setup();
  const client = new CaClient({ env });
  const seen: unknown[] = [];
  const pv = server.addPv({ name: "T:MODE", type: "enum", value: 1, enumStrings: ["Off", "On"] });
  const monitor = client.monitor("T:MODE", (v) => seen.push(v.value), { enumAsString: true });
  try {
    assert.equal((await client.get("T:MODE", { enumAsString: true })).value, "On");
    assert.equal((await client.get("T:MODE")).value, 1);
    await waitFor("the first update", () => seen.length === 1);
    await client.put("T:MODE", "Off");
    await waitFor("the update", () => seen.length === 2);
    assert.deepEqual(seen, ["On", "Off"]);
    assert.equal(pv.value, 0);
  } finally {
    monitor.cancel();
    await client.close();
    await server.close();
  }
});

Deno.test("CaClient.monitor() delivers the initial value and posted values in order", async () => {
  const { env, server } = await setup();
  const client = new CaClient({ env });
  const seen: ChannelValue[] = [];
  const connections: boolean[] = [];
  const pv = server.addPv({ name: "T:CNT", type: "long", value: 0 });
  const monitor = client.monitor("T:CNT", (v) => seen.push(v), {
    onConnection: (c) => connections.push(c),
  });
  try {
    await waitFor("the initial value", () => seen.length === 1);
    for (let i = 1; i <= 5; i++) {
      pv.post(i);
      await waitFor(`value ${i}`, () => seen.at(-1)?.value === i);
    }
    pv.post(5, { severity: 2, status: 3 });
    await waitFor("the alarm update", () => seen.at(-1)?.severity === 2);
    assert.deepEqual(seen.map((v) => v.value), [0, 1, 2, 3, 4, 5, 5]);
    assert.deepEqual(connections, [true]);
    monitor.cancel();
    pv.post(6);
    // A get on the same client after the post: the cancelled monitor got nothing meanwhile.
    assert.equal((await client.get("T:CNT")).value, 6);
    assert.equal(seen.length, 7);
  } finally {
    monitor.cancel();
    await client.close();
    await server.close();
  }
});

Deno.test("CaClient.monitor() reconnects by itself when the server restarts", async () => {
  const { env, server } = await setup();
  const client = new CaClient({ env });
  const values: unknown[] = [];
  const connections: boolean[] = [];
  server.addPv({ name: "T:RESTART", type: "double", value: 1 });
  const monitor = client.monitor("T:RESTART", (v) => values.push(v.value), {
    onConnection: (c) => connections.push(c),
  });
  let second: CaServer | undefined;
  try {
    await waitFor("the first value", () => values.includes(1));
    await server.close();
    await waitFor("the disconnection", () => connections.at(-1) === false);
    second = await CaServer.start({ env });
    const pv = second.addPv({ name: "T:RESTART", type: "double", value: 100 });
    await waitFor("the value of the restarted server", () => values.includes(100));
    pv.post(101);
    await waitFor("a posted value after reconnecting", () => values.at(-1) === 101);
    assert.deepEqual(connections, [true, false, true]);
  } finally {
    monitor.cancel();
    await client.close();
    await server.close();
    await second?.close();
  }
});

Deno.test("CaClient.monitor() follows removePv and addPv of the same name", async () => {
  const { env, server } = await setup();
  const client = new CaClient({ env });
  const values: unknown[] = [];
  const connections: boolean[] = [];
  server.addPv({ name: "T:COMES_AND_GOES", type: "string", value: "first" });
  const monitor = client.monitor("T:COMES_AND_GOES", (v) => values.push(v.value), {
    onConnection: (c) => connections.push(c),
  });
  try {
    await waitFor("the first value", () => values.includes("first"));
    server.removePv("T:COMES_AND_GOES");
    await waitFor("the disconnection", () => connections.at(-1) === false);
    server.addPv({ name: "T:COMES_AND_GOES", type: "string", value: "second" });
    await waitFor("the value after addPv", () => values.includes("second"));
    assert.deepEqual(connections, [true, false, true]);
    assert.deepEqual(values, ["first", "second"]);
  } finally {
    monitor.cancel();
    await client.close();
    await server.close();
  }
});

/**
 * A CA server built from the real server Circuit that can be frozen, as `kill -STOP` would: it
 * stops reading and writing but keeps its sockets open.
 */
async function freezableServer(port: number, pv: Pv) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port });
  const udp = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => udp.bind(port, "127.0.0.1", () => resolve()));
  udp.on("message", (msg: Uint8Array, rinfo: dgram.RemoteInfo) => {
    const replies = answerSearch(new Uint8Array(msg), { tcpPort: port, has: (n) => n === pv.name });
    for (const r of replies) udp.send(r, rinfo.port, rinfo.address);
  });
  const state = { frozen: false, conns: [] as Deno.TcpConn[], tasks: [] as Promise<void>[] };
  const served = new CaPv(pv);
  const serve = async (conn: Deno.TcpConn) => {
    const circuit = new Circuit({
      directory: { find: (n) => n === pv.name ? served : undefined },
      peerHost: "127.0.0.1",
      tcpPort: port,
    });
    const flush = async () => {
      for (let out = circuit.takeOutput(); out; out = circuit.takeOutput()) {
        for (let at = 0; at < out.length;) at += await conn.write(out.subarray(at));
      }
    };
    const buffer = new Uint8Array(4096);
    try {
      await flush();
      while (!state.frozen) {
        const n = await conn.read(buffer);
        if (n === null || state.frozen) break;
        circuit.recv(buffer.subarray(0, n));
        await flush();
      }
    } catch {
      // Closed by the test's cleanup.
    }
    circuit.close();
  };
  const accepting = (async () => {
    try {
      for await (const conn of listener) {
        state.conns.push(conn);
        state.tasks.push(serve(conn));
      }
    } catch {
      // Listener closed.
    }
  })();
  return {
    freeze: () => state.frozen = true,
    close: async () => {
      listener.close();
      for (const c of state.conns) {
        try {
          c.close();
        } catch {
          // Already closed.
        }
      }
      await accepting;
      await Promise.all(state.tasks);
      await new Promise<void>((resolve) => udp.close(() => resolve()));
    },
  };
}

Deno.test("CaClient drops a circuit whose server stops answering ECHO", async () => {
  const port = await freeCaPort();
  const pv = new Pv({ name: "T:FROZEN", type: "long", value: 3 });
  const server = await freezableServer(port, pv);
  const client = new CaClient({ env: caLoopbackEnv(port), echoIdleMs: 200, echoTimeoutMs: 200 });
  const connections: boolean[] = [];
  const values: unknown[] = [];
  const monitor = client.monitor("T:FROZEN", (v) => values.push(v.value), {
    onConnection: (c) => connections.push(c),
  });
  try {
    await waitFor("the first value", () => values.includes(3));
    server.freeze();
    // While frozen the monitor may answer one more read; the next ECHO goes unanswered.
    await waitFor("the disconnection", () => connections.includes(false));
    assert.deepEqual(connections.slice(0, 2), [true, false]);
  } finally {
    monitor.cancel();
    await client.close();
    await server.close();
  }
});

function onPath(command: string): boolean {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      if (Deno.statSync(join(dir, command)).isFile) return true;
    } catch {
      // Not in this directory.
    }
  }
  return false;
}

const hasSoftIoc = onPath("softIoc");

Deno.test({
  // deno test cannot print why a test is ignored, so the name says it.
  name: "CaClient reads and monitors a real softIoc" +
    (hasSoftIoc ? "" : " (skipped: softIoc not on PATH)"),
  ignore: !hasSoftIoc,
  async fn() {
    const port = await freeCaPort();
    const env = caLoopbackEnv(port);
    const dir = await Deno.makeTempDir();
    const db = join(dir, "test.db");
    await Deno.writeTextFile(
      db,
      `record(ai, "CLT:AI") { field(VAL, "1.25") field(PINI, "YES") }\n` +
        `record(calc, "CLT:CNT") { field(SCAN, ".1 second") field(CALC, "A+1") ` +
        `field(INPA, "CLT:CNT NPP") }\n` +
        `record(mbbo, "CLT:MBBO") { field(ZRST, "Stop") field(ONST, "Run") field(VAL, "1") ` +
        `field(PINI, "YES") }\n` +
        `record(stringin, "CLT:SI") { field(VAL, "text") field(PINI, "YES") }\n`,
    );
    const ioc = new Deno.Command("softIoc", {
      args: ["-S", "-d", db],
      env,
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    const client = new CaClient({ env });
    const counts: number[] = [];
    const monitor = client.monitor("CLT:CNT", (v) => counts.push(v.value as number));
    try {
      const ai = await waitFor("CLT:AI", () => client.get("CLT:AI", { timeoutMs: 1000 }));
      assert.equal(ai.value, 1.25);
      assert.equal((await client.get("CLT:MBBO")).value, 1);
      assert.equal((await client.get("CLT:SI")).value, "text");
      await waitFor("three counter updates", () => counts.length >= 3);
      assert.ok(counts.every((x, i) => i === 0 || x > counts[i - 1]!));
    } finally {
      monitor.cancel();
      await client.close();
      ioc.kill("SIGTERM");
      await ioc.status;
      await Deno.remove(dir, { recursive: true });
    }
  },
});
