/**
 * Plain, aligned user output; colour only on a TTY with NO_COLOR unset.
 *
 * @module
 */

/** True when stdout is a terminal and colour is allowed. */
export function useColor(): boolean {
  return Deno.stdout.isTerminal() && !Deno.env.get("NO_COLOR");
}

const CODES = { red: 31, green: 32, yellow: 33, dim: 2, bold: 1 } as const;

/** Wrap text in an ANSI colour when colour is on. */
export function paint(text: string, color: keyof typeof CODES): string {
  return useColor() ? `\x1b[${CODES[color]}m${text}\x1b[0m` : text;
}

/**
 * Format rows as an aligned table (two spaces between columns, last column unpadded).
 * Colour codes are ignored when measuring width.
 *
 * @param header Column titles.
 * @param rows Cells.
 * @returns The table, one line per row, with a trailing newline.
 */
export function table(header: string[], rows: string[][]): string {
  // deno-lint-ignore no-control-regex
  const visible = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, "").length;
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => visible(r[i] ?? ""))));
  return all.map((row) =>
    row.map((cell, i) =>
      i === row.length - 1 ? cell : cell + " ".repeat((widths[i] ?? 0) - visible(cell))
    ).join("  ").trimEnd()
  ).join("\n") + "\n";
}

/** Write text to stdout exactly (no extra newline). */
export function out(text: string): void {
  const bytes = new TextEncoder().encode(text);
  for (let written = 0; written < bytes.length;) {
    written += Deno.stdout.writeSync(bytes.subarray(written));
  }
}

/** Write a line to stderr (progress, warnings). */
export function note(text: string): void {
  Deno.stderr.writeSync(new TextEncoder().encode(text + "\n"));
}

/** Format a duration in seconds as `3d 04:05:06` / `04:05:06`. */
export function formatUptime(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / 86400);
  const hms = [Math.floor(s / 3600) % 24, Math.floor(s / 60) % 60, s % 60]
    .map((n) => String(n).padStart(2, "0")).join(":");
  return d > 0 ? `${d}d ${hms}` : hms;
}
