/**
 * Resolve what a command works on: the settings (or the embedded demo when there is no
 * ./settings.yaml and no --config) and the state directory. Everything that can be checked
 * before a file is written is checked here, so `start` and friends create nothing from settings
 * that would fail later; warnings are printed to stderr here, once for every command.
 *
 * @module
 */
import { join, resolve } from "node:path";
import { confValueProblem, hostFacts, loadSettings, parseSettings } from "../mod/config/mod.ts";
import type { Settings } from "../mod/config/types.ts";
import { formatIssue, UsageError } from "../mod/errors.ts";
import { resolveStateDir, type StatePaths, statePaths } from "../mod/state_dir.ts";
import { type ParsedArgs, stringFlag } from "./_common.ts";
import { note } from "./_output.ts";
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

/** Options of {@linkcode loadContext}. */
export interface LoadContextOptions {
  /**
   * Print the settings' warnings to stderr as `file:line:col: warning: …`. `validate` prints
   * them itself. @default true
   */
  printWarnings?: boolean;
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
 * Load settings and state paths for a command, checked against this host (directories exist,
 * the heartbeat search list reaches every server).
 *
 * @param args Parsed flags (`--config`, `--state-dir`).
 * @param options Whether to print warnings.
 * @returns The context.
 * @throws {ConfigError} When the settings are invalid or the named file is missing.
 * @throws {UsageError} When supervisord.conf cannot hold the `--state-dir` path.
 */
export async function loadContext(
  args: ParsedArgs,
  options: LoadContextOptions = {},
): Promise<Context> {
  const configFlag = stringFlag(args, "config");
  const stateDirFlag = stringFlag(args, "state-dir");
  const file = configFlag ?? DEFAULT_SETTINGS;
  const host = hostFacts();
  let settings: Settings;
  let demo = false;
  if (configFlag === undefined && !(await exists(DEFAULT_SETTINGS))) {
    const { demoSettingsYaml } = await import("../demo/settings.ts");
    settings = parseSettings(demoSettingsYaml(), {
      file: resolve(DEFAULT_SETTINGS),
      displayName: "(embedded demo)",
      host,
    });
    demo = true;
  } else {
    settings = await loadSettings(file, { host });
  }
  const dir = resolveStateDir(settings.file, stateDirFlag);
  const paths = statePaths(dir, settings.general.logDir);
  if (stateDirFlag !== undefined) checkStatePaths(paths);
  if (options.printWarnings ?? true) {
    for (const warning of settings.warnings ?? []) note(formatWarning(warning));
  }
  return {
    settings,
    paths,
    demo,
    settingsFileForChildren: demo ? join(dir, "demo-settings.yaml") : settings.file,
  };
}

/**
 * A warning as printed: `file:line:col: warning: message`.
 *
 * @param warning One of `Settings.warnings`.
 * @returns The line, without a newline.
 */
export function formatWarning(warning: Parameters<typeof formatIssue>[0]): string {
  return formatIssue({ ...warning, message: `warning: ${warning.message}` });
}

/**
 * Refuse a `--state-dir` whose paths supervisord.conf cannot hold. (Beside the settings file
 * they are checked with the settings folder; `log_dir` is checked at its position.)
 */
function checkStatePaths(paths: StatePaths): void {
  for (const path of [paths.dir, paths.logDir]) {
    const problem = confValueProblem(path);
    if (problem !== undefined) {
      throw new UsageError(
        `Cannot use state directory ${JSON.stringify(paths.dir)}: supervisord.conf cannot hold ` +
          `${JSON.stringify(path)} (${problem})`,
      );
    }
  }
}
