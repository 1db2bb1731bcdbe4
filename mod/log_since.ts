/**
 * `iocsup logs --since`: keep the log lines written since a time, judged by the stamp each line
 * carries (log_stamp.ts). A line without a stamp (a log written with `timestamps: false`, or
 * before stamps were on) belongs with the stamped line before it; lines before any stamp are
 * dropped, as their time is unknown.
 *
 * @module
 */
import { STAMP_PATTERN } from "./supervisor/log_stamp.ts";

const UNITS: Readonly<Record<string, number>> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/**
 * Read a `--since` value: a duration back from now (`30s`, `10m`, `1h`, `2d`) or an ISO time
 * (`2026-12-01T14:00:00`, local time unless it names a zone).
 *
 * @param text The option's value.
 * @param now The current time, ms since the epoch.
 * @returns The start time, ms since the epoch.
 * @throws {RangeError} For anything else.
 * @example Usage
 * ```ts
 * import { parseSince } from "./log_since.ts";
 * parseSince("10m", Date.now());
 * ```
 */
export function parseSince(text: string, now: number): number {
  const duration = /^(\d+)([smhd])$/.exec(text);
  if (duration) return now - Number(duration[1]) * (UNITS[duration[2] as string] as number);
  const time = /^\d{4}-\d\d-\d\d([T ]\d\d:\d\d(:\d\d)?)?/.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(time)) {
    throw new RangeError(
      `Cannot use "${text}" as a start time: give a duration (30s, 10m, 1h, 2d) or an ISO time ` +
        `(2026-12-01T14:00:00)`,
    );
  }
  return time;
}

/**
 * The time of a line's stamp.
 *
 * @param line One log line.
 * @returns ms since the epoch, or undefined when the line has no stamp.
 * @example Usage
 * ```ts
 * import { stampTime } from "./log_since.ts";
 * stampTime("[2026-12-01T14:03:07+0000] x"); // 1795961787000
 * ```
 */
export function stampTime(line: string): number | undefined {
  const match = STAMP_PATTERN.exec(line);
  if (!match) return undefined;
  // "+0000" → "+00:00", the form Date.parse reads.
  const time = Date.parse((match[1] as string).replace(/([+-]\d\d)(\d\d)$/, "$1:$2"));
  return Number.isNaN(time) ? undefined : time;
}

/**
 * Keep the lines of a log text written at or after `since`.
 *
 * @param text Whole lines of a log, oldest first.
 * @param since Start time, ms since the epoch.
 * @returns The kept lines, each with its newline.
 * @example Usage
 * ```ts
 * import { filterSince } from "./log_since.ts";
 * filterSince("[2026-12-01T14:03:07+0000] a\nmore\n", 0); // both lines
 * ```
 */
export function filterSince(text: string, since: number): string {
  let keep = false;
  const kept: string[] = [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  for (const line of lines) {
    const time = stampTime(line);
    if (time !== undefined) keep = time >= since;
    if (keep) kept.push(line + "\n");
  }
  return kept.join("");
}

/**
 * Read a log and its backups (`<path>.1`, `.2` …), going back only as far as needed to reach
 * `since`, and keep the lines written since then.
 *
 * @param path Current log file.
 * @param since Start time, ms since the epoch.
 * @returns The kept lines, oldest first.
 * @example Usage
 * ```ts ignore
 * const text = await readLogSince("/srv/state/logs/pump.log", Date.now() - 600_000);
 * ```
 */
export async function readLogSince(path: string, since: number): Promise<string> {
  const texts: string[] = [];
  for (let n = 0;; n++) {
    let text: string;
    try {
      text = await Deno.readTextFile(n === 0 ? path : `${path}.${n}`);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) break;
      throw error;
    }
    texts.unshift(text);
    const first = text.split("\n", 64).map(stampTime).find((t) => t !== undefined);
    if (first !== undefined && first < since) break;
  }
  return filterSince(texts.join(""), since);
}
