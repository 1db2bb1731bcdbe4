/**
 * The settings the manager last applied, kept as `<state>/manager-settings.yaml`, so that a
 * manager restarted while settings.yaml is being edited (and invalid) keeps serving what it
 * served before instead of exiting, and so that `reload` knows which CA settings are in force.
 *
 * The snapshot is the applied file's text, byte for byte: line and column numbers in it are
 * those of the settings file as it was applied. It is parsed as if it were that file (same
 * folder for `{dir}` and relative paths) but messages name the snapshot.
 *
 * @module
 */
import { join } from "node:path";
import { atomicWriteTextFile } from "../atomic_write.ts";
import { parseSettings } from "../config/parse.ts";
import { readSettingsText } from "../config/load.ts";
import type { Settings } from "../config/types.ts";

/** File name of the snapshot inside the state directory. */
export const SETTINGS_SNAPSHOT_FILE = "manager-settings.yaml";

/** Settings together with the text they were parsed from. */
export interface SettingsWithText {
  /** The parsed settings. */
  settings: Settings;
  /** The text, as read. */
  text: string;
}

/**
 * Path of the snapshot in a state directory.
 *
 * @param stateDir Absolute state directory.
 * @returns `<stateDir>/manager-settings.yaml`.
 * @example Usage
 * ```ts
 * import { settingsSnapshotPath } from "./settings_snapshot.ts";
 * settingsSnapshotPath("/srv/ioc-supervisor"); // "/srv/ioc-supervisor/manager-settings.yaml"
 * ```
 */
export function settingsSnapshotPath(stateDir: string): string {
  return join(stateDir, SETTINGS_SNAPSHOT_FILE);
}

/**
 * Read and parse a settings file, keeping its text for {@linkcode saveSettingsSnapshot}.
 *
 * @param file The settings file, as named in messages.
 * @returns Settings and text.
 * @throws {ConfigError} When the file cannot be read (at 1:1) or is not valid.
 * @example Usage
 * ```ts ignore
 * const { settings, text } = await readSettingsWithText("settings.yaml");
 * ```
 */
export async function readSettingsWithText(file: string): Promise<SettingsWithText> {
  const text = await readSettingsText(file);
  return { settings: parseSettings(text, { file, displayName: file }), text };
}

/**
 * Parse the snapshot as if it were the settings file `file` (its folder resolves `{dir}` and
 * relative paths); messages name the snapshot with the snapshot's own line:col.
 *
 * @param snapshot Path of the snapshot.
 * @param options `file`: the settings file the snapshot was taken from.
 * @returns Settings and text.
 * @throws {ConfigError} When the snapshot is missing, unreadable or not valid.
 * @example Usage
 * ```ts ignore
 * const { settings } = await readSettingsSnapshot(snapshotPath, { file: "/srv/settings.yaml" });
 * ```
 */
export async function readSettingsSnapshot(
  snapshot: string,
  options: { file: string },
): Promise<SettingsWithText> {
  const text = await readSettingsText(snapshot);
  return {
    settings: parseSettings(text, { file: options.file, displayName: snapshot }),
    text,
  };
}

/**
 * Write the snapshot atomically, mode 0600 (the settings may hold the web UI password).
 *
 * @param snapshot Path of the snapshot.
 * @param text The text of the settings just applied.
 * @returns Resolves once the file is in place.
 * @example Usage
 * ```ts ignore
 * await saveSettingsSnapshot(settingsSnapshotPath(stateDir), text);
 * ```
 */
export async function saveSettingsSnapshot(snapshot: string, text: string): Promise<void> {
  await atomicWriteTextFile(snapshot, text, { mode: 0o600 });
}
