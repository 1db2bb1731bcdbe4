/**
 * supervisord's process states: names and numeric codes exactly as supervisord sends them
 * (`getProcessInfo().state`, `statename`, PROCESS_STATE_* events), the named groups of
 * supervisor's `states.py`, and the index order of the `_status` PV enum. Imports nothing, so
 * every module can use it without cycles.
 *
 * @module
 */

/** Numeric process state codes, keyed by supervisord's state name. */
export const ProcessState = {
  STOPPED: 0,
  STARTING: 10,
  RUNNING: 20,
  BACKOFF: 30,
  STOPPING: 40,
  EXITED: 100,
  FATAL: 200,
  UNKNOWN: 1000,
} as const;

/** A process state name as supervisord sends it (`statename`, `from_state`). */
export type ProcessStateName = keyof typeof ProcessState;

/** A numeric process state code as supervisord sends it (`state`). */
export type ProcessStateCode = (typeof ProcessState)[ProcessStateName];

/**
 * State names in the order of the `_status` PV enum (design.md §4): screens bind LEDs to these
 * indices, so the order never changes.
 */
export const STATUS_ENUM_ORDER: readonly ProcessStateName[] = [
  "STOPPED",
  "STARTING",
  "RUNNING",
  "BACKOFF",
  "STOPPING",
  "EXITED",
  "FATAL",
  "UNKNOWN",
];

/** States in which the process is not running (supervisor's `STOPPED_STATES`). */
export const STOPPED_STATES: ReadonlySet<ProcessStateName> = new Set([
  "STOPPED",
  "EXITED",
  "FATAL",
  "UNKNOWN",
]);

/** States in which supervisord wants the process up (supervisor's `RUNNING_STATES`). */
export const RUNNING_STATES: ReadonlySet<ProcessStateName> = new Set([
  "RUNNING",
  "BACKOFF",
  "STARTING",
]);

/** States in which the process may be signalled (supervisor's `SIGNALLABLE_STATES`). */
export const SIGNALLABLE_STATES: ReadonlySet<ProcessStateName> = new Set([
  "RUNNING",
  "STARTING",
  "STOPPING",
]);

/** supervisord's own state codes (`supervisor.getState().statecode`). */
export const SupervisorState = {
  FATAL: 2,
  RUNNING: 1,
  RESTARTING: 0,
  SHUTDOWN: -1,
} as const;

/** A supervisord state name (`supervisor.getState().statename`). */
export type SupervisorStateName = keyof typeof SupervisorState;

/**
 * Check that a string is a process state name.
 *
 * @param name A state name received from supervisord.
 * @returns True when `name` is one of the eight process states.
 * @example Usage
 * ```ts
 * import { isProcessStateName } from "./states.ts";
 * isProcessStateName("RUNNING"); // true
 * ```
 */
export function isProcessStateName(name: string): name is ProcessStateName {
  return Object.hasOwn(ProcessState, name);
}

/**
 * The `_status` PV enum index of a state.
 *
 * @param name A process state name.
 * @returns Its index in {@linkcode STATUS_ENUM_ORDER} (0 STOPPED … 7 UNKNOWN).
 * @example Usage
 * ```ts
 * import { statusEnumIndex } from "./states.ts";
 * statusEnumIndex("FATAL"); // 6
 * ```
 */
export function statusEnumIndex(name: ProcessStateName): number {
  return STATUS_ENUM_ORDER.indexOf(name);
}

/**
 * The state name of a numeric code.
 *
 * @param code A code from `getProcessInfo().state`.
 * @returns The name, or `"UNKNOWN"` for a code supervisord does not define.
 * @example Usage
 * ```ts
 * import { stateNameOf } from "./states.ts";
 * stateNameOf(20); // "RUNNING"
 * ```
 */
export function stateNameOf(code: number): ProcessStateName {
  for (const name of STATUS_ENUM_ORDER) {
    if (ProcessState[name] === code) return name;
  }
  return "UNKNOWN";
}
