/**
 * The one rule for IOC names. A name becomes a supervisord section name, log file names and part
 * of PV names, so it is kept to a small, safe alphabet.
 *
 * @module
 */

/** Longest accepted IOC name; log files add `_error.log.N` and must stay under 255 bytes. */
export const MAX_IOC_NAME_LENGTH = 100;

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/**
 * Names that cannot be IOCs: `general` is the settings map, `supervisord` and `manager` are log
 * file names in the state directory, `iocsup-manager` is the event listener's supervisord name.
 */
const RESERVED: ReadonlySet<string> = new Set([
  "general",
  "supervisord",
  "manager",
  "iocsup-manager",
]);

/**
 * Check an IOC name.
 *
 * @param name The candidate name.
 * @returns What is wrong with it, or undefined when it is valid.
 * @example Usage
 * ```ts
 * import { validateIocName } from "./ioc_name.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(validateIocName("gauge-26x_1"), undefined);
 * assert.match(validateIocName("a b") ?? "", /^Cannot use IOC name "a b"/);
 * ```
 */
export function validateIocName(name: string): string | undefined {
  const quoted = JSON.stringify(name);
  if (name === "") return "Cannot use an empty IOC name";
  if (!NAME.test(name)) {
    return `Cannot use IOC name ${quoted}: only letters, digits, "_", "." and "-" are allowed, ` +
      "starting with a letter or digit";
  }
  if (name.length > MAX_IOC_NAME_LENGTH) {
    return `Cannot use IOC name ${quoted}: longer than ${MAX_IOC_NAME_LENGTH} characters`;
  }
  if (RESERVED.has(name)) return `Cannot use IOC name ${quoted}: the name is reserved by iocsup`;
  return undefined;
}
