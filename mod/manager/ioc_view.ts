/**
 * Pure mapping from what supervisord says about an IOC to the values of its PVs: control state,
 * status enum index and alarm severity, uptime and heartbeat age.
 *
 * @module
 */
import { type ProcessStateName, RUNNING_STATES, statusEnumIndex } from "../supervisor/states.ts";
import { Control, HB_NOT_RUNNING, HB_UNREACHABLE } from "./pv_specs.ts";

/** EPICS alarm severities. */
export const Severity = { NO_ALARM: 0, MINOR: 1, MAJOR: 2, INVALID: 3 } as const;
/** EPICS alarm status STATE (a discrete state alarm). */
export const STATE_ALARM = 7;

/** What the manager knows about one IOC. */
export interface IocView {
  /** supervisord state. */
  state: ProcessStateName;
  /** pid, 0 when not running. */
  pid: number;
  /** UNIX start time (s), 0 if never started. */
  start: number;
  /** Exit status of the last exit. */
  exitstatus: number;
  /** For EXITED: whether supervisord expected the exit. */
  expectedExit: boolean;
  /** Unexpected exits since supervisord started. */
  restarts: number;
}

/**
 * `_control` value that reflects reality: Run while supervisord wants the process up.
 *
 * @param state supervisord state.
 * @returns 0 Stop or 1 Run.
 */
export function controlFromState(state: ProcessStateName): number {
  return RUNNING_STATES.has(state) ? Control.Run : Control.Stop;
}

/** Alarm severity of a `_control`/`all` value: MINOR for Stop and Reset, none for Run. */
export function controlSeverity(value: number): number {
  return value === Control.Run ? Severity.NO_ALARM : Severity.MINOR;
}

/**
 * `_status` value and severity.
 *
 * @param view The IOC.
 * @returns Enum index (design.md §4 order) and alarm severity.
 */
export function statusOf(view: IocView): { index: number; severity: number } {
  const index = statusEnumIndex(view.state);
  switch (view.state) {
    case "RUNNING":
    case "STOPPED":
    case "STARTING":
    case "STOPPING":
      return { index, severity: Severity.NO_ALARM };
    case "BACKOFF":
      return { index, severity: Severity.MINOR };
    case "FATAL":
      return { index, severity: Severity.MAJOR };
    case "EXITED":
      return { index, severity: view.expectedExit ? Severity.NO_ALARM : Severity.MAJOR };
    case "UNKNOWN":
      return { index, severity: Severity.INVALID };
  }
}

/** Seconds since start while RUNNING, else 0. */
export function uptimeOf(view: IocView, nowSeconds: number): number {
  return view.state === "RUNNING" && view.start > 0
    ? Math.max(0, Math.floor(nowSeconds - view.start))
    : 0;
}

/** What the heartbeat monitor knows about an IOC's heartbeat PV. */
export interface HeartbeatView {
  /** Whether the heartbeat PV is connected over CA. */
  connected: boolean;
  /** When its value last changed (ms, same clock as `nowMs`), or undefined if never seen. */
  lastChangeMs: number | undefined;
}

/**
 * `_hb`: 999 not running; with a heartbeat PV the whole seconds since it last changed, 120 when
 * it cannot be reached; without one, 0 while running.
 *
 * @param view The IOC.
 * @param heartbeat The heartbeat PV's state, or undefined when the IOC has none.
 * @param nowMs Current time in ms.
 * @returns Seconds.
 */
export function heartbeatSeconds(
  view: IocView,
  heartbeat: HeartbeatView | undefined,
  nowMs: number,
): number {
  if (view.state !== "RUNNING") return HB_NOT_RUNNING;
  if (heartbeat === undefined) return 0;
  if (!heartbeat.connected || heartbeat.lastChangeMs === undefined) return HB_UNREACHABLE;
  return Math.min(
    HB_NOT_RUNNING - 1,
    Math.max(0, Math.floor((nowMs - heartbeat.lastChangeMs) / 1000)),
  );
}
