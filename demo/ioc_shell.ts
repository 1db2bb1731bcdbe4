/**
 * The demo IOC's iocsh stand-in: `help`, `dbl`, `dbgf`, `dbpr` and `exit`, answering as EPICS
 * base 7 does for the records the demo IOC serves, behind an `epics> ` prompt with line editing and
 * history (demo/line_editor.ts). Runs when the demo IOC's stdin is a terminal: on a console
 * (`console: true`, procServ's pty) or in a shell.
 *
 * @module
 */
import { LineEditor } from "./line_editor.ts";

/** The prompt, iocsh's default. */
export const PROMPT = "epics> ";

/** A record the IOC serves (a LONG, like the demo's heartbeat). */
export interface DemoRecord {
  /** Record name, e.g. `DEMO:counter1:HEARTBEAT`. */
  name: string;
  /** Its description field (`DESC`). */
  description: string;
  /** Its current value. */
  value(): number;
}

/** What a command line did. */
export interface CommandResult {
  /** Lines to print on stdout, each without its newline. */
  out: string[];
  /** Lines to print on stderr (iocsh prints "Command … not found." there). */
  err: string[];
  /** True for `exit`: the IOC ends with status 0, as softIoc does. */
  exit: boolean;
}

const USAGE: Record<string, string> = {
  help: "help [command ...]",
  dbl: 'dbl "record type" "fields"',
  dbgf: 'dbgf "pv name"',
  dbpr: 'dbpr "pv name" "interest level"',
  exit: "exit",
};

/**
 * Split a command line as iocsh does: words separated by blanks, commas or parentheses; double
 * quotes group a word; `#` starts a comment.
 *
 * @param line The line typed.
 * @returns The words, the command first.
 * @example Usage
 * ```ts
 * import { splitCommand } from "./ioc_shell.ts";
 * splitCommand('dbpr("DEMO:c1:HEARTBEAT", 1)'); // ["dbpr", "DEMO:c1:HEARTBEAT", "1"]
 * ```
 */
export function splitCommand(line: string): string[] {
  const words: string[] = [];
  for (const match of line.matchAll(/"([^"]*)"?|#.*|[^\s,()"#]+/g)) {
    if (match[0].startsWith("#")) break;
    words.push(match[1] ?? match[0]);
  }
  return words;
}

/**
 * Run one command line against the IOC's records.
 *
 * @param line The line typed.
 * @param records The records the IOC serves.
 * @returns What to print, and whether to exit.
 * @example Usage
 * ```ts
 * import { runCommand } from "./ioc_shell.ts";
 * import assert from "node:assert/strict";
 *
 * const records = [{ name: "DEMO:c1:HEARTBEAT", description: "ticks", value: () => 42 }];
 * assert.deepEqual(runCommand("dbl", records).out, ["DEMO:c1:HEARTBEAT"]);
 * assert.deepEqual(runCommand("dbgf DEMO:c1:HEARTBEAT", records).out, [
 *   "DBF_LONG:           42 = 0x2a",
 * ]);
 * assert.deepEqual(runCommand("dbx", records).err, ["Command dbx not found."]);
 * ```
 */
export function runCommand(line: string, records: readonly DemoRecord[]): CommandResult {
  const result: CommandResult = { out: [], err: [], exit: false };
  const [command, ...args] = splitCommand(line);
  if (command === undefined) return result;
  const find = (name: string | undefined) => {
    const record = records.find((r) => r.name === name || `${r.name}.VAL` === name);
    if (record === undefined) result.out.push(`PV '${name}' not found`);
    return record;
  };
  switch (command) {
    case "help":
      if (args.length === 0) {
        result.out.push("Type 'help <command>' to see the arguments of <command>.");
        result.out.push(
          Object.keys(USAGE).sort().map((name) => name.padEnd(12)).join("").trimEnd(),
        );
      }
      for (const name of args) {
        const usage = USAGE[name];
        if (usage !== undefined) result.out.push(usage);
      }
      break;
    case "dbl":
      for (const record of records) result.out.push(record.name);
      break;
    case "dbgf": {
      if (!args[0]) {
        result.out.push(`Usage: ${USAGE.dbgf}`);
        break;
      }
      const record = find(args[0]);
      if (record) {
        const value = record.value();
        result.out.push(`${"DBF_LONG:".padEnd(20)}${value} = 0x${(value >>> 0).toString(16)}`);
      }
      break;
    }
    case "dbpr": {
      if (!args[0]) {
        result.out.push('Usage: dbpr "pv name", level');
        break;
      }
      const record = find(args[0]);
      if (record) result.out.push(...dbprLines(record));
      break;
    }
    case "exit":
      result.exit = true;
      break;
    default:
      result.err.push(`Command ${command} not found.`);
  }
  return result;
}

