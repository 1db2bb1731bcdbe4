/**
 * `iocsup clean`: stop supervisord if it runs, then remove the generated files and the logs.
 *
 * @module
 */
import { join } from "node:path";
import { boolFlag, COMMON_OPTIONS_HELP, parseCommandArgs } from "./_common.ts";
import { type Context, loadContext } from "./_context.ts";
import { out } from "./_output.ts";
import { stopIfRunning } from "./stop.ts";

/** Help text. */
export const help = `iocsup clean: stop, then remove generated files and logs

USAGE
  iocsup clean [--dry-run] [--keep-logs]

Removes supervisord.conf, the socket, the pid file, the stored web UI password and (unless
--keep-logs) the log directory, listing each path. The settings file is never touched.

OPTIONS
      --dry-run        list what would be removed; stop nothing, remove nothing
      --keep-logs      keep the log files
${COMMON_OPTIONS_HELP}
`;

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * The paths `clean` removes that exist now, files first, directories last.
 *
 * @param ctx Settings and paths.
 * @param keepLogs Leave the log directory alone.
 * @returns Absolute paths.
 */
export async function cleanTargets(ctx: Context, keepLogs: boolean): Promise<string[]> {
  const p = ctx.paths;
  const candidates = [p.conf, p.socket, p.pidFile, p.webCredentials];
  if (ctx.demo) candidates.push(ctx.settingsFileForChildren);
  const targets: string[] = [];
  for (const path of candidates) if (await exists(path)) targets.push(path);
  if (!keepLogs && await exists(p.logDir)) {
    for await (const entry of Deno.readDir(p.logDir)) targets.push(join(p.logDir, entry.name));
    targets.push(p.logDir);
  }
  return targets;
}

/** Run the command. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(args, {
    "dry-run": { type: "boolean" },
    "keep-logs": { type: "boolean" },
  });
  const ctx = await loadContext(parsed);
  const dryRun = boolFlag(parsed, "dry-run");
  if (!dryRun && await stopIfRunning(ctx.paths)) out("stopped supervisord\n");
  const targets = await cleanTargets(ctx, boolFlag(parsed, "keep-logs"));
  for (const path of targets) {
    if (!dryRun) {
      await Deno.remove(path, { recursive: true }).catch((error) => {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      });
    }
    out(`${dryRun ? "would remove" : "removed"} ${path}\n`);
  }
  if (!dryRun) {
    // Leave the state directory only if something else (kept logs, user files) is in it.
    await Deno.remove(ctx.paths.dir).then(() => out(`removed ${ctx.paths.dir}\n`)).catch(() => {});
  }
  if (targets.length === 0) out("nothing to remove\n");
  return 0;
}
