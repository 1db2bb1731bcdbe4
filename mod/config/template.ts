/**
 * `{name}`-style placeholders in command and heartbeat PV templates.
 *
 * @module
 */

/**
 * Replace `{key}` placeholders whose key is in `vars`. Other braces are left as they are, so a
 * command such as `awk '{print}'` survives.
 *
 * @param template Text with placeholders such as `{name}`, `{dir}`, `{prefix}`.
 * @param vars Values by placeholder name.
 * @returns The expanded text.
 * @example Usage
 * ```ts
 * import { expandTemplate } from "./template.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(expandTemplate("{prefix}:MAN:{name}_time", { prefix: "P", name: "ioc1" }), "P:MAN:ioc1_time");
 * assert.equal(expandTemplate("awk '{print}'", { name: "x" }), "awk '{print}'");
 * ```
 */
export function expandTemplate(template: string, vars: Readonly<Record<string, string>>): string {
  return template.replace(
    /\{([A-Za-z_][A-Za-z0-9_]*)\}/g,
    (match, key: string) => Object.hasOwn(vars, key) ? vars[key] ?? match : match,
  );
}
