/**
 * Read a settings file from disk.
 *
 * @module
 */
import { ConfigError } from "../errors.ts";
import type { Settings } from "./types.ts";
import type { HostFacts } from "./host.ts";
import { parseSettings } from "./parse.ts";
import { decodeSettingsBytes, MAX_SETTINGS_BYTES } from "./_file_text.ts";

/** Options of {@linkcode loadSettings}. */
export interface LoadOptions {
  /**
   * Check the settings against this host (directories exist, the heartbeat search reaches every
   * server): pass `hostFacts()`. The manager leaves it out, so that a directory removed after
   * start does not stop it from serving the other IOCs. @default undefined
   */
  host?: HostFacts | undefined;
}

/**
 * Read, parse and validate a settings file. Files over 1 MiB and bytes that are not UTF-8 are
 * refused before parsing.
 *
 * @param path The path as the user gave it; messages name it this way.
 * @param options The host to check against, if any.
 * @returns The settings.
 * @throws {ConfigError} When the file cannot be read or decoded (one issue) or is not valid.
 * @example Usage
 * ```ts ignore
 * import { hostFacts } from "./host.ts";
 * const settings = await loadSettings("settings.yaml", { host: hostFacts() });
 * ```
 */
export async function loadSettings(path: string, options: LoadOptions = {}): Promise<Settings> {
  const text = await readSettingsText(path);
  return parseSettings(text, { file: path, displayName: path, host: options.host });
}

/**
 * Read a settings file's text within the limits every reader applies: at most 1 MiB, valid UTF-8.
 *
 * @param path The file.
 * @param displayName How messages name it. @default path
 * @returns The text.
 * @throws {ConfigError} When it cannot be read (at 1:1), is too large, or is not UTF-8 (with
 * the byte offset and line:col).
 * @example Usage
 * ```ts ignore
 * const text = await readSettingsText("settings.yaml");
 * ```
 */
export async function readSettingsText(path: string, displayName = path): Promise<string> {
  let bytes: Uint8Array;
  try {
    bytes = await readAtMost(path, MAX_SETTINGS_BYTES + 1);
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound
      ? "no such file"
      : error instanceof Error
      ? error.message
      : String(error);
    throw new ConfigError(
      [{ file: displayName, line: 1, col: 1, message: `Cannot read settings file: ${reason}` }],
      { cause: error },
    );
  }
  const text = decodeSettingsBytes(bytes);
  if (typeof text !== "string") throw new ConfigError([{ file: displayName, ...text }]);
  return text;
}

async function readAtMost(path: string, limit: number): Promise<Uint8Array> {
  using file = await Deno.open(path);
  if ((await file.stat()).isDirectory) throw new Error("it is a directory");
  const buffer = new Uint8Array(limit);
  let length = 0;
  while (length < limit) {
    const n = await file.read(buffer.subarray(length));
    if (n === null) break;
    length += n;
  }
  return buffer.subarray(0, length);
}
