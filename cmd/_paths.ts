/**
 * The state directory from the flags alone, without loading settings.yaml: for commands that must
 * start fast (`status`) and read what they need from the generated files.
 *
 * @module
 */
import { resolveStateDir, type StatePaths, statePaths } from "../mod/state_dir.ts";
import { type ParsedArgs, stringFlag } from "./_common.ts";

/** Default settings file name. */
export const DEFAULT_SETTINGS = "settings.yaml";

/**
 * Resolve the state directory as `loadContext` would (the demo's is `./ioc-supervisor` too).
 *
 * @param args Parsed flags.
 * @returns State paths (logs in the default place).
 */
export function pathsFromFlags(args: ParsedArgs): StatePaths {
  const file = stringFlag(args, "config") ?? DEFAULT_SETTINGS;
  return statePaths(resolveStateDir(file, stringFlag(args, "state-dir")));
}
