import assert from "node:assert/strict";
import { join } from "node:path";
import { filterSince, parseSince, readLogSince, stampTime } from "../../mod/log_since.ts";

const NOW = Date.parse("2026-12-01T14:10:00Z");

Deno.test("parseSince() reads durations and ISO times, and rejects the rest", () => {
  assert.equal(parseSince("30s", NOW), NOW - 30_000);
  assert.equal(parseSince("10m", NOW), NOW - 600_000);
  assert.equal(parseSince("1h", NOW), NOW - 3_600_000);
  assert.equal(parseSince("2d", NOW), NOW - 2 * 86_400_000);
  assert.equal(parseSince("2026-12-01T14:00:00Z", NOW), Date.parse("2026-12-01T14:00:00Z"));
  for (const bad of ["10", "10x", "yesterday", "2026-13-45T99:00:00", ""]) {
    assert.throws(() => parseSince(bad, NOW), RangeError, bad);
  }
});

Deno.test("stampTime() reads the stamp with its zone offset", () => {
  assert.equal(stampTime("[2026-12-01T15:03:07+0100] x"), Date.parse("2026-12-01T14:03:07Z"));
  assert.equal(stampTime("no stamp"), undefined);
});

Deno.test("filterSince() keeps recent lines, unstamped ones with the stamped line before", () => {
  const text = [
    "early unstamped",
    "[2026-12-01T13:59:59+0000] old",
    "old continued",
    "[2026-12-01T14:00:00+0000] new",
    "new continued",
    "[2026-12-01T14:05:00+0000] newer",
    "",
  ].join("\n");
  assert.equal(
    filterSince(text, Date.parse("2026-12-01T14:00:00Z")),
    "[2026-12-01T14:00:00+0000] new\nnew continued\n[2026-12-01T14:05:00+0000] newer\n",
  );
});

Deno.test("readLogSince() reads back into the backups only as far as needed", async () => {
  const dir = await Deno.makeTempDir({ prefix: "iocsup-since-" });
  try {
    const log = join(dir, "x.log");
    await Deno.writeTextFile(`${log}.2`, "[2026-12-01T13:00:00+0000] too old\n");
    await Deno.writeTextFile(
      `${log}.1`,
      "[2026-12-01T13:58:00+0000] a\n[2026-12-01T14:01:00+0000] b\n",
    );
    await Deno.writeTextFile(log, "[2026-12-01T14:02:00+0000] c\n");
    assert.equal(
      await readLogSince(log, Date.parse("2026-12-01T14:00:00Z")),
      "[2026-12-01T14:01:00+0000] b\n[2026-12-01T14:02:00+0000] c\n",
    );
    assert.equal(await readLogSince(join(dir, "none.log"), 0), "");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
