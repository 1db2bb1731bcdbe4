/**
 * Run the iocsup CLI as users do (`deno run -A main.ts …`) with an args array and stdin null.
 *
 * @module
 */

const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const CONFIG = new URL("../../deno.json", import.meta.url).pathname;

/** What a finished CLI run produced. */
export interface CliResult {
  /** Exit code. */
  code: number;
  /** Everything on stdout. */
  stdout: string;
  /** Everything on stderr. */
  stderr: string;
}

/** Options for {@linkcode runCli}. */
export interface CliOptions {
  /** Working directory. */
  cwd?: string;
  /** Extra environment. */
  env?: Record<string, string>;
}

/** The argv that runs iocsup from source. */
export function cliArgv(args: string[]): string[] {
  return ["run", "-A", "--quiet", "--config", CONFIG, MAIN, ...args];
}

/**
 * Run iocsup to completion.
 *
 * @param args Arguments after `iocsup`.
 * @param options Working directory and environment.
 * @returns Exit code and output.
 */
export async function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: cliArgv(args),
    ...(options.cwd ? { cwd: options.cwd } : {}),
    env: { NO_COLOR: "1", ...options.env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/**
 * Start iocsup as a long-running child (e.g. `start`, `logs -f`), stdout and stderr piped.
 *
 * @param args Arguments after `iocsup`.
 * @param options Working directory and environment.
 * @returns The child process.
 */
export function spawnCli(args: string[], options: CliOptions = {}): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: cliArgv(args),
    ...(options.cwd ? { cwd: options.cwd } : {}),
    env: { NO_COLOR: "1", ...options.env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Collect a stream's text into a growing string, readable while the process runs. */
export class TextCollector {
  #text = "";
  /** Resolves when the stream ends. */
  readonly done: Promise<void>;
  /** @param stream The stream to read. */
  constructor(stream: ReadableStream<Uint8Array>) {
    this.done = (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of stream) this.#text += decoder.decode(chunk, { stream: true });
    })();
  }
  /** Text so far. */
  get text(): string {
    return this.#text;
  }
}

/** True while a process with this pid exists (and is not a zombie). */
export function pidAlive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z";
  } catch {
    return false;
  }
}
