/**
 * `iocsup logs`: list the log files, or show / follow one IOC's log (read from disk).
 *
 * @module
 */
import { join } from "node:path";
import { UsageError } from "../mod/errors.ts";
import { followLog, tailRotatedLog } from "../mod/log_files.ts";
import { filterSince, parseSince, readLogSince } from "../mod/log_since.ts";
import { iocLogPath } from "../mod/state_dir.ts";
import {
  boolFlag,
  COMMON_OPTIONS_HELP,
  onStopSignal,
  parseCommandArgs,
  stringFlag,
} from "./_common.ts";
import { type Context, loadContext } from "./_context.ts";
import { out, table } from "./_output.ts";

/** Help text. */
export const help = `iocsup logs: list logs, or show the log of one IOC

USAGE
  iocsup logs                     list every log file (size, modified)
  iocsup logs <ioc> [-n N] [--since T] [--stderr] [-f]
  iocsup logs supervisord | manager

OPTIONS
  -n, --lines N        how many lines (default 50; with --since: all since then)
      --since T        lines stamped at or after T: a duration back from now (30s, 10m, 1h,
                       2d) or an ISO time (2026-12-01T14:00:00); unstamped lines go with the
                       stamped line before them
      --stderr         the IOC's stderr log (<ioc>_error.log) instead of stdout
  -f, --follow         keep printing new lines (survives log rotation) until Ctrl-C
      --json           (listing only) print one JSON document
${COMMON_OPTIONS_HELP}

EXAMPLES
  iocsup logs
  iocsup logs my_ioc -n 200
  iocsup logs my_ioc --stderr -f
  iocsup logs my_ioc --since 10m -f
`;

async function listLogs(ctx: Context, json: boolean): Promise<number> {
  const entries: { name: string; size: number; modified: string }[] = [];
  try {
    for await (const entry of Deno.readDir(ctx.paths.logDir)) {
      if (!entry.isFile) continue;
      const info = await Deno.stat(join(ctx.paths.logDir, entry.name));
      entries.push({
        name: entry.name,
        size: info.size,
        modified: (info.mtime ?? new Date(0)).toISOString(),
      });
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  entries.sort((a, b) => a.name.localeCompare(b.name));
  if (json) {
    out(JSON.stringify({ dir: ctx.paths.logDir, logs: entries }, null, 2) + "\n");
  } else if (entries.length === 0) {
    out(`no logs in ${ctx.paths.logDir}\n`);
  } else {
    out(table(
      ["LOG", "SIZE", "MODIFIED"],
      entries.map((e) => [e.name, formatSize(e.size), e.modified.replace("T", " ").slice(0, 19)]),
    ));
  }
  return 0;
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function logPathFor(ctx: Context, name: string, stderr: boolean): string {
  if (name === "supervisord") return ctx.paths.supervisordLog;
  if (name === "manager") return ctx.paths.managerLog;
  if (!ctx.settings.iocs.some((ioc) => ioc.name === name)) {
    const known = ["supervisord", "manager", ...ctx.settings.iocs.map((ioc) => ioc.name)];
    throw new UsageError(
      `Cannot show logs of unknown IOC "${name}": known are ${known.join(", ")}`,
    );
  }
  return iocLogPath(ctx.paths, name, stderr ? "stderr" : "stdout");
}

/** The last `count` whole lines of a text. */
function lastLines(text: string, count: number): string {
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  const kept = lines.slice(Math.max(0, lines.length - count));
  return kept.length === 0 ? "" : kept.join("\n") + "\n";
}

/** Run the command. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(args, {
    lines: { type: "string", short: "n" },
    stderr: { type: "boolean" },
    follow: { type: "boolean", short: "f" },
    json: { type: "boolean" },
    since: { type: "string" },
  }, 1);
  const sinceText = stringFlag(parsed, "since");
  let since: number | undefined;
  try {
    since = sinceText === undefined ? undefined : parseSince(sinceText, Date.now());
  } catch (error) {
    if (error instanceof RangeError) throw new UsageError(error.message);
    throw error;
  }
  const linesText = stringFlag(parsed, "lines") ?? (since === undefined ? "50" : "all");
  const lines = linesText === "all" ? Number.MAX_SAFE_INTEGER : Number(linesText);
  if (linesText !== "all" && (!/^\d+$/.test(linesText) || !Number.isSafeInteger(lines))) {
    throw new UsageError(`Cannot use "${linesText}" as a line count: give a whole number`);
  }
  const ctx = await loadContext(parsed);
  const name = parsed.positionals[0];
  if (name === undefined) return listLogs(ctx, boolFlag(parsed, "json"));
  const path = logPathFor(ctx, name, boolFlag(parsed, "stderr"));
  if (!boolFlag(parsed, "follow")) {
    out(
      since === undefined
        ? await tailRotatedLog(path, lines)
        : lastLines(await readLogSince(path, since), lines),
    );
    return 0;
  }
  const controller = new AbortController();
  const release = onStopSignal(() => controller.abort());
  try {
    await followLog(path, (bytes) => {
      for (let written = 0; written < bytes.length;) {
        written += Deno.stdout.writeSync(bytes.subarray(written));
      }
    }, {
      signal: controller.signal,
      // With --since the history is chosen by time: read the current file and its newest
      // backup whole, then keep the last `lines` of what is recent enough.
      lines: since === undefined ? lines : Number.MAX_SAFE_INTEGER,
      ...(since === undefined
        ? {}
        : { historyFilter: (text: string) => lastLines(filterSince(text, since), lines) }),
    });
  } finally {
    release();
  }
  return 0;
}
