/**
 * Quoting and splitting for supervisord's `command=`, which supervisord splits with Python's
 * `shlex.split` (posix mode, no comments).
 *
 * @module
 */

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * Quote one argument so that `shlex.split` gives it back unchanged. Safe words stay bare.
 *
 * @param arg The argument.
 * @returns The argument, single-quoted when needed.
 * @example Usage
 * ```ts
 * import { shellQuote } from "./shell_quote.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(shellQuote("/opt/iocs/st.cmd"), "/opt/iocs/st.cmd");
 * assert.equal(shellQuote("my dir"), "'my dir'");
 * assert.equal(shellQuote("it's"), `'it'"'"'s'`);
 * ```
 */
export function shellQuote(arg: string): string {
  if (SAFE.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'"'"'`)}'`;
}

/** shlex's whitespace: nothing else separates words. */
const SHLEX_SPACE = " \t\r\n";

/**
 * Split a command line as supervisord does (Python's `shlex.split(command)`: posix mode, `#` not
 * a comment): single quotes keep everything, double quotes let `\` escape only `"` and `\`, a
 * bare `\` escapes any character, `''` is an empty argument.
 *
 * @param command The command line.
 * @returns The argv.
 * @throws {SyntaxError} Where shlex fails: a quote left open ("No closing quotation") or a
 *   trailing backslash ("No escaped character").
 * @example Usage
 * ```ts
 * import { shellSplit } from "./shell_quote.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(shellSplit(`sh -c 'echo "a b"' x\\ y ''`), ["sh", "-c", 'echo "a b"', "x y", ""]);
 * assert.throws(() => shellSplit("echo 'oops"), SyntaxError);
 * ```
 */
export function shellSplit(command: string): string[] {
  const argv: string[] = [];
  let word: string | undefined;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < command.length; i++) {
    const ch = command[i] as string;
    if (quote === "'") {
      if (ch === "'") quote = undefined;
      else word += ch;
    } else if (quote === '"') {
      if (ch === '"') {
        quote = undefined;
      } else if (ch === "\\") {
        const next = command[++i];
        if (next === undefined) throw new SyntaxError("ends with a backslash that escapes nothing");
        word += next === '"' || next === "\\" ? next : ch + next;
      } else {
        word += ch;
      }
    } else if (SHLEX_SPACE.includes(ch)) {
      if (word !== undefined) argv.push(word);
      word = undefined;
    } else if (ch === "\\") {
      const next = command[++i];
      if (next === undefined) throw new SyntaxError("ends with a backslash that escapes nothing");
      word = (word ?? "") + next;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      word ??= "";
    } else {
      word = (word ?? "") + ch;
    }
  }
  if (quote !== undefined) throw new SyntaxError(`a ${quote} quote is never closed`);
  if (word !== undefined) argv.push(word);
  return argv;
}
