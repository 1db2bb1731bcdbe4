/**
 * Real libca clients for tests and benchmarks: pyepics scripts (tests/helpers/py/) run as separate
 * `/usr/bin/python3` processes with CA pinned to loopback, plus a handle for long-lived child
 * processes that print one JSON document per line (pyepics monitors, CA server processes).
 *
 * @module
 */
import { delimiter, join } from "node:path";
import { caLoopbackEnv } from "./ca_env.ts";
import { waitFor } from "./wait.ts";

/** The interpreter that has pyepics (not whatever `python3` is first on PATH). */
export const PYTHON = "/usr/bin/python3";

const PY_DIR = new URL("./py/", import.meta.url);

/** Clock ticks per second in /proc/<pid>/stat (USER_HZ is 100 on every Linux ABI Deno runs on). */
const USER_HZ = 100;

/** One parsed line of a {@linkcode JsonLineProcess}'s stdout. */
export type JsonLine = Record<string, unknown>;

/**
 * Absolute path of a script in tests/helpers/py/.
 *
 * @param script File name, e.g. `"ca_ops.py"`.
 * @returns The path to pass to python.
 */
export function pyScriptPath(script: string): string {
  return new URL(script, PY_DIR).pathname;
}

/**
 * Environment for a libca client on 127.0.0.1 with the given server port.
 *
 * PATH loses every directory holding a `caRepeater`: libca would otherwise spawn a detached
 * repeater that outlives the test.
 *
 * @param port CA server port (UDP search and TCP).
 * @returns Variables to merge into the child's environment.
 */
export function pyClientEnv(port: number): Record<string, string> {
  const path = (Deno.env.get("PATH") ?? "").split(delimiter).filter((dir) => {
    try {
      return !Deno.statSync(join(dir, "caRepeater")).isFile;
    } catch {
      return true;
    }
  });
  return {
    ...caLoopbackEnv(port),
    PATH: path.join(delimiter),
    PYTHONUNBUFFERED: "1",
    // No __pycache__ beside the scripts in the source tree.
    PYTHONDONTWRITEBYTECODE: "1",
  };
}

/** Options for {@linkcode runPyScript}. */
export interface RunPyOptions {
  /** CA server port the client talks to. */
  port: number;
  /** Command-line arguments after the script path. @default [] */
  args?: string[];
  /** Kill the client after this many milliseconds. @default 120000 */
  timeoutMs?: number;
}

/**
 * Run a pyepics script to completion and parse its stdout as one JSON document.
 *
 * @param script File name in tests/helpers/py/.
 * @param options Port, arguments and timeout.
 * @returns The parsed document.
 * @throws Error (with the client's stderr) if it fails, times out or prints no JSON.
 */
export async function runPyScript<T = unknown>(script: string, options: RunPyOptions): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs ?? 120_000);
  try {
    const output = await new Deno.Command(PYTHON, {
      args: [pyScriptPath(script), ...(options.args ?? [])],
      env: pyClientEnv(options.port),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal: controller.signal,
    }).output();
    const stdout = new TextDecoder().decode(output.stdout);
    const stderr = new TextDecoder().decode(output.stderr);
    if (controller.signal.aborted) {
      throw new Error(`Cannot finish "${script}": killed after the timeout\n${stderr}`);
    }
    if (!output.success) {
      throw new Error(`Cannot run "${script}": exit code ${output.code}\n${stderr}${stdout}`);
    }
    try {
      return JSON.parse(stdout) as T;
    } catch (error) {
      throw new Error(`Cannot parse the output of "${script}": "${stdout}"\n${stderr}`, {
        cause: error,
      });
    }
  } finally {
    clearTimeout(timer);
  }
}

/** Options for the {@linkcode JsonLineProcess} constructor. */
export interface JsonLineOptions {
  /** Arguments, the first being the script for the interpreter. */
  args: string[];
  /** Variables merged into the inherited environment. @default {} */
  env?: Record<string, string>;
  /** Label used in error messages. @default the first argument */
  label?: string;
}

/**
 * A long-lived child process whose stdout is JSON lines and whose stdin carries commands; closing
 * stdin asks it to finish.
 */
export class JsonLineProcess {
  #child: Deno.ChildProcess;
  #label: string;
  #lines: JsonLine[] = [];
  #stderr = "";
  #stdin: WritableStreamDefaultWriter<Uint8Array>;
  #readers: Promise<void>;
  #stdinClosed = false;
  #status: Deno.CommandStatus | undefined;