/**
 * `dbpr <record>` at interest level 0 for a longin record: its fields in tab stops of 20 columns,
 * at most 80 to a line, as EPICS base lays them out.
 */
function dbprLines(record: DemoRecord): string[] {
  const fields = [
    ["ASG", ""],
    ["DESC", record.description],
    ["DISA", "0"],
    ["DISP", "0"],
    ["DISV", "1"],
    ["NAME", record.name],
    ["SEVR", "NO_ALARM"],
    ["STAT", "NO_ALARM"],
    ["TPRO", "0"],
    ["VAL", String(record.value())],
  ];
  const lines: string[] = [];
  let current = "";
  for (const [name, value] of fields) {
    const item = `${name}: ${value}`;
    if (current.length + item.length > 80) {
      lines.push(current.trimEnd());
      current = "";
    }
    current += item;
    current = current.padEnd(Math.min(80, (Math.floor(current.length / 20) + 1) * 20));
  }
  if (current !== "") lines.push(current.trimEnd());
  return lines;
}

/** The running shell, for output printed while the prompt is shown. */
export interface IocShell {
  /**
   * Print whole lines (ending in a newline) with the prompt moved below them.
   *
   * @param print Writes the lines.
   */
  printAbove(print: () => void): void;
  /** Take the prompt away and give the terminal back (cooked mode), before the process exits. */
  close(): void;
}

/** Options of {@linkcode startIocShell}. */
export interface IocShellOptions {
  /** The records `dbl`, `dbgf` and `dbpr` know. */
  records: readonly DemoRecord[];
  /** Ends the IOC on `exit` or end of input (status 0, as softIoc after its shell ends). */
  exit(): void;
}

/**
 * Run the shell on this process's terminal (stdin must be one): cbreak mode, so Ctrl-C still
 * signals the IOC as it does under iocsh, keys read until `exit` or end of input.
 *
 * @param options Records and what `exit` does.
 * @returns The shell.
 * @example Usage
 * ```ts ignore
 * const shell = startIocShell({ records, exit: () => Deno.exit(0) });
 * shell.printAbove(() => console.log("tick"));
 * ```
 */
export function startIocShell(options: IocShellOptions): IocShell {
  const encoder = new TextEncoder();
  const writeTo = (stream: typeof Deno.stdout | typeof Deno.stderr, text: string) => {
    const bytes = encoder.encode(text);
    let written = 0;
    try {
      while (written < bytes.length) written += stream.writeSync(bytes.subarray(written));
    } catch (error) {
      // The terminal is gone (pty closed): the IOC keeps running without its console.
      if (!(error instanceof Deno.errors.BrokenPipe)) throw error;
    }
  };
  let raw = false;
  const close = () => {
    if (!raw) return;
    raw = false;
    // The last lines (a stop message) go where the prompt was, not after it.
    editor.hide();
    try {
      Deno.stdin.setRaw(false);
    } catch {
      // No terminal any more.
    }
  };
  const end = () => {
    close();
    options.exit();
  };
  const editor: LineEditor = new LineEditor({
    prompt: PROMPT,
    write: (text) => writeTo(Deno.stdout, text),
    onLine: (line) => {
      const result = runCommand(line, options.records);
      for (const text of result.out) writeTo(Deno.stdout, `${text}\n`);
      for (const text of result.err) writeTo(Deno.stderr, `${text}\n`);
      if (result.exit) end();
    },
    onEnd: end,
  });
  Deno.stdin.setRaw(true, { cbreak: true });
  raw = true;
  editor.show();
  (async () => {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of Deno.stdin.readable) {
        editor.feed(decoder.decode(chunk, { stream: true }));
      }
    } catch {
      // The terminal went away: like end of input.
    }
    end();
  })();
  return { printAbove: (print) => editor.printAbove(print), close };
}
