/**
 * CaServer's connection limit: at the limit a new TCP client is closed at once, without the
 * server's VERSION greeting; once others leave, new clients (raw and libca) are served again.
 * CA is pinned to 127.0.0.1 on a per-test port.
 */
import assert from "node:assert/strict";
import { CaServer } from "../../mod/ca/mod.ts";
import { RESERVED_FDS } from "../../mod/ca/server/_fd_limit.ts";
import { caLoopbackEnv } from "../helpers/ca_env.ts";
import { freeCaPort } from "../helpers/ports.ts";
import { runPyScript } from "../helpers/pyepics.ts";
import { waitFor } from "../helpers/wait.ts";

const LIMIT = 3;

/**
 * Connect and read the server's 16-byte VERSION greeting.
 *
 * @returns The connection, or `undefined` when the server closed it without a greeting.
 */
async function connect(port: number): Promise<Deno.TcpConn | undefined> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const greeting = new Uint8Array(16);
  let got = 0;
  try {
    while (got < 16) {
      const n = await conn.read(greeting.subarray(got));
      if (n === null) break;
      got += n;
    }
  } catch {
    // reset by the server
  }
  if (got === 16 && greeting[7] === 13) return conn;
  conn.close();
  return undefined;
}

Deno.test("CaServer refuses the connection over maxConnections and serves again after others leave", async () => {
  const port = await freeCaPort();
  const server = await CaServer.start({ port, env: caLoopbackEnv(port), maxConnections: LIMIT });
  const open: Deno.TcpConn[] = [];
  try {
    server.addPv({ name: "LIM:VALUE", type: "long", value: 7 });
    assert.equal(server.maxConnections, LIMIT);
    for (let i = 0; i < LIMIT; i++) {
      const conn = await connect(port);
      assert.ok(conn, `connection ${i + 1} of ${LIMIT} must be served`);
      open.push(conn);
    }
    assert.equal(await connect(port), undefined, "the connection over the limit must be closed");
    assert.equal(server.connectionCount, LIMIT);

    open.shift()!.close();
    await waitFor("the server to see the client leave", () => server.connectionCount < LIMIT);
    const again = await connect(port);
    assert.ok(again, "a connection must be served once there is room");
    open.push(again);

    // Room for one libca client: it searches, connects and reads.
    open.shift()!.close();
    await waitFor("the server to see the client leave", () => server.connectionCount < LIMIT);
    const doc = await runPyScript<{ results: { value?: { value: number }; error?: string }[] }>(
      "ca_ops.py",
      { port, args: [JSON.stringify({ timeout: 10, ops: [{ op: "get", pv: "LIM:VALUE" }] })] },
    );
    assert.equal(doc.results[0]?.error, undefined);
    assert.equal(doc.results[0]?.value?.value, 7);
  } finally {
    for (const c of open) c.close();
    await server.close();
  }
});

Deno.test("CaServer lowers maxConnections to fit a small open-file limit (ulimit -n)", async () => {
  const port = await freeCaPort();
  const mod = new URL("../../mod/ca/mod.ts", import.meta.url).href;
  const code = `import { CaServer } from "${mod}";
const s = await CaServer.start({ port: ${port}, maxConnections: 4096 });
console.log(s.maxConnections);
await s.close();`;
  const out = await new Deno.Command("bash", {
    args: ["-c", 'ulimit -n 200 && exec "$0" eval "$1"', Deno.execPath(), code],
    env: { ...caLoopbackEnv(port), NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, stderr);
  assert.equal(new TextDecoder().decode(out.stdout).trim(), String(200 - RESERVED_FDS));
  assert.match(stderr, /open-file limit is 200/);
});
