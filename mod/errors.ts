/**
 * Error classes that callers branch on. `main.ts` maps them to exit codes:
 * {@linkcode UsageError} and {@linkcode ConfigError} → 2, {@linkcode NotRunningError} → 3,
 * anything else → 1.
 *
 * @module
 */

/** A command line that cannot be understood (unknown flag, missing argument). */
export class UsageError extends Error {
  /**
   * @param message What is wrong with the command line.
   * @param options Standard error options (`cause`).
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "UsageError";
  }
}

/** One problem found in a settings file, with its position (1-based line and column). */
export interface ConfigIssue {
  /** Path of the settings file as the user named it. */
  file: string;
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  col: number;
  /** Sentence-case message without final period. */
  message: string;
}

/** Format an issue as `file:line:col: message`. */
export function formatIssue(issue: ConfigIssue): string {
  return `${issue.file}:${issue.line}:${issue.col}: ${issue.message}`;
}

/**
 * A settings file that cannot be used. Carries every problem found in one pass; the message
 * lists them one per line as `file:line:col: message`.
 */
export class ConfigError extends SyntaxError {
  /** Every problem found, in file order. */
  readonly issues: readonly ConfigIssue[];
  /**
   * @param issues The problems found; at least one.
   * @param options Standard error options (`cause`).
   */
  constructor(issues: readonly ConfigIssue[], options?: ErrorOptions) {
    super(issues.map(formatIssue).join("\n"), options);
    this.name = "ConfigError";
    this.issues = issues;
  }
}

/** supervisord (or the manager) is not running where it was expected. */
export class NotRunningError extends Error {
  /**
   * @param message What is not running.
   * @param options Standard error options (`cause`).
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "NotRunningError";
  }
}

/** Map an error to the process exit code defined in design.md §6. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof UsageError || error instanceof ConfigError) return 2;
  if (error instanceof NotRunningError) return 3;
  return 1;
}
