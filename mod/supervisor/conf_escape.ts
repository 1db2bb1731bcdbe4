/**
 * Escaping of values written into supervisord.conf. supervisord reads the file with Python's
 * `RawConfigParser` (inline comments start at `;` or `#` after whitespace; values are stripped),
 * then `%`-expands every value, then splits `command=` with posix `shlex.split` and parses
 * `environment=` with non-posix `shlex` (quotes without escapes; quote characters at either end
 * of a value are stripped). Each rule below answers one of those steps.
 *
 * @module
 */
import { confValueProblem } from "../config/conf_value.ts";

const INLINE_COMMENT = /\s[;#]/;
const PLAIN_ARG = /^[A-Za-z0-9_@%+=:,./-]+$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Escape one value for supervisord.conf: `%` becomes `%%` so supervisord's `%(name)s` expansion
 * gives the text back literally.
 *
 * @param value The literal value.
 * @returns The text to write after `key=`.
 * @throws {RangeError} When the value cannot survive supervisord's config parser: a line break,
 *   whitespace followed by `;` or `#` (an inline comment), or leading/trailing whitespace.
 * @example Usage
 * ```ts
 * import { escapeConfValue } from "./conf_escape.ts";
 * escapeConfValue("50%"); // "50%%"
 * ```
 */
export function escapeConfValue(value: string): string {
  const problem = confValueProblem(value);
  if (problem !== undefined) {
    throw new RangeError(`Cannot write ${JSON.stringify(value)} to supervisord.conf: ${problem}`);
  }
  return value.replaceAll("%", "%%");
}

/**
 * Escape a `stdout_logfile=` / `stderr_logfile=` value of a `[program:…]` or `[eventlistener:…]`
 * section. supervisord 4.2 `%`-expands these twice (`saneget`, then `expand` again in
 * `processes_from_section`), so each `%` is written as `%%%%`; every other key is expanded once.
 *
 * @param path The literal log file path.
 * @returns The text to write after `stdout_logfile=`.
 * @throws {RangeError} As {@linkcode escapeConfValue}.
 * @example Usage
 * ```ts
 * import { escapeProgramLogfile } from "./conf_escape.ts";
 * escapeProgramLogfile("/data/a%b/x.log"); // "/data/a%%%%b/x.log"
 * ```
 */
export function escapeProgramLogfile(path: string): string {
  return escapeConfValue(path).replaceAll("%", "%%");
}

/**
 * Quote one argument for supervisord's posix `shlex.split`, so that no inline comment can start
 * inside it (a quote pair is inserted between whitespace and `;` or `#`).
 *
 * @param arg One argv element.
 * @returns Shell-style text that splits back to exactly `arg` (before `%` escaping).
 * @example Usage
 * ```ts
 * import { quoteArg } from "./conf_escape.ts";
 * quoteArg("it's"); // "'it'\"'\"'s'"
 * ```
 */
export function quoteArg(arg: string): string {
  if (PLAIN_ARG.test(arg)) return arg;
  const quoted = `'${arg.replaceAll("'", `'"'"'`)}'`;
  // Every whitespace character is inside single quotes here, so '' closes and reopens them.
  return quoted.replace(/(\s)(?=[;#])/g, "$1''");
}

/**
 * Join an argv array into a `command=` value.
 *
 * @param argv Program and arguments.
 * @returns The escaped value (quoted, `%` doubled).
 * @example Usage
 * ```ts
 * import { commandFromArgv } from "./conf_escape.ts";
 * commandFromArgv(["/usr/bin/deno", "run", "a b.ts"]); // "/usr/bin/deno run 'a b.ts'"
 * ```
 */
export function commandFromArgv(argv: readonly string[]): string {
  if (argv.length === 0) throw new RangeError("Cannot write an empty command to supervisord.conf");
  return escapeConfValue(argv.map(quoteArg).join(" "));
}

/**
 * Make a user's command line (split later by supervisord's posix `shlex.split`) safe for the
 * config parser: where whitespace is followed by `;` or `#`, insert an empty quote pair that
 * matches the quoting in force there, which leaves the split result unchanged.
 *
 * @param command A shell-free command line.
 * @returns The escaped `command=` value.
 * @example Usage
 * ```ts
 * import { escapeCommand } from "./conf_escape.ts";
 * escapeCommand("sh -c 'echo a ;b'"); // "sh -c 'echo a '';b'"
 * ```
 */
export function escapeCommand(command: string): string {
  const text = command.trim();
  let out = "";
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    out += ch;
    if (ch === "\\" && quote !== "'" && i + 1 < text.length) {
      out += text[++i];
    } else if (quote === undefined && (ch === "'" || ch === '"')) {
      quote = ch;
    } else if (ch === quote) {
      quote = undefined;
    }
    const next = text[i + 1];
    if (/\s/.test(text[i] as string) && (next === ";" || next === "#")) {
      out += quote === '"' ? '""' : "''";
    }
  }
  return escapeConfValue(out);
}

/**
 * Format an `environment=` value for supervisord's `dict_of_key_value_pairs` (non-posix shlex):
 * each value in double quotes, or single quotes when it contains `"`.
 *
 * @param env Variables in order.
 * @returns The escaped value, e.g. `A="1",B='say "hi"'`.
 * @throws {RangeError} For a name that is not `[A-Za-z_][A-Za-z0-9_]*`, or a value that the
 *   parser cannot return literally: both quote kinds, a quote at either end, or a comment start.
 * @example Usage
 * ```ts
 * import { formatEnvironment } from "./conf_escape.ts";
 * formatEnvironment({ A: "x,y", B: "50%" }); // 'A="x,y",B="50%%"'
 * ```
 */
export function formatEnvironment(env: Readonly<Record<string, string>>): string {
  const pairs: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!ENV_NAME.test(name)) {
      throw new RangeError(`Cannot pass environment variable ${JSON.stringify(name)}: bad name`);
    }
    if (/^['"]|['"]$/.test(value)) {
      throw new RangeError(
        `Cannot pass environment variable "${name}": supervisord strips quotes at either end of ${
          JSON.stringify(value)
        }`,
      );
    }
    if (/[\r\n]/.test(value) || INLINE_COMMENT.test(value)) {
      throw new RangeError(
        `Cannot pass environment variable "${name}": supervisord.conf cannot hold ${
          JSON.stringify(value)
        } (line break, or whitespace before ";" or "#")`,
      );
    }
    const quote = value.includes('"') ? "'" : '"';
    if (value.includes(quote)) {
      throw new RangeError(
        `Cannot pass environment variable "${name}": supervisord cannot read both quote kinds in ${
          JSON.stringify(value)
        }`,
      );
    }
    pairs.push(`${name}=${quote}${value}${quote}`);
  }
  return escapeConfValue(pairs.join(","));
}
