import assert from "node:assert/strict";
import { answerSearch } from "../../../mod/ca/protocol/search.ts";
import { msg, name } from "./_wire.ts";

function datagram(...names: string[]): Uint8Array {
  const parts = [msg({ cmd: 0, count: 13, p1: 7 })];
  for (const [i, n] of names.entries()) {
    parts.push(msg({ cmd: 6, type: 5, count: 13, p1: i, p2: i }, name(n)));
  }
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function answeredIds(replies: Uint8Array[]): number[] {
  const ids: number[] = [];
  for (const r of replies) {
    const view = new DataView(r.buffer, r.byteOffset, r.byteLength);
    for (let at = 0; at < r.length; at += 16 + view.getUint16(at + 2)) {
      if (view.getUint16(at) === 6) ids.push(view.getUint32(at + 12));
    }
  }
  return ids;
}

Deno.test("answerSearch() takes names hasBytes knows and asks has() about the others", () => {
  const asked: string[] = [];
  const replies = answerSearch(datagram("BYTES", "A.VAL", "NONE"), {
    tcpPort: 5064,
    hasBytes: (bytes, at) => bytes[at] === 0x42, // "B…"
    has: (n) => {
      asked.push(n);
      return n === "A.VAL";
    },
  });
  assert.deepEqual(answeredIds(replies), [0, 1]);
  assert.deepEqual(asked, ["A.VAL", "NONE"]);
});

Deno.test("answerSearch() asks about no empty name", () => {
  const asked: string[] = [];
  const replies = answerSearch(datagram(""), {
    tcpPort: 5064,
    hasBytes: () => true,
    has: (n) => asked.push(n) > 0,
  });
  assert.deepEqual([replies, asked], [[], []]);
});
