/**
 * Flag parsing shared by the subcommands: strict `node:util` parseArgs, the flags every command
 * takes (--help, --config, --state-dir, --verbose), and errors as {@linkcode UsageError}.
 *
 * @module
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "../mod/errors.ts";

type Options = NonNullable<ParseArgsConfig["options"]>;

const COMMON: Options = {
  help: { type: "boolean", short: "h" },
  config: { type: "string", short: "c" },
  "state-dir": { type: "string" },
  verbose: { type: "boolean" },
};

/** Text for the common flags, appended to each command's OPTIONS. */
export const COMMON_OPTIONS_HELP = `  -c, --config FILE    settings file (default ./settings.yaml)
      --state-dir DIR  state directory (default ioc-supervisor/ beside the settings file)
      --verbose        print the cause chain of errors
  -h, --help           show this help`;

/** Parsed flags: the common ones plus the command's own. */
export interface ParsedArgs {
  /** Values by flag name (string, boolean or string[] for `multiple`). */
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  /** Positional arguments. */
  positionals: string[];
}

/**
 * Parse a subcommand's arguments strictly.
 *
 * @param args Arguments after the subcommand name.
 * @param options The command's own flags.
 * @param maxPositionals How many positional arguments are allowed.
 * @returns The parsed flags.
 * @throws {UsageError} On an unknown flag, a missing value or too many arguments.
 */
export function parseCommandArgs(
  args: string[],
  options: Options = {},
  maxPositionals = 0,
): ParsedArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { ...COMMON, ...options },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (parsed.positionals.length > maxPositionals) {
    throw new UsageError(`Unexpected argument "${parsed.positionals[maxPositionals]}"`);
  }
  return { values: parsed.values, positionals: parsed.positionals };
}

/** Read a string flag. */
export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const value = args.values[name];
  return typeof value === "string" ? value : undefined;
}

/** Read a boolean flag. */
export function boolFlag(args: ParsedArgs, name: string): boolean {
  return args.values[name] === true;
}

/**
 * Call `stop` on Ctrl-C (SIGINT) or SIGTERM, until the returned function is called.
 *
 * @param stop What ends the command.
 * @returns Removes the signal listeners again.
 * @example Usage
 * ```ts ignore
 * const release = onStopSignal(() => controller.abort());
 * try { await work(controller.signal); } finally { release(); }
 * ```
 */
export function onStopSignal(stop: () => void): () => void {
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  return () => {
    Deno.removeSignalListener("SIGINT", stop);
    Deno.removeSignalListener("SIGTERM", stop);
  };
}

/**
 * Wait for Ctrl-C (SIGINT) or SIGTERM.
 *
 * @returns Resolves at the first of them (the listeners are removed then).
 * @example Usage
 * ```ts ignore
 * try { await untilStopSignal(); } finally { await server.close(); }
 * ```
 */
export function untilStopSignal(): Promise<void> {
  const { promise, resolve } = Promise.withResolvers<void>();
  const release = onStopSignal(() => {
    release();
    resolve();
  });
  return promise;
}
