/**
 * Resolve what a command works on: the settings (or the embedded demo when there is no
 * ./settings.yaml and no --config) and the state directory.
 *
 * @module
 */
import { join, resolve } from "node:path";
import { loadSettings, parseSettings } from "../mod/config/mod.ts";
import type { Settings } from "../mod/config/types.ts";
import { resolveStateDir, type StatePaths, statePaths } from "../mod/state_dir.ts";
import { type ParsedArgs, stringFlag } from "./_common.ts";
import { DEFAULT_SETTINGS } from "./_paths.ts";

/** Settings and paths for one command run. */
export interface Context {
  /** Loaded settings. */
  settings: Settings;
  /** State directory paths. */
  paths: StatePaths;
  /** True when running the embedded demo. */
  demo: boolean;
  /**
   * The settings file that processes started by supervisord (the manager) read: the user's
   * file, or for the demo a copy written into the state directory.
   */
  settingsFileForChildren: string;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Load settings and state paths for a command.
 *
 * @param args Parsed flags (`--config`, `--state-dir`).
 * @returns The context.
 * @throws {ConfigError} When the settings are invalid or the named file is missing.
 */
export async function loadContext(args: ParsedArgs): Promise<Context> {
  const configFlag = stringFlag(args, "config");
  const stateDirFlag = stringFlag(args, "state-dir");
  const file = configFlag ?? DEFAULT_SETTINGS;
  let settings: Settings;
  let demo = false;
  if (configFlag === undefined && !(await exists(DEFAULT_SETTINGS))) {
    const { demoSettingsYaml } = await import("../demo/settings.ts");
    settings = parseSettings(demoSettingsYaml(), {
      file: resolve(DEFAULT_SETTINGS),
      displayName: "(embedded demo)",
    });
    demo = true;
  } else {
    settings = await loadSettings(file);
  }
  const dir = resolveStateDir(settings.file, stateDirFlag);
  return {
    settings,
    paths: statePaths(dir, settings.general.logDir),
    demo,
    settingsFileForChildren: demo ? join(dir, "demo-settings.yaml") : settings.file,
  };
}
