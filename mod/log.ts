/**
 * A small levelled logger writing to stderr. stdout is kept for data (and, in `iocsup serve`,
 * for the supervisord event-listener protocol), so nothing here ever writes to stdout.
 *
 * @module
 */

/** Log levels in increasing severity. */
export type LogLevel = "debug" | "info" | "warn" | "error";

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const encoder = new TextEncoder();

let threshold: LogLevel = (Deno.env.get("IOCSUP_LOG_LEVEL") as LogLevel | undefined) ?? "info";
if (!(threshold in ORDER)) threshold = "info";

/** Set the lowest level that is written. */
export function setLogLevel(level: LogLevel): void {
  threshold = level;
}

/** A logger that prefixes each line with a timestamp, the level and its component name. */
export interface Logger {
  /** Detail for debugging. */
  debug(message: string): void;
  /** Normal operation. */
  info(message: string): void;
  /** Something unexpected that was handled. */
  warn(message: string): void;
  /** Something failed. */
  error(message: string): void;
}

/**
 * One log line as the logger writes it: ISO-8601 time, level, component, message, newline.
 * Exported so lines other processes append to the manager's log (attach audit) look the same.
 *
 * @param level Severity.
 * @param component Short name, e.g. `"attach"`.
 * @param message The text (one line).
 * @param now Time stamp. @default the current time
 * @returns The line with its newline.
 * @example Usage
 * ```ts
 * import { formatLogLine } from "./log.ts";
 * formatLogLine("info", "ca", "serving", new Date(0)); // "1970-01-01T00:00:00.000Z INFO  ca: serving\n"
 * ```
 */
export function formatLogLine(
  level: LogLevel,
  component: string,
  message: string,
  now: Date = new Date(),
): string {
  return `${now.toISOString()} ${level.toUpperCase().padEnd(5)} ${component}: ${message}\n`;
}

function write(level: LogLevel, component: string, message: string): void {
  if (ORDER[level] < ORDER[threshold]) return;
  const line = formatLogLine(level, component, message);
  try {
    Deno.stderr.writeSync(encoder.encode(line));
  } catch {
    // stderr closed: nowhere left to report to.
  }
}

/**
 * Create a logger for one component.
 *
 * @param component Short name shown on each line, e.g. `"ca"`.
 * @returns The logger.
 * @example Usage
 * ```ts ignore
 * const log = getLogger("manager");
 * log.info("serving 12 PVs");
 * ```
 */
export function getLogger(component: string): Logger {
  return {
    debug: (m) => write("debug", component, m),
    info: (m) => write("info", component, m),
    warn: (m) => write("warn", component, m),
    error: (m) => write("error", component, m),
  };
}
