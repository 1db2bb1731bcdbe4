/**
 * A snapshot of the Linux process table from `/proc`: pid, parent, process group, state, and
 * the iocsup marker variables of each process's environment. Parsing is pure
 * ({@linkcode parseStat}, {@linkcode parseEnviron}); {@linkcode readProcessTable} is the I/O shell.
 *
 * @module
 */

/** One process as `/proc/<pid>/stat` and `/proc/<pid>/environ` describe it. */
export interface ProcEntry {
  /** Process id. */
  pid: number;
  /** Parent pid (1, or a subreaper, once its parent died). */
  ppid: number;
  /** Process group id. */
  pgid: number;
  /** One-letter state (R, S, D, T, Z, …). */
  state: string;
  /** The `environ` variables whose names were asked for; empty when unreadable. */
  env: Map<string, string>;
}

/** Options for {@linkcode readProcessTable}. */
export interface ReadProcessTableOptions {
  /** Environment variables to keep per process (only these are returned). */
  envNames?: readonly string[];
  /** Root of procfs. @default "/proc" */
  procDir?: string;
}

/**
 * Parse `/proc/<pid>/stat`.
 *
 * @param text The file's content.
 * @returns State, parent pid and process group id; undefined for malformed text.
 * @example Usage
 * ```ts
 * import { parseStat } from "./proc_table.ts";
 * parseStat("42 (sh -c x) S 1 42 42 0 -1"); // { state: "S", ppid: 1, pgid: 42 }
 * ```
 */
export function parseStat(text: string): { state: string; ppid: number; pgid: number } | undefined {
  // The command name (field 2) may hold spaces and parentheses: the fields after it start after
  // the last ")".
  const close = text.lastIndexOf(")");
  if (close < 0) return undefined;
  const fields = text.slice(close + 2).split(" ");
  const state = fields[0];
  const ppid = Number(fields[1]);
  const pgid = Number(fields[2]);
  if (!state || !Number.isSafeInteger(ppid) || !Number.isSafeInteger(pgid)) return undefined;
  return { state, ppid, pgid };
}

/**
 * Pick variables out of a NUL-separated `/proc/<pid>/environ`.
 *
 * @param bytes The file's content.
 * @param names The variables wanted.
 * @returns The values found, by name.
 * @example Usage
 * ```ts
 * import { parseEnviron } from "./proc_table.ts";
 * const bytes = new TextEncoder().encode("A=1\0B=x=y\0");
 * parseEnviron(bytes, ["B"]); // Map { "B" => "x=y" }
 * ```
 */
export function parseEnviron(bytes: Uint8Array, names: readonly string[]): Map<string, string> {
  const found = new Map<string, string>();
  if (names.length === 0 || bytes.length === 0) return found;
  for (const entry of new TextDecoder().decode(bytes).split("\0")) {
    const eq = entry.indexOf("=");
    if (eq <= 0) continue;
    const name = entry.slice(0, eq);
    // The first definition wins, as getenv() reads it.
    if (names.includes(name) && !found.has(name)) found.set(name, entry.slice(eq + 1));
  }
  return found;
}

/**
 * Read every process visible in `/proc`. Processes that exit during the scan are skipped; the
 * environment of another user's process is unreadable and comes back empty. Without procfs the
 * table is empty.
 *
 * @param options The variables to read and the procfs root.
 * @returns One entry per process.
 * @example Usage
 * ```ts ignore
 * const table = readProcessTable({ envNames: ["IOCSUP_STATE_DIR"] });
 * ```
 */
export function readProcessTable(options: ReadProcessTableOptions = {}): ProcEntry[] {
  const procDir = options.procDir ?? "/proc";
  const names = options.envNames ?? [];
  const entries: ProcEntry[] = [];
  let listing;
  try {
    listing = [...Deno.readDirSync(procDir)];
  } catch (error) {
    // No procfs (not Linux): no process can be found.
    if (error instanceof Deno.errors.NotFound) return entries;
    throw error;
  }
  for (const dirEntry of listing) {
    if (!/^\d+$/.test(dirEntry.name)) continue;
    const pid = Number(dirEntry.name);
    let stat;
    try {
      stat = parseStat(Deno.readTextFileSync(`${procDir}/${pid}/stat`));
    } catch {
      continue; // Exited meanwhile.
    }
    if (stat === undefined) continue;
    let env = new Map<string, string>();
    if (names.length > 0) {
      try {
        env = parseEnviron(Deno.readFileSync(`${procDir}/${pid}/environ`), names);
      } catch {
        // Another user's process, or exited meanwhile.
      }
    }
    entries.push({ pid, ...stat, env });
  }
  return entries;
}

/**
 * Whether a process exists and has not exited (a zombie has exited, only its parent has not
 * collected it).
 *
 * @param pid Process id.
 * @param procDir Root of procfs.
 * @returns True while it runs (or is stopped).
 * @example Usage
 * ```ts ignore
 * if (!await processAlive(pid)) console.log("gone");
 * ```
 */
export async function processAlive(pid: number, procDir = "/proc"): Promise<boolean> {
  try {
    const stat = parseStat(await Deno.readTextFile(`${procDir}/${pid}/stat`));
    return stat !== undefined && stat.state !== "Z" && stat.state !== "X";
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || isNoSuchProcess(error)) return false;
    throw error;
  }
}

/** A /proc read of a process that exited between the lookup and the read fails with ESRCH. */
function isNoSuchProcess(error: unknown): boolean {
  return error instanceof Error &&
    ((error as { code?: string }).code === "ESRCH" || /\(os error 3\)/.test(error.message));
}
