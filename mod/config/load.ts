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
      [{ file: path, line: 1, col: 1, message: `Cannot read settings file: ${reason}` }],
      { cause: error },
    );
  }
  const text = decodeSettingsBytes(bytes);
  if (typeof text !== "string") throw new ConfigError([{ file: path, ...text }]);
  return parseSettings(text, { file: path, displayName: path, host: options.host });
}

/** Read up to `limit` bytes: enough to tell that a file is too large without reading it all. */
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
