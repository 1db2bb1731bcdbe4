/**
 * Read a settings file from disk.
 *
 * @module
 */
import { ConfigError } from "../errors.ts";
import type { Settings } from "./types.ts";
import { parseSettings } from "./parse.ts";

/**
 * Read, parse and validate a settings file.
 *
 * @param path The path as the user gave it; messages name it this way.
 * @returns The settings.
 * @throws {ConfigError} When the file cannot be read (one issue at 1:1) or is not valid.
 * @example Usage
 * ```ts ignore
 * const settings = await loadSettings("settings.yaml");
 * ```
 */
export async function loadSettings(path: string): Promise<Settings> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound
      ? "no such file"
      : error instanceof Error
      ? error.message
      : String(error);
    throw new ConfigError(
      [{ file: path, line: 1, col: 1, message: `Cannot read settings file: ${reason}` }],
      { cause: error },
    );
  }
  return parseSettings(text, { file: path, displayName: path });
}
