/**
 * Starting and stopping supervisord: find the binary, run it in the foreground or as a daemon,
 * ask whether it answers, shut it down and wait until it is gone. Waits poll with a deadline
 * from an injectable clock; nothing sleeps a fixed time.
 *
 * @module
 */
import { delimiter, join } from "node:path";
import { NotRunningError } from "../errors.ts";
import type { StatePaths } from "../state_dir.ts";
import { SupervisorClient } from "./xmlrpc_client.ts";
import { processAlive } from "./proc_table.ts";

/** Options shared by the waiting helpers. */
export interface WaitOptions {
  /** Give up after this many milliseconds. */
  timeoutMs?: number;
  /** Poll interval, ms. @default 50 */
  pollMs?: number;
  /** Clock in ms (injectable for tests). @default Date.now */
  now?: () => number;
}

/** Options for {@linkcode startDaemon}. */
export interface StartDaemonOptions extends WaitOptions {
  /** Extra environment for supervisord (and so for everything it starts). */
  env?: Record<string, string>;
  /** supervisord binary. @default findSupervisord() */
  supervisord?: string;
}

/** Options for {@linkcode spawnForeground}. */
export interface SpawnForegroundOptions {
  /** Extra environment for supervisord. */
  env?: Record<string, string>;
  /** supervisord's stdout. @default "inherit" */
  stdout?: "inherit" | "null" | "piped";
  /** supervisord's stderr. @default "inherit" */
  stderr?: "inherit" | "null" | "piped";
  /** supervisord binary. @default findSupervisord() */
  supervisord?: string;
}

/** Options for {@linkcode shutdownAndWait}. */
export interface ShutdownOptions extends WaitOptions {
  /**
   * The largest `stopwaitsecs` of the programs; the deadline is this plus 15 s, unless
   * `timeoutMs` is given. @default 10
   */
  stopWaitSecs?: number;
}

const DEFAULT_POLL_MS = 50;

/**
 * How long a command waits for supervisord to answer a call that does not itself wait for a
 * process. supervisord answers such calls from its event loop in milliseconds; one that does not
 * answer in this time is stopped (SIGSTOP) or stuck, and waiting longer helps nobody.
 */
export const RPC_TIMEOUT_MS = 5_000;

/**
 * A client for a state directory's supervisord whose every call gives up after
 * {@linkcode RPC_TIMEOUT_MS} (or a per-call `timeoutMs`) with a `SupervisorTimeoutError`.
 *
 * @param paths The state paths (`socket`).
 * @returns The client.
 * @example Usage
 * ```ts ignore
 * const pid = await supervisorClient(paths).getPID();
 * ```
 */
export function supervisorClient(paths: Pick<StatePaths, "socket">): SupervisorClient {
  return new SupervisorClient(paths.socket, { timeoutMs: RPC_TIMEOUT_MS });
}

/**
 * Find supervisord on PATH.
 *
 * @returns Absolute path of the executable.
 * @throws {Error} When it is not installed, naming the package to install.
 * @example Usage
 * ```ts ignore
 * const bin = await findSupervisord(); // "/usr/bin/supervisord"
 * ```
 */
export async function findSupervisord(): Promise<string> {
  for (const dir of (Deno.env.get("PATH") ?? "").split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(dir, "supervisord");
    try {
      const info = await Deno.stat(candidate);
      if (info.isFile && info.mode !== null && (info.mode & 0o111) !== 0) return candidate;
    } catch {
      // Not in this PATH entry.
    }
  }
  throw new Error(
    'Cannot find "supervisord" on PATH: install it, e.g. "apt-get install supervisor"',
  );
}

/**
 * Run `supervisord -n -c <conf>` as a child process (it stays in the foreground).
 *
 * @param confPath The rendered supervisord.conf.
 * @param options Environment, stdio and binary.
 * @returns The running child; the caller forwards signals and awaits its status.
 * @example Usage
 * ```ts ignore
 * const child = await spawnForeground(paths.conf);
 * const status = await child.status;
 * ```
 */
export async function spawnForeground(
  confPath: string,
  options: SpawnForegroundOptions = {},
): Promise<Deno.ChildProcess> {
  const bin = options.supervisord ?? await findSupervisord();
  return new Deno.Command(bin, {
    args: ["-n", "-c", confPath],
    stdin: "null",
    stdout: options.stdout ?? "inherit",
    stderr: options.stderr ?? "inherit",
    ...(options.env !== undefined ? { env: options.env } : {}),
  }).spawn();
}

