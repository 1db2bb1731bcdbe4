/**
 * What the settings tests share: the smallest valid `general:` block, parsing text as a file at a
 * fixed path, and reading the issues of text that must be refused.
 *
 * @module
 */
import assert from "node:assert/strict";
import { ConfigError, formatIssue } from "../../../mod/errors.ts";
import { type HostFacts, parseSettings, type Settings } from "../../../mod/config/mod.ts";

/** A `general:` block with only the required keys. */
export const GENERAL = "general:\n  prefix: P\n  command: run {name}\n";

/**
 * Parse settings text as `/srv/iocs/settings.yaml` (shown as `settings.yaml`).
 *
 * @param text The YAML.
 * @param host Host facts for the host checks (none: pure parse).
 * @param file Absolute path the text is parsed as (relative directories resolve against it).
 * @returns The settings.
 */
export function parseText(
  text: string,
  host?: HostFacts,
  file = "/srv/iocs/settings.yaml",
): Settings {
  return parseSettings(text, { file, displayName: "settings.yaml", host });
}

/**
 * The issues of a parse that must fail, as `file:line:col: message` lines.
 *
 * @param parse Runs the parse.
 * @returns The formatted issues.
 */
export function issuesOf(parse: () => unknown): string[] {
  try {
    parse();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${error}`);
    return error.issues.map(formatIssue);
  }
  assert.fail("expected a ConfigError");
}
