/**
 * `iocsup attach <ioc> --line`: talk to an IOC that has no console (console-notes.md §1, way b).
 * Its log is followed as `logs -f` does, and every line typed is sent to the IOC's stdin with
 * supervisord's `sendProcessStdin`. XML-RPC cannot carry control keys (supervisord answers HTTP 400
 * to "\x03"), so lines holding them are refused here with a message. EOF (Ctrl-D) detaches; the
 * IOC keeps running.
 *
 * @module
 */
import { UsageError } from "../mod/errors.ts";
import { followLog } from "../mod/log_files.ts";
import { iocLogPath } from "../mod/state_dir.ts";
import { supervisorClient } from "../mod/supervisor/daemon.ts";
import { boolFlag, COMMON_OPTIONS_HELP, parseCommandArgs, stringFlag } from "./_common.ts";
import { loadContext } from "./_context.ts";
import { note } from "./_output.ts";

/** Help text. */
export const help = `iocsup attach: type lines to an IOC while following its log

USAGE
  iocsup attach <ioc> --line [-n N]

No IOC has an interactive console yet, so attach needs --line: the last N lines of the IOC's log
are shown and then followed; each line you type is sent to the IOC's stdin through supervisord.
Only printable characters can be sent (no Ctrl-C, arrows or tab completion). Ctrl-D detaches and
leaves the IOC running. Everyone allowed to use supervisord's socket may do this.

OPTIONS
      --line           line mode (required)
  -n, --lines N        lines of the log to show first (default 50)
${COMMON_OPTIONS_HELP}

EXIT CODES
  0 detached, 1 the IOC is not running or supervisord refused a line, 2 usage

EXAMPLES
  iocsup attach my_ioc --line
`;

// Tab too: supervisord passes it, but an IOC shell would take it for completion it cannot do.
// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/;

/** Run the command. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(args, {
    line: { type: "boolean" },
    lines: { type: "string", short: "n" },
  }, 1);
  const name = parsed.positionals[0];
  if (name === undefined) throw new UsageError("Missing IOC name");
  const linesText = stringFlag(parsed, "lines") ?? "50";
  const lines = Number(linesText);
  if (!/^\d+$/.test(linesText) || !Number.isSafeInteger(lines)) {
    throw new UsageError(`Cannot use "${linesText}" as a line count: give a whole number`);
  }
  const ctx = await loadContext(parsed);
  if (!ctx.settings.iocs.some((ioc) => ioc.name === name)) {
    throw new UsageError(
      `Cannot attach to unknown IOC "${name}": known are ${
        ctx.settings.iocs.map((ioc) => ioc.name).join(", ")
      }`,
    );
  }
  if (!boolFlag(parsed, "line")) {
    throw new UsageError(
      `IOC "${name}" has no console: use "iocsup attach ${name} --line" to send lines to its ` +
        `stdin and follow its log`,
    );
  }
  const client = supervisorClient(ctx.paths);
  const info = await client.getProcessInfo(name);
  if (info.statename !== "RUNNING") {
    note(`Cannot attach to "${name}": it is ${info.statename}, not RUNNING`);
    return 1;
  }
  const user = Deno.env.get("USER") ?? Deno.env.get("LOGNAME") ?? `uid ${Deno.uid()}`;
  note(`attached to "${name}" as ${user}: lines go to its stdin; Ctrl-D detaches`);
  const stop = new AbortController();
  const following = followLog(iocLogPath(ctx.paths, name, "stdout"), (bytes) => {
    for (let written = 0; written < bytes.length;) {
      written += Deno.stdout.writeSync(bytes.subarray(written));
    }
  }, { signal: stop.signal, lines });
  try {
    for await (const line of stdinLines()) {
      if (CONTROL.test(line)) {
        note(
          "Cannot send this line: control keys cannot be sent (only printable characters)",
        );
        continue;
      }
      await client.sendProcessStdin(name, `${line}\n`);
    }
  } finally {
    stop.abort();
    await following;
  }
  note(`detached from "${name}"; it keeps running`);
  return 0;
}

/** Lines of stdin without their newline (and a CR before it), until EOF. */
async function* stdinLines(): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let pending = "";
  for await (const chunk of Deno.stdin.readable) {
    pending += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = pending.indexOf("\n")) >= 0) {
      yield pending.slice(0, newline).replace(/\r$/, "");
      pending = pending.slice(newline + 1);
    }
  }
  pending += decoder.decode();
  if (pending !== "") yield pending;
}
