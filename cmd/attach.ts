/**
 * `iocsup attach <ioc>`: the IOC's console. For an IOC with a console (procServ under
 * supervisord, console-notes.md §1 way a), the last lines of its log are shown (procServ keeps
 * no scrollback), then the terminal is connected to procServ's unix socket in raw mode until
 * Ctrl-] detaches; `--read-only` uses procServ's log port, which drops typed keys. For an IOC
 * without a console, `--line` (way b) follows its log and sends each typed line to its stdin with
 * supervisord's `sendProcessStdin`; XML-RPC cannot carry control keys (supervisord answers HTTP
 * 400 to "\x03"), so lines holding them are refused with a message.
 *
 * Every attach and detach, and every line sent in `--line` mode, is appended to the manager's
 * log with user, host and IOC (mod/console/audit.ts); an attach whose audit line cannot be
 * written is refused.
 *
 * @module
 */
import { hostname } from "node:os";
import {
  appendAuditLine,
  type AttachMode,
  type AuditEvent,
  auditLine,
  type AuditUser,
  auditUserName,
} from "../mod/console/audit.ts";
import { runConsoleSession, type SessionEnd } from "../mod/console/client.ts";
import { consoleReadOnlySocketPath, consoleSocketPath } from "../mod/console/paths.ts";
import { DETACH_KEY_NAME } from "../mod/console/session.ts";
import { UsageError } from "../mod/errors.ts";
import { followLog, tailRotatedLog } from "../mod/log_files.ts";
import { iocLogPath, type StatePaths } from "../mod/state_dir.ts";
import { supervisorClient } from "../mod/supervisor/daemon.ts";
import { boolFlag, COMMON_OPTIONS_HELP, parseCommandArgs, stringFlag } from "./_common.ts";
import { loadContext } from "./_context.ts";
import { note } from "./_output.ts";

/** Help text. */
export const help = `iocsup attach: the console of an IOC

USAGE
  iocsup attach <ioc> [-n N] [--read-only]
  iocsup attach <ioc> --line [-n N]

For an IOC with a console (console: true for it, or for every IOC under general:), the last N
lines of its log are shown (the console keeps no history), then your terminal is connected to the
IOC's shell: keys, line editing, history and tab completion work as at the IOC's own terminal.
Ctrl-] detaches and leaves the IOC running (so does Ctrl-D, procServ's logout key); the console
ignores Ctrl-C, Ctrl-X and Ctrl-T. Several users may attach at once: all see the same console and
each other's keys. Typing "exit" stops the IOC. With --read-only you follow the console without
being able to type. When stdin is not a terminal, its bytes are sent unchanged (no raw mode); at
the end of input attach detaches once the console has been quiet for half a second (at most 10 s),
so the answers of piped commands are shown.

For an IOC without a console, --line shows the last N lines of its log and follows it; each line
you type is sent to the IOC's stdin through supervisord. Only printable characters can be sent
(no Ctrl-C, arrows or tab completion). Ctrl-D detaches and leaves the IOC running.

Every attach and detach (and each line sent with --line) is written to the manager's log
(logs/manager.log) with user, host and IOC; attach refuses to start if it cannot write there.

OPTIONS
      --read-only      follow the console; typed keys are not sent (Ctrl-] detaches)
      --line           line mode, for IOCs without a console
  -n, --lines N        lines of the log to show first (default 50)
${COMMON_OPTIONS_HELP}

EXIT CODES
  0 detached, 1 the IOC is not running or exited while attached, supervisord refused a line or
  the audit line could not be written, 2 usage (unknown IOC; no console without --line)

EXAMPLES
  iocsup attach my_ioc
  iocsup attach my_ioc --read-only -n 200
  iocsup attach my_python_ioc --line
  printf 'dbl\\n' | iocsup attach my_ioc
`;

// Tab too: supervisord passes it, but an IOC shell would take it for completion it cannot do.
// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/;

