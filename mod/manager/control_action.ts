/**
 * One control action (what a `_control` write asks for) carried out through supervisord until
 * the requested state holds: Stop → stopped (STOPPED, EXITED, FATAL), Run → RUNNING, Reset →
 * stopped, then RUNNING again (so with a new pid). supervisord's `wait` flag does the waiting
 * (`stopProcess` returns once the process is down, `startProcess` once it is RUNNING or with
 * SPAWN_ERROR / ABNORMAL_TERMINATION when it dies during `startsecs`). When supervisord answers
 * NOT_RUNNING or ALREADY_STARTED the process may still be on its way (STOPPING, STARTING,
 * BACKOFF), so the state is polled until it arrives. The whole action has a deadline: the IOC's
 * `stopwaitsecs` and/or `startsecs` plus a margin.
 *
 * @module
 */
import type { IocSettings } from "../config/types.ts";
import { type ProcessStateName, STOPPED_STATES } from "../supervisor/states.ts";
import { type SupervisorClient, SupervisorFault } from "../supervisor/xmlrpc_client.ts";
import { Control } from "./pv_specs.ts";

/** Added to the IOC's own timeouts before an action is declared failed, ms. */
export const CONTROL_MARGIN_MS = 5000;
const POLL_MS = 100;
const VERBS = ["stop", "start", "restart"] as const;

/** Options for {@linkcode performControl}. */
export interface ControlActionOptions {
  /** The IOC (name, `startsecs`, `stopwaitsecs`). */
  ioc: Pick<IocSettings, "name" | "startsecs" | "stopwaitsecs">;
  /** 0 Stop, 1 Run, 2 Reset. */
  value: number;
  /** Margin over the IOC's timeouts, ms. @default CONTROL_MARGIN_MS */
  marginMs?: number;
}

/**
 * How long an action may take: `stopwaitsecs` for a stop (supervisord sends SIGKILL then),
 * `startsecs` for a start, both for a reset, plus the margin.
 *
 * @param options The IOC, the action and the margin.
 * @returns Milliseconds.
 * @example Usage
 * ```ts
 * import { controlDeadlineMs } from "./control_action.ts";
 * const ioc = { name: "a", startsecs: 1, stopwaitsecs: 10 };
 * console.assert(controlDeadlineMs({ ioc, value: 2, marginMs: 5000 }) === 16_000);
 * ```
 */
export function controlDeadlineMs(options: ControlActionOptions): number {
  const { ioc, value } = options;
  let seconds = 0;
  if (value === Control.Stop || value === Control.Reset) seconds += ioc.stopwaitsecs;
  if (value === Control.Run || value === Control.Reset) seconds += ioc.startsecs;
  return seconds * 1000 + (options.marginMs ?? CONTROL_MARGIN_MS);
}

/**
 * Carry out a control action and resolve once the requested state holds.
 *
 * @param client supervisord; calls wait as long as the IOC needs, so no short per-call timeout.
 * @param options The IOC, the action and the margin.
 * @throws {SupervisorFault} When supervisord refuses (SPAWN_ERROR, ABNORMAL_TERMINATION, …).
 * @throws {Error} When the IOC ends in another state or the deadline passes.
 */
export async function performControl(
  client: SupervisorClient,
  options: ControlActionOptions,
): Promise<void> {
  const { ioc, value } = options;
  const ms = controlDeadlineMs(options);
  const aborter = new AbortController();
  const work = steps(client, ioc.name, value, aborter.signal);
  // After the deadline the work is abandoned; its late failure must not go unhandled.
  work.catch(() => {});
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(
        new Error(`Cannot ${VERBS[value]} "${ioc.name}": not done after ${ms / 1000} s`),
      );
    }, ms);
  });
  try {
    await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
    aborter.abort();
  }
}

async function steps(
  client: SupervisorClient,
  name: string,
  value: number,
  signal: AbortSignal,
): Promise<void> {
  if (value === Control.Stop || value === Control.Reset) {
    try {
      await client.stopProcess(name, true);
    } catch (error) {
      if (!isFault(error, "NOT_RUNNING")) throw error;
      // Not running, or being stopped already: wait until it is down.
      await waitForState(client, name, { done: STOPPED_STATES, pass: ["STOPPING"], signal });
    }
  }
  if (value === Control.Run || value === Control.Reset) {
    try {
      await client.startProcess(name, true);
    } catch (error) {
      if (!isFault(error, "ALREADY_STARTED")) throw error;
      // Running, or on its way there: wait until it is RUNNING (or gives up).
      await waitForState(client, name, {
        done: new Set(["RUNNING"]),
        pass: ["STARTING", "BACKOFF"],
        signal,
      });
    }
  }
}

async function waitForState(
  client: SupervisorClient,
  name: string,
  want: { done: ReadonlySet<ProcessStateName>; pass: ProcessStateName[]; signal: AbortSignal },
): Promise<void> {
  while (!want.signal.aborted) {
    const info = await client.getProcessInfo(name);
    if (want.done.has(info.statename)) return;
    if (!want.pass.includes(info.statename)) {
      throw new Error(
        `Cannot bring "${name}" to ${[...want.done].join("/")}: it is ${info.statename}` +
          (info.description ? ` (${info.description})` : ""),
      );
    }
    await sleep(POLL_MS, want.signal);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}

function isFault(error: unknown, name: string): boolean {
  return error instanceof SupervisorFault && error.faultName === name;
}
