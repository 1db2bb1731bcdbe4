/**
 * Render the systemd unit that runs `iocsup start` (pure: template text and values in, unit out).
 *
 * @module
 */
import { dirname } from "node:path";

/** What the unit needs to know. */
export interface UnitOptions {
  /** argv prefix that runs iocsup (absolute paths). */
  iocsup: string[];
  /** Absolute settings file. */
  settingsFile: string;
  /** Absolute state directory. */
  stateDir: string;
  /** Longest `stopwaitsecs` of any IOC; the stop timeout must cover it. */
  maxStopWaitSecs: number;
  /** A user unit (`systemctl --user`) instead of a system unit. */
  user: boolean;
  /** For system units: the account to run as (omitted = root). */
  runAs?: string;
}

/**
 * Quote one argument for a systemd Exec line: plain when safe, else double-quoted with `\`,
 * `"` escaped; `%` doubled and `$` doubled since systemd expands both.
 */
export function quoteSystemdArg(arg: string): string {
  if (/[\n\r]/.test(arg)) throw new RangeError(`Cannot put a newline in a systemd unit: "${arg}"`);
  const escaped = arg.replaceAll("%", "%%").replaceAll("$", "$$$$");
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(escaped)) return escaped;
  return `"${escaped.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}

/**
 * Render the unit from its template.
 *
 * @param template Text of templates/ioc-supervisor.service.
 * @param options Paths and timeouts.
 * @returns The unit file text.
 * @example Usage
 * ```ts
 * import { renderUnit } from "./unit_render.ts";
 * const unit = renderUnit("ExecStart={{exec_start}}\n", {
 *   iocsup: ["/usr/local/bin/iocsup"], settingsFile: "/srv/settings.yaml",
 *   stateDir: "/srv/ioc-supervisor", maxStopWaitSecs: 10, user: false,
 * });
 * ```
 */
export function renderUnit(template: string, options: UnitOptions): string {
  const common = ["--config", options.settingsFile, "--state-dir", options.stateDir];
  const line = (sub: string) => [...options.iocsup, sub, ...common].map(quoteSystemdArg).join(" ");
  // supervisord stops IOCs one after another in the worst case; add margin for itself.
  const timeout = Math.max(30, options.maxStopWaitSecs + 30);
  const values: Record<string, string> = {
    settings: options.settingsFile,
    workdir: quoteSystemdArg(dirname(options.settingsFile)),
    exec_start: line("start"),
    exec_stop: line("stop"),
    timeout_stop: String(timeout),
    user_line: !options.user && options.runAs ? `User=${options.runAs}\n` : "",
    wanted_by: options.user ? "default.target" : "multi-user.target",
  };
  return template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const value = values[key];
    if (value === undefined) throw new RangeError(`Cannot render unknown placeholder "{{${key}}}"`);
    return value;
  });
}

/** Read the unit template (embedded with `deno compile --include templates/`). */
export function loadUnitTemplate(): Promise<string> {
  return Deno.readTextFile(new URL("../../templates/ioc-supervisor.service", import.meta.url));
}