const SIGNALS: readonly Deno.Signal[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/** Run the command. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(args, {
    line: { type: "boolean" },
    "read-only": { type: "boolean" },
    lines: { type: "string", short: "n" },
  }, 1);
  const name = parsed.positionals[0];
  if (name === undefined) throw new UsageError("Missing IOC name");
  const linesText = stringFlag(parsed, "lines") ?? "50";
  const lines = Number(linesText);
  if (!/^\d+$/.test(linesText) || !Number.isSafeInteger(lines)) {
    throw new UsageError(`Cannot use "${linesText}" as a line count: give a whole number`);
  }
  const line = boolFlag(parsed, "line");
  const readOnly = boolFlag(parsed, "read-only");
  if (line && readOnly) {
    throw new UsageError(
      `Cannot use --line with --read-only: to follow the log only, use "iocsup logs -f ${name}"`,
    );
  }
  const ctx = await loadContext(parsed);
  const ioc = ctx.settings.iocs.find((each) => each.name === name);
  if (ioc === undefined) {
    throw new UsageError(
      `Cannot attach to unknown IOC "${name}": known are ${
        ctx.settings.iocs.map((ioc) => ioc.name).join(", ")
      }`,
    );
  }
  const client = supervisorClient(ctx.paths);
  const info = await client.getProcessInfo(name);
  if (info.statename !== "RUNNING") {
    note(`Cannot attach to "${name}": it is ${info.statename}, not RUNNING`);
    return 1;
  }
  const session: Session = {
    paths: ctx.paths,
    ioc: name,
    who: { user: auditUserName((key) => Deno.env.get(key), Deno.uid()), host: hostname() },
    lines,
  };
  const socket = consoleSocketPath(ctx.paths.dir, name);
  // The socket decides, not the settings: they may have changed since supervisord applied them.
  const hasConsole = await isSocket(socket);
  if (line) {
    // supervisord's stdin pipe ends at procServ's wrapper, not at the IOC's shell.
    if (hasConsole) {
      throw new UsageError(
        `Cannot use --line with "${name}": it has a console; use "iocsup attach ${name}"`,
      );
    }
    return await attachLine(session, client);
  }
  if (!hasConsole) {
    if (ioc.console === true) {
      note(
        `Cannot attach to "${name}": its console socket ${socket} is missing; if console: true ` +
          `was set since the IOC started, run "iocsup reload" (or use --line)`,
      );
      return 1;
    }
    throw new UsageError(
      `IOC "${name}" has no console (set "console: true" for it in settings.yaml and run ` +
        `"iocsup reload" to get one): use "iocsup attach ${name} --line" to send lines to its ` +
        `stdin while following its log (printable characters only: control keys cannot be sent)`,
    );
  }
  return await attachConsole(session, readOnly ? "ro" : "rw");
}

/** What every kind of attach needs. */
interface Session {
  paths: StatePaths;
  ioc: string;
  who: AuditUser;
  lines: number;
}

async function isSocket(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isSocket === true;
  } catch {
    return false;
  }
}

/** Write one audit line; false (after saying why) when it cannot be written. */
async function audit(session: Session, event: AuditEvent): Promise<boolean> {
  try {
    await appendAuditLine(session.paths.managerLog, auditLine(session.who, session.ioc, event));
    return true;
  } catch (error) {
    note(
      `Cannot write the audit line to ${session.paths.managerLog}: ${
        error instanceof Error ? error.message : String(error)
      }`,
    );
    return false;
  }
}

function writeOut(bytes: Uint8Array): void {
  for (let written = 0; written < bytes.length;) {
    written += Deno.stdout.writeSync(bytes.subarray(written));
  }
}

/** An AbortSignal that fires on SIGINT, SIGTERM or SIGHUP, and the function that unhooks it. */
function signalAbort(): { signal: AbortSignal; release: () => void; which: () => string } {
  const controller = new AbortController();
  let caught = "";
  const handlers = SIGNALS.map((sig) => {
    const handler = () => {
      caught = sig;
      controller.abort();
    };
    Deno.addSignalListener(sig, handler);
    return [sig, handler] as const;
  });
  return {
    signal: controller.signal,
    release: () => {
      for (const [sig, handler] of handlers) Deno.removeSignalListener(sig, handler);
    },
    which: () => caught,
  };
}

