/**
 * One IOC as the manager holds it (settings, what supervisord says, its PVs, the control intent,
 * the tickets that order events and fetches), and how each kind of news changes its PVs. Only
 * changed values are posted, so monitors see real changes only.
 *
 * @module
 */
import type { IocSettings } from "../config/types.ts";
import type { Pv } from "../pv/mod.ts";
import type { ProcessStateEvent } from "../supervisor/event_listener.ts";
import type { ProcessInfo } from "../supervisor/xmlrpc_client.ts";
import {
  controlFromState,
  controlSeverity,
  heartbeatSeconds,
  type HeartbeatView,
  type IocView,
  STATE_ALARM,
  statusOf,
  uptimeOf,
} from "./ioc_view.ts";
import { lastLineValue, type LineBuffer, logWaveformValue } from "./log_lines.ts";
import type { LogFollower } from "./log_follower.ts";

/** One IOC. */
export interface IocEntry {
  /** Its settings. */
  settings: IocSettings;
  /** What supervisord said last. */
  view: IocView;
  /** Its PVs by field (`control`, `status`, …). */
  pvs: Record<string, Pv>;
  /** Control value asked for while actions are queued. */
  intent: number | undefined;
  /** Ticket of the last event applied. */
  eventTicket: number;
  /** Ticket of the last process info applied. */
  infoTicket: number;
  /** Its stdout log followed for `_log` and `_lastline`, when `general.log_lines` > 0. */
  output?: IocOutput;
}

/** An IOC's output as `_log` and `_lastline` show it. */
export interface IocOutput {
  /** The last lines. */
  lines: LineBuffer;
  /** Reads `<log_dir>/<ioc>.log` into `lines`. */
  follower: LogFollower;
  /** `lines.version` when last posted. */
  posted: number;
}

/**
 * Post `_log` and `_lastline` if lines came since the last post. Called once per look at the
 * logs, so however fast the IOC writes, its PVs change at most once per look.
 *
 * @param entry The IOC.
 */
export function publishOutput(entry: IocEntry): void {
  const output = entry.output;
  if (output === undefined || output.lines.version === output.posted) return;
  output.posted = output.lines.version;
  const lines = output.lines.lines;
  postIfChanged(entry.pvs.lastline, lastLineValue(lines));
  const log = entry.pvs.log;
  log?.post(logWaveformValue(lines, log.count));
}

/**
 * Apply a PROCESS_STATE event to the view (not yet published).
 *
 * @param entry The IOC.
 * @param event The event.
 * @param nowSeconds Current UNIX time, the start time of a process now RUNNING.
 * @returns True for an unexpected exit (one more restart counted).
 */
export function applyEvent(entry: IocEntry, event: ProcessStateEvent, nowSeconds: number): boolean {
  const view = entry.view;
  view.state = event.toState;
  if (event.pid !== undefined) view.pid = event.toState === "RUNNING" ? event.pid : 0;
  if (event.toState !== "RUNNING" && event.toState !== "STARTING") view.pid = 0;
  if (event.toState === "RUNNING") view.start = Math.floor(nowSeconds);
  if (event.toState === "EXITED") view.expectedExit = event.expected ?? false;
  return countExit(entry, event);
}

/**
 * Whether an event follows the state the view shows. Events form a chain (each names the state
 * it leaves); one that does not continue the view arrived after a fetch that already saw a later
 * state (or after a lost event), so publishing its state would step back in time.
 *
 * @param entry The IOC.
 * @param event The event.
 * @returns True when `event.fromState` is the view's state.
 */
export function continuesView(entry: IocEntry, event: ProcessStateEvent): boolean {
  return event.fromState === entry.view.state;
}

/**
 * Count an unexpected exit, whether or not the event's state is published.
 *
 * @param entry The IOC.
 * @param event The event.
 * @returns True for an unexpected exit (one more restart counted).
 */
export function countExit(entry: IocEntry, event: ProcessStateEvent): boolean {
  if (event.toState !== "EXITED" || event.expected) return false;
  entry.view.restarts++;
  return true;
}

/**
 * Apply what `getProcessInfo` says to the view (not yet published).
 *
 * @param entry The IOC.
 * @param info supervisord's process info.
 * @param exitstatus `_exitcode` to show (from supervisord.log when known).
 */
export function applyInfo(entry: IocEntry, info: ProcessInfo, exitstatus: number): void {
  const view = entry.view;
  if (info.statename === "EXITED" && view.state !== "EXITED") {
    // An exit seen only by polling (event lost): supervisord's description says nothing of
    // expectedness, so keep the severity of an expected exit unless the event said otherwise.
    view.expectedExit = true;
  }
  view.state = info.statename;
  view.pid = info.pid;
  view.start = info.start;
  view.exitstatus = exitstatus;
}

/**
 * Post the view's state PVs (`_status`, `_pid`, `_exitcode`, `_restarts`, `_control`).
 *
 * @param entry The IOC.
 */
export function publishState(entry: IocEntry): void {
  const { view, pvs } = entry;
  const status = statusOf(view);
  postIfChanged(pvs.status, status.index, status.severity);
  postIfChanged(pvs.pid, view.pid);
  postIfChanged(pvs.exitcode, view.exitstatus);
  postIfChanged(pvs.restarts, view.restarts);
  publishControl(entry);
}

/**
 * Post `_control`: the intent while actions are queued, else what the state implies.
 *
 * @param entry The IOC.
 */
export function publishControl(entry: IocEntry): void {
  const value = entry.intent ?? controlFromState(entry.view.state);
  postIfChanged(entry.pvs.control, value, controlSeverity(value));
}

/**
 * Post the time-based PVs (`_uptime`, `_hb`).
 *
 * @param entry The IOC.
 * @param nowMs Current time, ms.
 * @param heartbeat Its heartbeat PV's state, undefined when it has none.
 */
export function publishTimes(
  entry: IocEntry,
  nowMs: number,
  heartbeat: HeartbeatView | undefined,
): void {
  postIfChanged(entry.pvs.uptime, uptimeOf(entry.view, nowMs / 1000));
  postIfChanged(entry.pvs.hb, heartbeatSeconds(entry.view, heartbeat, nowMs));
}

/**
 * Post a value (and severity, with status STATE when not NO_ALARM) unless both are unchanged.
 *
 * @param pv The PV, if it exists.
 * @param value The value.
 * @param severity Alarm severity; undefined keeps the current one.
 */
export function postIfChanged(pv: Pv | undefined, value: number | string, severity?: number): void {
  if (pv === undefined) return;
  if (pv.value === value && (severity === undefined || pv.severity === severity)) return;
  pv.post(value, severity === undefined ? {} : { severity, status: severity ? STATE_ALARM : 0 });
}
