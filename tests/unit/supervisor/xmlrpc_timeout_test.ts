import assert from "node:assert/strict";
import { join } from "node:path";
import { SupervisorClient, SupervisorTimeoutError } from "../../../mod/supervisor/mod.ts";
import { NotRunningError } from "../../../mod/errors.ts";

Deno.test("SupervisorClient names the socket and the wait when nothing answers in time", async () => {
  const dir = await Deno.makeTempDir({ prefix: "iocsup-rpc-" });
  const socket = join(dir, "supervisor.sock");
  // Accepts and reads, never answers: what a SIGSTOPped supervisord looks like from outside.
  const listener = Deno.listen({ transport: "unix", path: socket });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of listener) held.push(conn);
  })();
  try {
    const client = new SupervisorClient(socket, { timeoutMs: 200 });
    await assert.rejects(client.getState(), (error: unknown) => {
      assert.ok(error instanceof SupervisorTimeoutError);
      assert.equal(error.message, `supervisord does not answer on ${socket} (after 0.2 s)`);
      return true;
    });
    // A per-call timeout overrides the client's.
    await assert.rejects(
      client.call("supervisor.getState", [], { timeoutMs: 100 }),
      /does not answer .* \(after 0\.1 s\)/,
    );
  } finally {
    listener.close();
    await accepting.catch(() => {});
    for (const conn of held) conn.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("SupervisorClient reports a socket nobody listens on as not running", async () => {
  const dir = await Deno.makeTempDir({ prefix: "iocsup-rpc-" });
  try {
    const client = new SupervisorClient(join(dir, "none.sock"), { timeoutMs: 200 });
    await assert.rejects(client.getState(), NotRunningError);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
