/**
 * Subscriptions from real libca clients (long-lived pyepics processes): every posted value arrives
 * in order, and a client reconnects by itself after the server restarts on the same port.
 */
import assert from "node:assert/strict";
import { CaServer } from "../../mod/ca/mod.ts";
import { caLoopbackEnv } from "../helpers/ca_env.ts";
import { freeCaPort } from "../helpers/ports.ts";
import { type JsonLine, JsonLineProcess } from "../helpers/pyepics.ts";

const POSTS = 1000;
const POST_PERIOD_MS = 10;

function startServer(port: number): Promise<CaServer> {
  return CaServer.start({ port, env: caLoopbackEnv(port) });
}

function valuesOf(lines: readonly JsonLine[], pv: string): unknown[] {
  return lines.filter((l) => l.e === "value" && l.pv === pv).map((l) => l.v);
}

/** Post 1..n at a fixed period; resolves after the last post. */
function postSequence(post: (i: number) => void, n: number, periodMs: number): Promise<void> {
  return new Promise((resolve) => {
    let i = 0;
    const timer = setInterval(() => {
      post(++i);
      if (i === n) {
        clearInterval(timer);
        resolve();
      }
    }, periodMs);
  });
}

Deno.test("CaServer delivers every value posted at 100 Hz to a libca monitor, in order", async () => {
  const port = await freeCaPort();
  const server = await startServer(port);
  const client = JsonLineProcess.python("ca_monitor.py", { port, args: ["M:COUNT"] });
  try {
    const pv = server.addPv({ name: "M:COUNT", type: "long", value: 0 });
    await client.waitForLine("the monitor to be ready", (l) => l.e === "ready");
    await postSequence((i) => pv.post(i), POSTS, POST_PERIOD_MS);
    await client.waitForLine(
      `value ${POSTS}`,
      (l) => l.e === "value" && l.v === POSTS,
      60_000,
    );
    const { status, lines } = await client.stop();
    assert.equal(status.code, 0, client.stderr);
    const expected = Array.from({ length: POSTS + 1 }, (_, i) => i);
    assert.deepEqual(valuesOf(lines, "M:COUNT"), expected);
    const end = lines.find((l) => l.e === "end");
    assert.deepEqual(end, { e: "end", counts: { "M:COUNT": POSTS + 1 }, lost: 0, outOfOrder: 0 });
  } finally {
    await client.kill();
    await server.close();
  }
});

Deno.test("CaServer restarted on the same port is found again by a connected libca client", async () => {
  const port = await freeCaPort();
  let server = await startServer(port);
  const client = JsonLineProcess.python("ca_monitor.py", { port, args: ["R:VAL"] });
  try {
    server.addPv({ name: "R:VAL", type: "double", value: 1 });
    await client.waitForLine("the monitor to be ready", (l) => l.e === "ready");

    await server.close();
    await client.waitForLine("the disconnect", (l) => l.e === "conn" && l.conn === false);
    server = await startServer(port);
    server.addPv({ name: "R:VAL", type: "double", value: 2 });

    // libca parks disconnected channels for a while before it searches again: a generous deadline.
    await client.waitForLine(
      "the value from the restarted server",
      (l) => l.e === "value" && l.pv === "R:VAL" && l.v === 2,
      60_000,
    );
    const { status, lines } = await client.stop();
    assert.equal(status.code, 0, client.stderr);
    const connections = lines.filter((l) => l.e === "conn").map((l) => l.conn);
    assert.deepEqual(connections, [true, false, true]);
    assert.deepEqual(valuesOf(lines, "R:VAL"), [1, 2]);
  } finally {
    await client.kill();
    await server.close();
  }
});
