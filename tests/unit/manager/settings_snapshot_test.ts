import assert from "node:assert/strict";
import { join } from "node:path";
import { ConfigError } from "../../../mod/errors.ts";
import {
  readSettingsSnapshot,
  readSettingsWithText,
  saveSettingsSnapshot,
  settingsSnapshotPath,
} from "../../../mod/manager/settings_snapshot.ts";

const TEXT = "general:\n  prefix: SNAP\n  web: false\nioc1:\n  command: ./st.cmd {dir}\n";

Deno.test("saveSettingsSnapshot() keeps the text, and it parses as the original file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = join(dir, "project", "settings.yaml");
    await Deno.mkdir(join(dir, "project"));
    await Deno.writeTextFile(file, TEXT);
    const { settings, text } = await readSettingsWithText(file);
    const snapshot = settingsSnapshotPath(join(dir, "state"));
    await Deno.mkdir(join(dir, "state"));
    await saveSettingsSnapshot(snapshot, text);
    assert.equal(await Deno.readTextFile(snapshot), TEXT);
    assert.equal((await Deno.stat(snapshot)).mode! & 0o777, 0o600);
    const restored = await readSettingsSnapshot(snapshot, { file });
    assert.deepEqual(restored.settings, settings, "{dir} is the settings file's folder");
    assert.equal(restored.settings.iocs[0]!.command, `./st.cmd ${join(dir, "project")}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readSettingsSnapshot() names the snapshot with line:col in its errors", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const snapshot = settingsSnapshotPath(dir);
    await Deno.writeTextFile(
      snapshot,
      "general:\n  prefix: P\nioc1:\n  command: x\n  autostart: maybe\n",
    );
    const error = await readSettingsSnapshot(snapshot, { file: join(dir, "settings.yaml") })
      .then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof ConfigError, String(error));
    assert.equal(error.issues[0]!.file, snapshot);
    assert.deepEqual([error.issues[0]!.line, error.issues[0]!.col], [5, 14]);
    const missing = join(dir, "absent.yaml");
    await assert.rejects(
      readSettingsSnapshot(missing, { file: missing }),
      /absent\.yaml:1:1: Cannot read/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