async function attachConsole(session: Session, mode: "rw" | "ro"): Promise<number> {
  const { ioc } = session;
  const path = mode === "ro"
    ? consoleReadOnlySocketPath(session.paths.dir, ioc)
    : consoleSocketPath(session.paths.dir, ioc);
  let conn: Deno.UnixConn;
  try {
    conn = await Deno.connect({ transport: "unix", path });
  } catch (error) {
    const hint = error instanceof Deno.errors.PermissionDenied
      ? " (the console belongs to the user running supervisord, and to general.console_group)"
      : "";
    note(
      `Cannot attach to "${ioc}": cannot connect to its console ${path}: ${
        error instanceof Error ? error.message : String(error)
      }${hint}`,
    );
    return 1;
  }
  // From here on a signal ends the session through its detach line, never mid-way.
  const signals = signalAbort();
  if (!(await audit(session, { kind: "attach", mode }))) {
    signals.release();
    conn.close();
    note(`Cannot attach to "${ioc}": every attach must be recorded in the manager's log`);
    return 1;
  }
  // The history first; what the console prints meanwhile waits in the socket.
  const history = (await tailRotatedLog(iocLogPath(session.paths, ioc, "stdout"), session.lines))
    .replace(/\r+\n/g, "\n");
  if (history !== "") {
    writeOut(new TextEncoder().encode(history.endsWith("\n") ? history : history + "\n"));
  }
  note(
    mode === "rw"
      ? `Attached to ${ioc}'s console (${path}). Detach with ${DETACH_KEY_NAME}; the IOC keeps running.`
      : `Following ${ioc}'s console read-only (${path}): keys are not sent. Detach with ` +
        `${DETACH_KEY_NAME}; the IOC keeps running.`,
  );
  const raw = Deno.stdin.isTerminal();
  let end: SessionEnd;
  try {
    if (raw) Deno.stdin.setRaw(true);
    end = await runConsoleSession(conn, {
      mode,
      input: Deno.stdin,
      output: writeOut,
      signal: signals.signal,
      // In raw mode a newline does not return the carriage: say it.
      onFirstIgnoredKey: () =>
        note(
          raw
            ? `\r\nRead-only: keys are not sent. Detach with ${DETACH_KEY_NAME}.\r`
            : `Read-only: keys are not sent. Detach with ${DETACH_KEY_NAME}.`,
        ),
    });
  } finally {
    signals.release();
    try {
      if (raw) Deno.stdin.setRaw(false);
    } catch {
      // The terminal is gone (SIGHUP): nothing left to restore.
    }
  }
  let reason: string;
  let code = 0;
  switch (end) {
    case "detach-key":
      reason = `detach key ${DETACH_KEY_NAME}`;
      break;
    case "input-closed":
      reason = "end of input";
      break;
    case "output-closed":
      reason = "output closed";
      break;
    case "aborted":
      reason = `signal ${signals.which()}`;
      break;
    case "logged-out":
      reason = "procServ logged out the session (Ctrl-D)";
      break;
    case "console-closed":
      reason = "the console closed: the IOC exited";
      code = 1;
      break;
    default: {
      const never: never = end;
      throw new Error(`Unknown session end ${never}`);
    }
  }
  await audit(session, { kind: "detach", mode, reason });
  note(
    code === 0
      ? `\nDetached from ${ioc} (${reason}); it keeps running.`
      : `\nThe console closed: ${ioc} exited.`,
  );
  return code;
}

async function attachLine(
  session: Session,
  client: ReturnType<typeof supervisorClient>,
): Promise<number> {
  const { ioc } = session;
  if (!(await audit(session, { kind: "attach", mode: "line" }))) {
    note(`Cannot attach to "${ioc}": every attach must be recorded in the manager's log`);
    return 1;
  }
  note(
    `attached to "${ioc}" as ${session.who.user}: lines go to its stdin (printable characters ` +
      `only: control keys cannot be sent); Ctrl-D detaches`,
  );
  const stop = new AbortController();
  const following = followLog(iocLogPath(session.paths, ioc, "stdout"), writeOut, {
    signal: stop.signal,
    lines: session.lines,
  });
  const signals = signalAbort();
  let reason = "end of input";
  try {
    const typed = stdinLines();
    const interrupted = new Promise<"aborted">((resolve) => {
      if (signals.signal.aborted) resolve("aborted");
      signals.signal.addEventListener("abort", () => resolve("aborted"), { once: true });
    });
    while (true) {
      const next = await Promise.race([typed.next(), interrupted]);
      if (next === "aborted") {
        reason = `signal ${signals.which()}`;
        break;
      }
      if (next.done) break;
      const text = next.value;
      if (CONTROL.test(text)) {
        note("Cannot send this line: control keys cannot be sent (only printable characters)");
        continue;
      }
      if (!(await audit(session, { kind: "line", text }))) {
        note("Cannot send this line: every line sent must be recorded in the manager's log");
        continue;
      }
      await client.sendProcessStdin(ioc, `${text}\n`);
    }
  } finally {
    signals.release();
    stop.abort();
    await following;
  }
  await audit(session, { kind: "detach", mode: "line" satisfies AttachMode, reason });
  note(`detached from "${ioc}"; it keeps running`);
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
