import assert from "node:assert/strict";
import { NameIndex } from "../../../mod/ca/server/_channel_source.ts";

const encoder = new TextEncoder();

/** A name as it arrives in a CREATE_CHAN payload: NUL-terminated, padded to 8, at an offset. */
function payload(name: string, at = 5): { bytes: Uint8Array; at: number; max: number } {
  const max = (encoder.encode(name).length + 8) & ~7;
  const bytes = new Uint8Array(at + max + 3).fill(0x41);
  bytes.fill(0, at, at + max);
  bytes.set(encoder.encode(name), at);
  return { bytes, at, max };
}

function find<T extends { name: string }>(index: NameIndex<T>, name: string): T | undefined {
  const p = payload(name);
  return index.find(p.bytes, p.at, p.max);
}

Deno.test("NameIndex.find() matches the exact name bytes only", () => {
  const index = new NameIndex<{ name: string }>();
  const pv = { name: "X:TEMP" };
  index.add(pv);
  assert.equal(find(index, "X:TEMP"), pv);
  assert.equal(find(index, "X:TEM"), undefined);
  assert.equal(find(index, "X:TEMP.VAL"), undefined);
  assert.equal(find(index, ""), undefined);
});

Deno.test("NameIndex.find() stops at max when the name has no NUL", () => {
  const index = new NameIndex<{ name: string }>();
  const pv = { name: "ABCD" };
  index.add(pv);
  const bytes = encoder.encode("ABCDEFGH");
  assert.equal(index.find(bytes, 0, 4), pv);
  assert.equal(index.find(bytes, 0, 8), undefined);
});

Deno.test("NameIndex.delete() forgets only the item it indexed", () => {
  const index = new NameIndex<{ name: string }>();
  const a = { name: "A" };
  index.add(a);
  index.delete({ name: "A" });
  assert.equal(find(index, "A"), a);
  index.delete(a);
  assert.equal(find(index, "A"), undefined);
});

Deno.test("NameIndex.find() leaves non-ASCII names to the string lookup", () => {
  const index = new NameIndex<{ name: string }>();
  index.add({ name: "Temp°C" });
  assert.equal(find(index, "Temp°C"), undefined);
});

Deno.test("NameIndex.find() never returns another item, even when hashes collide", () => {
  const index = new NameIndex<{ name: string }>();
  const items = Array.from({ length: 100_000 }, (_, i) => ({ name: `PV:${i}` }));
  for (const item of items) index.add(item);
  let found = 0;
  for (const item of items) {
    const got = find(index, item.name);
    if (got !== undefined) {
      assert.equal(got, item);
      found++;
    }
  }
  // 100,000 names in a 30-bit hash space collide a few times; those fall back to find(name).
  assert.ok(found > 99_000 && found <= items.length, `found ${found}`);
});