/**
 * Run `supervisord -c <conf>` (it daemonizes) and wait until its socket answers with state
 * RUNNING.
 *
 * @param paths The state paths (`conf`, `socket`, `supervisordLog`).
 * @param options Deadline (default 15 s), environment, binary.
 * @returns A client for the socket.
 * @throws {Error} When supervisord exits with an error, or does not answer before the deadline.
 * @example Usage
 * ```ts ignore
 * const client = await startDaemon(paths);
 * ```
 */
export async function startDaemon(
  paths: Pick<StatePaths, "conf" | "socket" | "supervisordLog">,
  options: StartDaemonOptions = {},
): Promise<SupervisorClient> {
  const bin = options.supervisord ?? await findSupervisord();
  const result = await new Deno.Command(bin, {
    args: ["-c", paths.conf],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    ...(options.env !== undefined ? { env: options.env } : {}),
  }).output();
  if (!result.success) {
    const text = new TextDecoder().decode(result.stderr).trim() ||
      new TextDecoder().decode(result.stdout).trim();
    throw new Error(`Cannot start supervisord with "${paths.conf}": exit ${result.code}: ${text}`);
  }
  const client = supervisorClient(paths);
  await pollUntil(
    `supervisord to answer at "${paths.socket}" (see "${paths.supervisordLog}")`,
    async () => (await client.getState()).statename === "RUNNING",
    { timeoutMs: 15_000, ...options },
  );
  return client;
}

/**
 * Whether supervisord answers on the state directory's socket.
 *
 * @param paths The state paths (`socket`).
 * @returns True when `getState` succeeds, false when nothing listens.
 * @throws {SupervisorTimeoutError} When something listens but does not answer (a stopped
 *   supervisord): it may still run the IOCs, so it must not count as "not running".
 * @example Usage
 * ```ts ignore
 * if (!await isRunning(paths)) throw new NotRunningError("supervisord is not running");
 * ```
 */
export async function isRunning(paths: Pick<StatePaths, "socket">): Promise<boolean> {
  try {
    await supervisorClient(paths).getState();
    return true;
  } catch (error) {
    if (error instanceof NotRunningError) return false;
    throw error;
  }
}

/**
 * Ask supervisord to shut down (it stops every program first) and wait until its process is
 * gone.
 *
 * @param client A client for the running supervisord.
 * @param pidFile supervisord's pid file (read before shutting down).
 * @param options Deadline: `timeoutMs`, or `stopWaitSecs` + 15 s.
 * @returns supervisord's former pid.
 * @throws {NotRunningError} When supervisord does not answer.
 * @example Usage
 * ```ts ignore
 * await shutdownAndWait(client, paths.pidFile, { stopWaitSecs: 10 });
 * ```
 */
export async function shutdownAndWait(
  client: SupervisorClient,
  pidFile: string,
  options: ShutdownOptions = {},
): Promise<number> {
  const pid = await readPid(pidFile) ?? await client.getPID();
  await client.shutdown();
  const timeoutMs = options.timeoutMs ?? ((options.stopWaitSecs ?? 10) * 1000 + 15_000);
  await pollUntil(
    `supervisord (pid ${pid}) to exit`,
    async () => !await processAlive(pid),
    { ...options, timeoutMs },
  );
  return pid;
}

/**
 * Poll `check` until it returns true, or throw naming `what` once the deadline passes.
 *
 * @param what Description for the timeout error.
 * @param check The condition; errors count as "not yet".
 * @param options Deadline, poll interval and clock.
 * @returns Resolves once `check` is true.
 * @example Usage
 * ```ts ignore
 * await pollUntil("the socket to disappear", async () => !await exists(socket), { timeoutMs: 5000 });
 * ```
 */
export async function pollUntil(
  what: string,
  check: () => Promise<boolean>,
  options: WaitOptions = {},
): Promise<void> {
  const now = options.now ?? Date.now;
  const deadline = now() + (options.timeoutMs ?? 10_000);
  let lastError: unknown;
  while (true) {
    try {
      if (await check()) return;
    } catch (error) {
      lastError = error;
    }
    if (now() >= deadline) {
      throw new Error(`Timed out waiting for ${what}`, { cause: lastError });
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? DEFAULT_POLL_MS));
  }
}

async function readPid(pidFile: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt((await Deno.readTextFile(pidFile)).trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}
