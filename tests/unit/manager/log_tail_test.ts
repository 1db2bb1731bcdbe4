import assert from "node:assert/strict";
import { join } from "node:path";
import { LogTail } from "../../../mod/manager/log_tail.ts";
import { LastExits } from "../../../mod/manager/last_exits.ts";

function lines(tail: LogTail): string[] {
  const out: string[] = [];
  tail.read((line) => out.push(line));
  return out;
}

Deno.test("LogTail.read() hands out complete new lines only, across rotation", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "supervisord.log");
  const tail = new LogTail(path, null);
  try {
    assert.deepEqual(lines(tail), []);
    await Deno.writeTextFile(path, "one\ntw");
    assert.deepEqual(lines(tail), ["one"]);
    await Deno.writeTextFile(path, "o\nthree\n", { append: true });
    assert.deepEqual(lines(tail), ["two", "three"]);
    assert.deepEqual(lines(tail), []);
    // Rotation: the tail of the renamed file, then the new file from its start.
    await Deno.writeTextFile(path, "four\n", { append: true });
    await Deno.rename(path, `${path}.1`);
    await Deno.writeTextFile(path, "five\n");
    assert.deepEqual(lines(tail), ["four", "five"]);
    const position = tail.position!;
    assert.equal(position.offset, 5);
    assert.equal(position.ino, (await Deno.stat(path)).ino);
  } finally {
    tail.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("LogTail resumes from a saved position, also in the rotated copy", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "supervisord.log");
  try {
    await Deno.writeTextFile(path, "old\nseen\n");
    const first = new LogTail(path, null);
    assert.deepEqual(lines(first), ["old", "seen"]);
    const saved = first.position!;
    first.close();
    await Deno.writeTextFile(path, "missed\n", { append: true });
    const again = new LogTail(path, saved);
    assert.deepEqual(lines(again), ["missed"]);
    const saved2 = again.position!;
    again.close();
    await Deno.writeTextFile(path, "before rotation\n", { append: true });
    await Deno.rename(path, `${path}.1`);
    await Deno.writeTextFile(path, "after rotation\n");
    const rotated = new LogTail(path, saved2);
    assert.deepEqual(lines(rotated), ["before rotation", "after rotation"]);
    rotated.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("LogTail reads at most the last 4 MiB of a big log, from a line start", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "supervisord.log");
  try {
    const line = "x".repeat(99) + "\n";
    await Deno.writeTextFile(path, line.repeat(50_000) + "last\n");
    const tail = new LogTail(path, null);
    const read = lines(tail);
    tail.close();
    assert.equal(read.at(-1), "last");
    assert.ok(read.length > 40_000 && read.length < 42_000, `${read.length} lines`);
    assert.ok(read.slice(0, -1).every((l) => l.length === 99));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("LastExits.update() keeps the last exit per process from supervisord.log", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "supervisord.log");
  const T = "2026-12-01 10:00:00,123";
  await Deno.writeTextFile(
    path,
    `${T} INFO spawned: 'a' with pid 1\n${T} WARN exited: a (exit status 3; not expected)\n`,
  );
  const exits = new LastExits({
    logPath: path,
    saved: { gone: { status: 1, signal: null, expected: false, requested: false, time: T } },
  });
  try {
    assert.deepEqual(exits.update(), ["a"]);
    assert.equal(exits.get("a")?.status, 3);
    await Deno.writeTextFile(
      path,
      `${T} WARN exited: b (terminated by SIGSEGV (core dumped); not expected)\n` +
        `${T} INFO stopped: a (exit status 0)\n`,
      { append: true },
    );
    assert.deepEqual(exits.update(), ["b", "a"]);
    assert.equal(exits.get("b")?.signal, "SIGSEGV");
    assert.equal(exits.get("a")?.requested, true);
    assert.deepEqual(Object.keys(exits.forSaving(["a", "b"])), ["a", "b"]);
    assert.deepEqual(Object.keys(exits.forSaving(["gone"])), ["gone"]);
  } finally {
    exits.close();
    await Deno.remove(dir, { recursive: true });
  }
});
