/**
 * The server circuit facing garbage: every captured client session, with bytes flipped,
 * truncated or spliced at pseudo-random places, either is served or fails with
 * RemoteProtocolError (the socket layer then drops the client) — never another error, which
 * would be a bug on our side.
 *
 * @module
 */

import assert from "node:assert/strict";
import { connections, readCapture, wire } from "./_capture.ts";
import { capPvs, circuitFor } from "./_server_pvs.ts";
import { RemoteProtocolError } from "../../../mod/pva/protocol/mod.ts";

/** A small deterministic generator (xorshift32), so a failure can be replayed. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

Deno.test("PvaCircuit fails mangled client input only with RemoteProtocolError", async () => {
  const sessions = ["02-pvxget.txt", "03-pvxput.txt", "07-handshake.txt", "08-pvacpp-tools.txt"]
    .flatMap((f) => connections(readCapture(f)))
    .filter((c) => !c.all.some((m) => m.elided > 0))
    .map((c) => c.client.map(wire));
  const random = rng(20261201);
  let failures = 0;
  for (let round = 0; round < 2000; round++) {
    const session = sessions[Math.floor(random() * sessions.length)]!;
    const bytes = new Uint8Array(session.reduce((n, b) => n + b.length, 0));
    let at = 0;
    for (const b of session) {
      bytes.set(b, at);
      at += b.length;
    }
    for (let flips = 1 + Math.floor(random() * 4); flips > 0; flips--) {
      bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
    }
    const circuit = circuitFor(capPvs(), { maxMessage: 1 << 20 });
    try {
      circuit.recv(bytes.subarray(0, Math.floor(bytes.length * (0.5 + random() / 2))));
      await Promise.resolve();
      circuit.takeOutput();
    } catch (error) {
      if (!(error instanceof RemoteProtocolError)) {
        throw new Error(`Round ${round}: ${String(error)}`, { cause: error });
      }
      failures++;
    } finally {
      circuit.close();
    }
  }
  assert.ok(failures > 0, "some mangled sessions must be refused");
});
