/**
 * Hostile input: truncated and corrupted captured messages must fail with RemoteProtocolError
 * (close the connection) and never with another exception that would crash a server.
 */
import assert from "node:assert/strict";
import {
  decodeHeader,
  decodeMessage,
  type Frame,
  ntEnum,
  ntScalar,
  RemoteProtocolError,
  type StructDesc,
  TypeCache,
} from "../../../mod/pva/protocol/mod.ts";
import { CAPTURE_FILES, readCapture } from "./_capture.ts";

const TYPES: StructDesc[] = [ntScalar("double"), ntEnum(), ntScalar("string")];

function tryDecode(frame: Frame, type: StructDesc): void {
  try {
    decodeMessage(frame, { cache: new TypeCache(), types: () => type });
  } catch (e) {
    if (!(e instanceof RemoteProtocolError)) {
      throw new Error(`decoding threw ${(e as Error).name}: ${(e as Error).message}`, { cause: e });
    }
  }
}

/** A small deterministic PRNG (xorshift32), so a failure reproduces. */
function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

Deno.test("decodeMessage() rejects every truncation of every captured message cleanly", () => {
  let tried = 0;
  for (const file of CAPTURE_FILES) {
    for (const m of readCapture(file)) {
      if (m.elided > 0) continue;
      const header = decodeHeader(m.hdr)!;
      const cut = Math.min(m.payload.length, 600);
      for (let n = 0; n < cut; n++) {
        tryDecode({ header, payload: m.payload.slice(0, n) }, TYPES[n % TYPES.length]!);
        tried++;
      }
    }
  }
  assert.ok(tried > 50000, `${tried} truncations`);
});

Deno.test("decodeMessage() survives random byte corruption of captured messages", () => {
  const random = rng(0x5eed);
  let tried = 0;
  for (const file of CAPTURE_FILES) {
    for (const m of readCapture(file)) {
      if (m.elided > 0 || m.payload.length === 0) continue;
      const header = decodeHeader(m.hdr)!;
      for (let k = 0; k < 32; k++) {
        const payload = m.payload.slice();
        for (let j = 0; j < 3; j++) {
          payload[Math.floor(random() * payload.length)] = Math.floor(random() * 256);
        }
        tryDecode({ header, payload }, TYPES[k % TYPES.length]!);
        tried++;
      }
    }
  }
  assert.ok(tried > 40000, `${tried} corrupted`);
});

Deno.test("decodeMessage() survives every payload read as every command in both directions", () => {
  let tried = 0;
  const seen = new Set<string>();
  for (const file of CAPTURE_FILES) {
    for (const m of readCapture(file)) {
      const key = Array.from(m.payload.subarray(0, 64)).join(",");
      if (m.elided > 0 || seen.has(key)) continue;
      seen.add(key);
      const h = decodeHeader(m.hdr)!;
      for (let command = 0; command <= 23; command++) {
        for (const fromServer of [false, true]) {
          tryDecode(
            { header: { ...h, command, fromServer }, payload: m.payload },
            TYPES[command % 3]!,
          );
          tried++;
        }
      }
    }
  }
  assert.ok(tried > 10000, `${tried} reinterpretations`);
});
