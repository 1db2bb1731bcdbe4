/**
 * `iocsup clean`: stop supervisord if it runs, then remove what iocsup created, by name: the
 * generated files in the state directory, the logs of its own programs, and directories it
 * created once they are empty. Everything else (the settings file, the user's files, other
 * programs' logs in a shared log folder) stays.
 *
 * @module
 */
import { basename, join, resolve } from "node:path";
import { isAtomicTempName } from "../mod/atomic_write.ts";
import { CREATED_DIRS_FILE, readCreatedDirs, writeCreatedDirs } from "../mod/created_dirs.ts";
import { GENERATED_FILES, logFileNames } from "../mod/state_dir.ts";
import { isRunning, summarizeConf } from "../mod/supervisor/mod.ts";
import { boolFlag, COMMON_OPTIONS_HELP, parseCommandArgs } from "./_common.ts";
import { type Context, loadContext } from "./_context.ts";
import { out } from "./_output.ts";
import { stopIfRunning } from "./stop.ts";

/** Help text. */
export const help = `iocsup clean: stop, then remove what iocsup created

USAGE
  iocsup clean [--dry-run] [--keep-logs]

Stops supervisord, then removes, listing each path: the files iocsup generates in the state
directory (supervisord.conf, the socket, the pid file, the stored web UI password,
manager-state.json, …), the logs of supervisord, the manager and each IOC (rotated copies
included), and the directories iocsup created once they are empty. Other files are never
touched: not the settings file, not your files in the state or log directory.

OPTIONS
      --dry-run        list what would be done; stop nothing, remove nothing
      --keep-logs      keep the log files
${COMMON_OPTIONS_HELP}
`;

/** What `clean` would do. */
export interface CleanPlan {
  /** Files to remove, state directory first, then logs. */
  files: string[];
  /** Directories iocsup created that would be empty afterwards, innermost first. */
  dirs: string[];
  /** Directories iocsup created that stay (not empty), so the record keeps them. */
  keptDirs: string[];
}

async function entries(dir: string): Promise<Deno.DirEntry[]> {
  const list: Deno.DirEntry[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) list.push(entry);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return list;
}

/** `childlogdir=` of a generated conf: where the logs were when supervisord last started. */
function confLogDir(confText: string): string | undefined {
  const value = /^childlogdir=(.*)$/m.exec(confText)?.[1]?.trim();
  return value === undefined || value === "" ? undefined : value.replaceAll("%%", "%");
}

/** Log names of this program or of a rotated copy (`x.log`, `x.log.3`). */
function isLogOf(name: string, bases: ReadonlySet<string>): boolean {
  const match = /^(.*?)(\.\d+)?$/.exec(name);
  return bases.has(name) || (match?.[2] !== undefined && bases.has(match[1]!));
}

/**
 * Work out what `clean` removes, without changing anything.
 *
 * @param ctx Settings and paths.
 * @param keepLogs Leave the logs alone.
 * @returns Files and directories to remove.
 */
export async function planClean(ctx: Context, keepLogs: boolean): Promise<CleanPlan> {
  const paths = ctx.paths;
  const files: string[] = [];
  const generated = new Set([...GENERATED_FILES, CREATED_DIRS_FILE]);
  for (const entry of await entries(paths.dir)) {
    const path = join(paths.dir, entry.name);
    // Even a settings file named like one of ours (--config <state>/manager-settings.yaml).
    if (entry.isDirectory || path === resolve(ctx.settings.file)) continue;
    if (generated.has(entry.name) || isAtomicTempName(entry.name)) files.push(path);
  }
  if (!keepLogs) {
    const confText = await Deno.readTextFile(paths.conf).catch(() => "");
    // The programs supervisord ran (from the generated conf) and the ones the settings name now.
    const programs = new Set([
      ...summarizeConf(confText).programs.map((program) => program.name),
      ...ctx.settings.iocs.map((ioc) => ioc.name),
    ]);
    const bases = new Set([
      basename(paths.supervisordLog),
      basename(paths.managerLog),
      ...[...programs].flatMap(logFileNames),
    ]);
    const logDirs = new Set([paths.logDir, confLogDir(confText) ?? paths.logDir]);
    for (const dir of logDirs) {
      const names = (await entries(dir)).filter((e) => e.isFile && isLogOf(e.name, bases))
        .map((e) => e.name).sort(byRotation);
      for (const name of names) {
        const path = join(dir, name);
        if (!files.includes(path)) files.push(path);
      }
    }
  }
  // A created directory goes when nothing but removed things would be left in it.
  const removed = new Set(files);
  const dirs: string[] = [];
  const keptDirs: string[] = [];
  const created = (await readCreatedDirs(paths.dir)).sort((a, b) => b.length - a.length);
  for (const dir of created) {
    const list = await entries(dir);
    if (list.every((entry) => removed.has(join(dir, entry.name)))) {
      if (await exists(dir)) dirs.push(dir);
      removed.add(dir);
    } else {
      keptDirs.push(dir);
    }
  }
  return { files, dirs, keptDirs: keptDirs.reverse() };
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** `x.log` before `x.log.1` before `x.log.2` … before `x.log.10`. */
function byRotation(a: string, b: string): number {
  const split = (name: string): [string, number] => {
    const match = /^(.*?)(?:\.(\d+))?$/.exec(name);
    return [match?.[1] ?? name, Number(match?.[2] ?? 0)];
  };
  const [baseA, numA] = split(a);
  const [baseB, numB] = split(b);
  return baseA === baseB ? numA - numB : (baseA < baseB ? -1 : 1);
}

async function removeIfThere(path: string): Promise<boolean> {
  try {
    await Deno.remove(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** Run the command. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(args, {
    "dry-run": { type: "boolean" },
    "keep-logs": { type: "boolean" },
  });
  const ctx = await loadContext(parsed);
  const dryRun = boolFlag(parsed, "dry-run");
  const keepLogs = boolFlag(parsed, "keep-logs");
  if (dryRun) {
    if (await isRunning(ctx.paths)) out("would stop supervisord\n");
  } else if (await stopIfRunning(ctx.paths)) {
    out("stopped supervisord\n");
  }
  // Planned after the stop: supervisord writes its last log lines while it shuts down.
  const plan = await planClean(ctx, keepLogs);
  const kept = [...plan.keptDirs];
  for (const path of [...plan.files, ...plan.dirs]) {
    if (dryRun) {
      out(`would remove ${path}\n`);
      continue;
    }
    try {
      if (await removeIfThere(path)) out(`removed ${path}\n`);
    } catch (error) {
      // A directory that filled up meanwhile stays (and stays on the record); a file we
      // cannot remove is a real problem.
      if (!plan.dirs.includes(path)) throw error;
      kept.push(path);
    }
  }
  if (!dryRun && kept.length > 0 && await exists(ctx.paths.dir)) {
    // Still ours: a later clean removes them once they are empty.
    await writeCreatedDirs(ctx.paths.dir, kept);
  }
  if (plan.files.length === 0 && plan.dirs.length === 0) out("nothing to remove\n");
  return 0;
}
