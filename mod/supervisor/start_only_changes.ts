/**
 * Settings that supervisord reads only when it starts: `reloadConfig` compares process groups
 * only, so a changed `[inet_http_server]` (the web UI) or `[supervisord]` (its own log) waits
 * for `iocsup restart`. `reload` keeps the sections in force in the conf it writes (so `status`,
 * which reads the conf, shows what is in force) and names what waits.
 *
 * @module
 */

/** A web UI login, as in `[inet_http_server]`. */
export interface WebLogin {
  /** `host:port`. */
  listen: string;
  /** User name. */
  username: string;
  /** Password. */
  password: string;
}

/**
 * The web UI settings that differ.
 *
 * @param inForce The section supervisord runs with, or undefined when the UI is off.
 * @param wanted What the settings ask for, or undefined for `web: false`.
 * @returns Setting names (`general.web` when the UI is turned on or off, else
 *   `general.web.listen`, `general.web.username`, `general.web.password`); empty when equal.
 * @example Usage
 * ```ts
 * import { webChanges } from "./start_only_changes.ts";
 * const old = { listen: "127.0.0.1:9001", username: "iocsup", password: "a" };
 * webChanges(old, { ...old, password: "b" }); // ["general.web.password"]
 * ```
 */
export function webChanges(inForce: WebLogin | undefined, wanted: WebLogin | undefined): string[] {
  if (inForce === undefined || wanted === undefined) {
    return inForce === wanted ? [] : ["general.web"];
  }
  const keys = ["listen", "username", "password"] as const;
  return keys.filter((key) => inForce[key] !== wanted[key]).map((key) => `general.web.${key}`);
}

/** `[supervisord]` keys iocsup writes, and the setting each comes from. */
const DAEMON_KEYS: readonly [string, string][] = [
  ["logfile", "general.log_dir"],
  ["childlogdir", "general.log_dir"],
  ["logfile_maxbytes", "general.log_maxbytes"],
  ["logfile_backups", "general.log_backups"],
];

/**
 * The settings behind `[supervisord]` values that differ between two generated confs.
 *
 * @param inForce The conf supervisord was started with.
 * @param next The conf about to be written.
 * @returns Setting names, each once, in a fixed order; empty when equal.
 * @example Usage
 * ```ts
 * import { daemonChanges } from "./start_only_changes.ts";
 * daemonChanges("[supervisord]\nlogfile_backups=5\n", "[supervisord]\nlogfile_backups=2\n");
 * // ["general.log_backups"]
 * ```
 */
export function daemonChanges(inForce: string, next: string): string[] {
  const before = sectionValues(inForce, "supervisord");
  const after = sectionValues(next, "supervisord");
  const changed = DAEMON_KEYS.filter(([key]) => before.get(key) !== after.get(key));
  return [...new Set(changed.map(([, setting]) => setting))];
}

/**
 * Replace a section of a conf with the same section of another conf (e.g. `[supervisord]` as
 * supervisord runs it). When either lacks the section, `next` is returned unchanged.
 *
 * @param next The conf about to be written.
 * @param inForce The conf supervisord was started with.
 * @param name Section name without brackets.
 * @returns `next` with the section of `inForce`.
 * @example Usage
 * ```ts
 * import { keepSection } from "./start_only_changes.ts";
 * keepSection("[a]\nx=2\n[b]\n", "[a]\nx=1\n", "a"); // "[a]\nx=1\n[b]\n"
 * ```
 */
export function keepSection(next: string, inForce: string, name: string): string {
  const old = sectionSpan(inForce, name);
  const current = sectionSpan(next, name);
  if (old === undefined || current === undefined) return next;
  return next.slice(0, current[0]) + inForce.slice(old[0], old[1]) + next.slice(current[1]);
}

/** Start and end offsets of a section: its header line up to the next header or the end. */
function sectionSpan(text: string, name: string): [number, number] | undefined {
  const header = new RegExp(`^\\[${name.replace(/[^\w]/g, "\\$&")}\\]$`, "m").exec(text);
  if (header === null) return undefined;
  const rest = text.slice(header.index + header[0].length);
  const next = /^\[/m.exec(rest);
  const end = next === null ? text.length : header.index + header[0].length + next.index;
  return [header.index, end];
}

function sectionValues(text: string, name: string): Map<string, string> {
  const values = new Map<string, string>();
  let inside = false;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("[")) {
      inside = line === `[${name}]`;
    } else if (inside && !line.startsWith(";") && line.includes("=")) {
      const eq = line.indexOf("=");
      values.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
    }
  }
  return values;
}
