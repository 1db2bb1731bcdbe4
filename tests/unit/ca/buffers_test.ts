/**
 * The buffers behind a circuit: lent input is read in place and only its unfinished tail is kept;
 * released output buffers leave views handed out before intact.
 */
import assert from "node:assert/strict";
import { InputBuffer } from "../../../mod/ca/protocol/input_buffer.ts";
import { OutBuffer } from "../../../mod/ca/protocol/out_buffer.ts";
import type { DecodedHeader } from "../../../mod/ca/protocol/header.ts";
import { msg, name } from "./_wire.ts";

function drain(input: InputBuffer): { cmd: number; payload: string }[] {
  const h: DecodedHeader = { cmd: 0, size: 0, type: 0, count: 0, p1: 0, p2: 0, headerSize: 0 };
  const out: { cmd: number; payload: string }[] = [];
  while (input.nextHeader(h)) {
    const at = input.consume(h);
    if (at < 0) break;
    const bytes = input.bytes.subarray(at, at + h.size);
    out.push({ cmd: h.cmd, payload: new TextDecoder().decode(bytes).replace(/\0+$/, "") });
  }
  return out;
}

Deno.test("InputBuffer.lend() reads in place and detach() keeps the unfinished tail", () => {
  const stream = new Uint8Array([
    ...msg({ cmd: 18 }, name("FIRST")),
    ...msg({ cmd: 18 }, name("SECOND:NAME")),
  ]);
  const input = new InputBuffer();
  const chunk = new Uint8Array(4096);
  const cut = 30; // inside the second message's header
  chunk.set(stream.subarray(0, cut));
  input.lend(chunk.subarray(0, cut), 1 << 20);
  assert.deepEqual(drain(input), [{ cmd: 18, payload: "FIRST" }]);
  input.detach();
  chunk.fill(0xff); // the caller reuses its read buffer
  chunk.set(stream.subarray(cut));
  input.lend(chunk.subarray(0, stream.length - cut), 1 << 20);
  assert.deepEqual(drain(input), [{ cmd: 18, payload: "SECOND:NAME" }]);
  input.detach();
  input.release();
  assert.equal(input.bytes.length, 0, "an empty buffer holds no storage after release()");
});

Deno.test("OutBuffer.release() frees storage only when empty and keeps taken views intact", () => {
  const out = new OutBuffer(16);
  out.append(new Uint8Array([1, 2, 3]));
  out.release();
  assert.equal(out.length, 3, "pending bytes are never dropped");
  const view = out.take();
  out.release();
  assert.equal(out.bytes.length, 0);
  out.append(new Uint8Array([9, 9, 9]));
  assert.deepEqual([...view], [1, 2, 3]);
});
