/**
 * What supervisord.conf can hold. supervisord reads the file with Python's `RawConfigParser`:
 * a line break ends a value, whitespace followed by `;` or `#` starts an inline comment, and
 * values are stripped. The settings reader refuses such values with their position, and the conf
 * writer (`mod/supervisor/conf_escape.ts`) refuses them again as a last guard; both ask here.
 * `%` is not a problem: the writer doubles it.
 *
 * Pure and free of imports, so the conf writer and `iocsup status` load nothing else with it.
 *
 * @module
 */

const INLINE_COMMENT = /\s[;#]/;

/**
 * Why a value cannot be written to supervisord.conf as it is, or undefined when it can.
 *
 * @param value The literal value.
 * @returns A reason such as `whitespace before ";" or "#" starts a comment`, or undefined.
 * @example Usage
 * ```ts
 * import { confValueProblem } from "./conf_value.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(confValueProblem("/data/100%"), undefined);
 * assert.equal(confValueProblem("/srv/a ;b"), 'whitespace before ";" or "#" starts a comment');
 * ```
 */
export function confValueProblem(value: string): string | undefined {
  if (/[\r\n]/.test(value)) return "line break";
  if (INLINE_COMMENT.test(value)) return 'whitespace before ";" or "#" starts a comment';
  if (value !== value.trim()) return "leading or trailing whitespace is dropped";
  return undefined;
}