  /**
   * Spawn a process.
   *
   * @param command Executable, e.g. {@linkcode PYTHON} or `Deno.execPath()`.
   * @param options Arguments, environment and label.
   */
  constructor(command: string, options: JsonLineOptions) {
    this.#label = options.label ?? options.args[0] ?? command;
    this.#child = new Deno.Command(command, {
      args: options.args,
      env: options.env ?? {},
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#stdin = this.#child.stdin.getWriter();
    this.#readers = Promise.all([this.#readStdout(), this.#readStderr()]).then(() => {});
  }

  /**
   * Spawn a long-lived pyepics script (e.g. ca_monitor.py) against a CA server port.
   *
   * @param script File name in tests/helpers/py/.
   * @param options Port and arguments.
   * @returns The running client.
   */
  static python(script: string, options: { port: number; args?: string[] }): JsonLineProcess {
    return new JsonLineProcess(PYTHON, {
      args: [pyScriptPath(script), ...(options.args ?? [])],
      env: pyClientEnv(options.port),
      label: script,
    });
  }

  /** The process id. */
  get pid(): number {
    return this.#child.pid;
  }

  /** Every JSON line received so far. */
  get lines(): readonly JsonLine[] {
    return this.#lines;
  }

  /** Everything the process wrote to stderr so far. */
  get stderr(): string {
    return this.#stderr;
  }

  /**
   * Wait until a line matching `match` has arrived (including lines already received).
   *
   * @param what Description for the timeout error.
   * @param match Predicate over one line.
   * @param timeoutMs Deadline. @default 30000
   * @returns The first matching line.
   */
  async waitForLine(
    what: string,
    match: (line: JsonLine) => boolean,
    timeoutMs = 30_000,
  ): Promise<JsonLine> {
    try {
      return await waitFor(what, () => {
        if (this.#status !== undefined && !this.#lines.some(match)) {
          throw new Error(`"${this.#label}" exited with code ${this.#status.code}`);
        }
        return this.#lines.find(match);
      }, { timeoutMs, intervalMs: 20 });
    } catch (error) {
      throw new Error(
        `${(error as Error).message}\n--- ${this.#label} stderr ---\n${this.#stderr}`,
        {
          cause: error,
        },
      );
    }
  }

  /**
   * Send one line on stdin.
   *
   * @param text The line, without newline.
   */
  async send(text: string): Promise<void> {
    await this.#stdin.write(new TextEncoder().encode(text + "\n"));
  }

  /**
   * Close stdin, wait for a clean exit (killing the process after `timeoutMs`) and collect output.
   *
   * @param timeoutMs How long to wait before SIGKILL. @default 20000
   * @returns The exit status and all lines.
   */
  async stop(timeoutMs = 20_000): Promise<{ status: Deno.CommandStatus; lines: JsonLine[] }> {
    if (!this.#stdinClosed) {
      this.#stdinClosed = true;
      await this.#stdin.close().catch(() => {});
    }
    const timer = setTimeout(() => {
      try {
        this.#child.kill("SIGKILL");
      } catch {
        // Already gone.
      }
    }, timeoutMs);
    try {
      const status = await this.#child.status;
      await this.#readers;
      return { status, lines: this.#lines };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Kill the process at once (test cleanup after a failure) and wait for it. */
  async kill(): Promise<void> {
    try {
      this.#child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
    await this.stop();
  }

  async #readStdout(): Promise<void> {
    let pending = "";
    for await (const chunk of this.#child.stdout.pipeThrough(new TextDecoderStream())) {
      pending += chunk;
      let newline: number;
      while ((newline = pending.indexOf("\n")) >= 0) {
        const text = pending.slice(0, newline).trim();
        pending = pending.slice(newline + 1);
        if (text === "") continue;
        try {
          this.#lines.push(JSON.parse(text) as JsonLine);
        } catch {
          this.#stderr += `[stdout, not JSON] ${text}\n`;
        }
      }
    }
    this.#status = await this.#child.status;
  }

  async #readStderr(): Promise<void> {
    for await (const chunk of this.#child.stderr.pipeThrough(new TextDecoderStream())) {
      // Keep the tail only: a chatty child must not grow the test's memory.
      this.#stderr = (this.#stderr + chunk).slice(-64_000);
    }
  }
}

/** Memory and CPU figures of a live process, read from /proc. */
export interface ProcFigures {
  /** Resident set size in bytes (VmRSS). */
  rssBytes: number;
  /** User + system CPU time in seconds (utime + stime). */
  cpuSeconds: number;
}

/**
 * Read VmRSS and utime+stime of a process from /proc (Linux only).
 *
 * @param pid Process id.
 * @returns The figures.
 */
export function procFigures(pid: number): ProcFigures {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const rss = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (rss?.[1] === undefined) throw new Error(`Cannot read VmRSS of process "${pid}"`);
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { rssBytes: Number(rss[1]) * 1024, cpuSeconds: ticks / USER_HZ };
}
