import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { ConfigError } from "../../../mod/errors.ts";
import { loadSettings } from "../../../mod/config/mod.ts";

Deno.test("loadSettings() names the missing file at 1:1", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "nope.yaml");
    const error = await loadSettings(path).then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof ConfigError);
    assert.deepEqual(error.issues, [
      { file: path, line: 1, col: 1, message: "Cannot read settings file: no such file" },
    ]);
    assert.equal(error.message, `${path}:1:1: Cannot read settings file: no such file`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadSettings() resolves the folder and keeps the given path in messages", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir());
  try {
    await Deno.writeTextFile(
      join(dir, "settings.yaml"),
      "general:\n  prefix: P\nioc1:\n  command: ./st.cmd\n  directory: iocs/one\n",
    );
    await Deno.writeTextFile(join(dir, "bad.yaml"), "general:\n  prefix: P\nioc1: 5\n");
    // A relative path, as a user would type it.
    const given = relative(Deno.cwd(), join(dir, "settings.yaml"));
    const settings = await loadSettings(given);
    assert.equal(settings.file, join(dir, "settings.yaml"));
    assert.equal(settings.dir, dir);
    assert.equal(settings.iocs[0]?.directory, join(dir, "iocs/one"));
    const bad = relative(Deno.cwd(), join(dir, "bad.yaml"));
    const error = await loadSettings(bad).then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof ConfigError);
    assert.equal(error.message, `${bad}:3:7: IOC "ioc1" must be a map of settings, got 5`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
