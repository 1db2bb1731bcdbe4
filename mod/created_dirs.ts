/**
 * Directories iocsup created, remembered in the state directory (`created-dirs.json`), so that
 * `clean` removes a directory only when iocsup made it and it is empty: never the user's project
 * folder (`log_dir: ..`), never a shared log folder (`log_dir: /var/log`), never a state directory
 * the user made and keeps other files in.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { atomicWriteTextFile } from "./atomic_write.ts";

/** Name of the record file inside the state directory. */
export const CREATED_DIRS_FILE = "created-dirs.json";

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** The missing directories on the way to `dir`, outermost first. */
async function missingDirs(dir: string): Promise<string[]> {
  const missing: string[] = [];
  for (let d = dir; !(await exists(d)); d = dirname(d)) {
    missing.unshift(d);
    if (dirname(d) === d) break;
  }
  return missing;
}

/**
 * Read the record of created directories.
 *
 * @param stateDir Absolute state directory.
 * @returns Absolute paths, in the order they were created (empty when there is no record).
 * @example Usage
 * ```ts
 * import { readCreatedDirs } from "./created_dirs.ts";
 * await readCreatedDirs("/nonexistent"); // []
 * ```
 */
export async function readCreatedDirs(stateDir: string): Promise<string[]> {
  let text: string;
  try {
    text = await Deno.readTextFile(join(stateDir, CREATED_DIRS_FILE));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
  } catch {
    // A damaged record proves nothing: claim no directory rather than a wrong one.
    return [];
  }
}

/**
 * Replace the record of created directories (removes the file when `dirs` is empty).
 *
 * @param stateDir Absolute state directory (must exist unless `dirs` is empty).
 * @param dirs Absolute paths.
 * @returns Resolves once written.
 */
export async function writeCreatedDirs(stateDir: string, dirs: readonly string[]): Promise<void> {
  const file = join(stateDir, CREATED_DIRS_FILE);
  if (dirs.length === 0) {
    await Deno.remove(file).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
    return;
  }
  await atomicWriteTextFile(file, JSON.stringify(dirs, null, 2) + "\n");
}

/**
 * Create the state directory and the other directories given (e.g. the log directory), adding
 * every directory this call creates (parents included) to the record in the state directory.
 *
 * @param stateDir Absolute state directory; created first, since it holds the record.
 * @param others More absolute directories to create.
 * @returns Resolves once all exist and the record is written.
 * @example Usage
 * ```ts ignore
 * await makeDirs("/srv/iocs/ioc-supervisor", ["/srv/iocs/ioc-supervisor/logs"]);
 * ```
 */
export async function makeDirs(stateDir: string, others: readonly string[] = []): Promise<void> {
  const created: string[] = [];
  for (const dir of [stateDir, ...others]) {
    const missing = await missingDirs(dir);
    if (missing.length === 0) continue;
    await Deno.mkdir(dir, { recursive: true });
    created.push(...missing);
  }
  if (created.length === 0) return;
  const known = await readCreatedDirs(stateDir);
  await writeCreatedDirs(stateDir, [...new Set([...known, ...created])]);
}
