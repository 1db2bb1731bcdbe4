/**
 * Read back from a generated supervisord.conf what `iocsup status` shows: the programs with their
 * autostart and description, and the web UI login. This spares `status` loading and validating
 * settings.yaml (the YAML parser alone costs more start-up time than the whole command may take),
 * and shows what supervisord actually runs.
 *
 * @module
 */

/** One `[program:…]` section. */
export interface ConfProgram {
  /** Program (IOC) name. */
  name: string;
  /** `autostart=`. */
  autostart: boolean;
  /** The `; description:` comment iocsup writes. */
  description: string;
  /** `stopwaitsecs=` (supervisord's default 10 when absent). */
  stopwaitsecs: number;
  /** `stopsignal=` without `SIG` (supervisord's default TERM when absent). */
  stopsignal: string;
}

/** What a generated conf says. */
export interface ConfSummary {
  /** Programs in file order. */
  programs: ConfProgram[];
  /** `[eventlistener:…]` sections (the manager), in file order. */
  listeners: ConfProgram[];
  /** `[inet_http_server]`, when present. */
  web: { listen: string; username: string; password: string } | undefined;
}

function unescape(value: string): string {
  return value.replaceAll("%%", "%");
}

/**
 * Summarise a conf rendered by `renderConf`.
 *
 * @param text The conf text.
 * @returns Programs and web UI login.
 * @example Usage
 * ```ts
 * import { summarizeConf } from "./conf_summary.ts";
 * summarizeConf("[program:a]\n; description: first\nautostart=true\n").programs;
 * // [{ name: "a", autostart: true, description: "first", stopwaitsecs: 10, stopsignal: "TERM" }]
 * ```
 */
export function summarizeConf(text: string): ConfSummary {
  const programs: ConfProgram[] = [];
  const listeners: ConfProgram[] = [];
  const web: Record<string, string> = {};
  let section = "";
  let program: ConfProgram | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.trimEnd();
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      section = header[1]!;
      program = undefined;
      const kind = /^(program|eventlistener):(.+)$/.exec(section);
      if (kind) {
        program = {
          name: kind[2]!,
          autostart: false,
          description: "",
          stopwaitsecs: 10,
          stopsignal: "TERM",
        };
        (kind[1] === "program" ? programs : listeners).push(program);
      }
      continue;
    }
    if (program && line.startsWith("; description: ")) {
      program.description = line.slice("; description: ".length);
      continue;
    }
    const eq = line.indexOf("=");
    if (eq < 0 || line.startsWith(";")) continue;
    const key = line.slice(0, eq).trim();
    const value = unescape(line.slice(eq + 1).trim());
    if (program && key === "autostart") program.autostart = value === "true";
    if (program && key === "stopwaitsecs") program.stopwaitsecs = Number(value) || 10;
    if (program && key === "stopsignal") program.stopsignal = value.replace(/^SIG/, "");
    if (section === "inet_http_server") web[key] = value;
  }
  return {
    programs,
    listeners,
    web: web.port !== undefined
      ? { listen: web.port, username: web.username ?? "", password: web.password ?? "" }
      : undefined,
  };
}
