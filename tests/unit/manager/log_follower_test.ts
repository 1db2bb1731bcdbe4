import assert from "node:assert/strict";
import { join } from "node:path";
import { LineBuffer } from "../../../mod/manager/log_lines.ts";
import { BACKLOG_BYTES, LogFollower } from "../../../mod/manager/log_follower.ts";

function numbered(from: number, to: number): string {
  let text = "";
  for (let i = from; i < to; i++) text += `line ${i}\n`;
  return text;
}

async function withLog(fn: (path: string) => void): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "iocsup-follower-" });
  try {
    fn(join(dir, "ioc.log"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("LogFollower starts with the last lines of a big log, then reads only new ones", () =>
  withLog((path) => {
    Deno.writeTextFileSync(path, numbered(0, 100_000)); // ~1.2 MB
    const lines = new LineBuffer(3);
    const follower = new LogFollower(path, lines);
    try {
      assert.deepEqual(lines.lines, ["line 99997", "line 99998", "line 99999"]);
      const version = lines.version;
      follower.look();
      assert.equal(lines.version, version, "nothing new, nothing read");
      Deno.writeTextFileSync(path, "new one\n", { append: true });
      follower.look();
      assert.deepEqual(lines.lines, ["line 99998", "line 99999", "new one"]);
    } finally {
      follower.close();
    }
  }));

Deno.test("LogFollower finishes a rotated log, then reads the new one", () =>
  withLog((path) => {
    Deno.writeTextFileSync(path, numbered(0, 10));
    const lines = new LineBuffer(4);
    const follower = new LogFollower(path, lines);
    try {
      // Written, then rotated (renamed away) before the next look, as supervisord does.
      Deno.writeTextFileSync(path, numbered(10, 12) + "split ", { append: true });
      Deno.renameSync(path, `${path}.1`);
      Deno.writeTextFileSync(path, "line\n" + numbered(12, 13));
      follower.look();
      assert.deepEqual(lines.lines, ["line 10", "line 11", "split line", "line 12"]);
      Deno.writeTextFileSync(path, numbered(13, 14), { append: true });
      follower.look();
      assert.deepEqual(lines.lines, ["line 11", "split line", "line 12", "line 13"]);
    } finally {
      follower.close();
    }
  }));

Deno.test("LogFollower reads a truncated log again from its start", () =>
  withLog((path) => {
    Deno.writeTextFileSync(path, numbered(0, 50));
    const lines = new LineBuffer(2);
    const follower = new LogFollower(path, lines);
    try {
      Deno.writeTextFileSync(path, "fresh 1\nfresh 2\n");
      follower.look();
      assert.deepEqual(lines.lines, ["fresh 1", "fresh 2"]);
    } finally {
      follower.close();
    }
  }));

Deno.test("LogFollower picks up a log created after it started, from its start", () =>
  withLog((path) => {
    const lines = new LineBuffer(5);
    const follower = new LogFollower(path, lines);
    try {
      assert.deepEqual(lines.lines, []);
      Deno.writeTextFileSync(path, "x".repeat(BACKLOG_BYTES) + "\nfirst\nsecond\n");
      for (let i = 0; i < 8; i++) follower.look(); // A missing log is looked for now and then.
      assert.deepEqual(lines.lines.slice(1), ["first", "second"]);
    } finally {
      follower.close();
    }
  }));

Deno.test("LogFollower starts again from the end of .1 after several rotations between looks", () =>
  withLog((path) => {
    Deno.writeTextFileSync(path, numbered(0, 10));
    const lines = new LineBuffer(4);
    const follower = new LogFollower(path, lines);
    try {
      // Two rotations before the next look: .2 is the file read so far, .1 a file never seen.
      Deno.renameSync(path, `${path}.1`);
      Deno.writeTextFileSync(path, numbered(10, 20));
      Deno.renameSync(`${path}.1`, `${path}.2`);
      Deno.renameSync(path, `${path}.1`);
      Deno.writeTextFileSync(path, numbered(20, 23));
      follower.look();
      assert.deepEqual(lines.lines, ["line 19", "line 20", "line 21", "line 22"]);
    } finally {
      follower.close();
    }
  }));

Deno.test("LogFollower finishes a removed log and reads the one created after it", () =>
  withLog((path) => {
    Deno.writeTextFileSync(path, numbered(0, 3));
    const lines = new LineBuffer(3);
    const follower = new LogFollower(path, lines);
    try {
      Deno.writeTextFileSync(path, numbered(3, 4), { append: true });
      Deno.removeSync(path);
      follower.look();
      assert.deepEqual(lines.lines, ["line 1", "line 2", "line 3"]);
      Deno.writeTextFileSync(path, numbered(4, 5));
      for (let i = 0; i < 8; i++) follower.look();
      assert.deepEqual(lines.lines, ["line 2", "line 3", "line 4"]);
    } finally {
      follower.close();
    }
  }));
