import assert from "node:assert/strict";
import {
  answerSearch,
  encodeSearchReplies,
  findSearched,
} from "../../../mod/ca/protocol/search.ts";
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

/** Each reply datagram's messages as [cmd, p1 (VERSION seq), p2 (search id)]. */
function messages(replies: Uint8Array[]): [number, number, number][][] {
  return replies.map((r) => {
    const view = new DataView(r.buffer, r.byteOffset, r.byteLength);
    const out: [number, number, number][] = [];
    for (let at = 0; at < r.length; at += 16 + view.getUint16(at + 2)) {
      out.push([view.getUint16(at), view.getUint32(at + 8), view.getUint32(at + 12)]);
    }
    return out;
  });
}

Deno.test("encodeSearchReplies() packs several datagrams' answers like RSRV, VERSION before each", () => {
  const first = Array.from({ length: 31 }, (_, i) => i);
  const second = Array.from({ length: 31 }, (_, i) => 100 + i);
  const replies = encodeSearchReplies([{ seq: 1, ids: first }, { seq: 2, ids: second }], 5064);
  const msgs = messages(replies);
  assert.ok(replies.every((r) => r.length <= 1024));
  // 16 + 31×24 = 760 bytes of the first answer, then VERSION 2 and 10 replies: 1016 (11 exceed 1024).
  assert.deepEqual(replies.map((r) => r.length), [1016, 16 + 21 * 24]);
  assert.deepEqual(msgs[0]![0], [0, 1, 0]);
  assert.deepEqual(msgs[0]![32], [0, 2, 0]);
  assert.deepEqual(msgs[1]![0], [0, 2, 0]);
  const ids = msgs.flat().filter(([cmd]) => cmd === 6).map(([, , id]) => id);
  assert.deepEqual(ids, [...first, ...second]);
});

Deno.test("encodeSearchReplies() answers one datagram as answerSearch() does", () => {
  const d = datagram("A", "B");
  const options = { tcpPort: 5064, has: () => true };
  assert.deepEqual(
    encodeSearchReplies([findSearched(d, options)!], 5064),
    answerSearch(d, options),
  );
});
