/**
 * Quoting for supervisord's `command=`, which supervisord splits with Python's `shlex.split`.
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
