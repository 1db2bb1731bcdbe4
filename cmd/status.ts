/**
 * `iocsup status`: one line per IOC (state, pid, uptime, autostart, last exit,
 * description), plus
 * supervisord, the manager and any orphans (processes a killed supervisord left running).
 * Exit 1 when something needs doing (orphans, the manager not RUNNING), 3 when supervisord is
 * not running and left nothing behind.
 *
 * @module
 */
import { iocPidOf } from "../mod/console/ioc_pid.ts";
import { join } from "node:path";
import { SupervisorClient } from "../mod/supervisor/xmlrpc_client.ts";
import type { ProcessInfo } from "../mod/supervisor/xmlrpc_client.ts";
import type { ConfSummary } from "../mod/supervisor/conf_summary.ts";
import { MANAGER_LISTENER_NAME } from "../mod/supervisor/conf_render.ts";
import { RPC_TIMEOUT_MS } from "../mod/supervisor/daemon.ts";
import { findOrphans } from "../mod/supervisor/orphans.ts";
import { NotRunningError } from "../mod/errors.ts";
import type { StatePaths } from "../mod/state_dir.ts";
import {
  type LastExit,
  loadManagerState,
  MANAGER_STATE_FILE,
} from "../mod/manager/manager_state.ts";
import { exitCodeOf, exitText } from "../mod/supervisor/exit_line.ts";
import { boolFlag, COMMON_OPTIONS_HELP, parseCommandArgs } from "./_common.ts";
import { formatUptime, note, out, paint, table } from "./_output.ts";
import { pathsFromFlags } from "./_paths.ts";
import { orphanName, readConfSummary } from "./_orphans.ts";

/** Help text. */
export const help = `iocsup status: show the state of every IOC

USAGE
  iocsup status [--json]

Shows what supervisord runs, as configured by the last start/reload (it reads the generated
supervisord.conf, not settings.yaml).

OPTIONS
      --json           print one JSON document
${COMMON_OPTIONS_HELP}

Orphans are processes started here by a supervisord that has since died (killed, crashed): they
still run, unsupervised. "iocsup stop" stops them; "iocsup start-daemon" stops them and starts
fresh copies.

EXIT CODES
  0 supervisord and the manager are running
  1 orphans are left running, the manager is not RUNNING, or supervisord does not answer
  3 supervisord is not running (and left nothing running)

EXAMPLES
  iocsup status
  iocsup status --json | jq '.iocs[] | select(.state != "RUNNING")'
`;

/** One IOC in the status report. */
export interface IocStatus {
  /** IOC name. */
  name: string;
  /** supervisord state name, or "NOT_LOADED" when settings name an IOC supervisord lacks. */
  state: string;
  /** pid while running, else null. */
  pid: number | null;
  /** Seconds since start while running, else null. */
  uptime: number | null;
  /** From settings. */
  autostart: boolean;
  /** From settings. */
  description: string;
  /**
   * Last exit: its status, or 128 + the signal number when killed (from supervisord.log as the
   * manager recorded it, else supervisord's `exitstatus`, which a respawn resets to 0).
   */
  exitstatus: number | null;
  /** The recorded last exit for people: `"3"`, `"SIGSEGV"`; null when none is recorded. */
  lastexit: string | null;
  /** supervisord's own description ("pid 123, uptime …", or a spawn error). */
  detail: string;
}

/** Processes of one program left running by a supervisord that died. */
export interface OrphanStatus {
  /** Program name: an IOC, or `iocsup-manager`. */
  name: string;
  /** The program's main process. */
  pid: number;
  /** Every process of it (the main one, its children). */
  pids: number[];
}

/** The whole report, as `--json` prints it. */
export interface StatusReport {
  /** supervisord itself. */
  supervisord: { running: boolean; pid: number | null; socket: string; conf: string };
  /** The manager event listener, when supervisord runs it. */
  manager: { state: string; pid: number | null; uptime: number | null } | null;
  /** Web UI access, when on. */
  web: { url: string; username: string; password: string } | null;
  /** Every IOC from settings (and any extra program supervisord runs). */
  iocs: IocStatus[];
  /** Programs left running by a supervisord that died, not supervised by anyone. */
  orphans: OrphanStatus[];
}

function uptimeOf(info: ProcessInfo): number | null {
  return info.statename === "RUNNING" ? Math.max(0, info.now - info.start) : null;
}

/**
 * Build the status report. Throws NotRunningError when supervisord does not answer.
 *
 * @param paths State directory paths.
 * @param conf What the generated conf says.
 * @returns The report.
 */
export async function collectStatus(paths: StatePaths, conf: ConfSummary): Promise<StatusReport> {
  const client = new SupervisorClient(paths.socket, { timeoutMs: RPC_TIMEOUT_MS });
  const [pid, infos, saved] = await Promise.all([
    client.getPID(),
    client.getAllProcessInfo(),
    loadManagerState(join(paths.dir, MANAGER_STATE_FILE)),
  ]);
  const exitOf = (name: string, info: ProcessInfo | undefined) => {
    const last: LastExit | undefined = saved.lastExits[name];
    if (last) return { exitstatus: exitCodeOf(last), lastexit: exitText(last) };
    return { exitstatus: info ? info.exitstatus : null, lastexit: null };
  };
  const byName = new Map(infos.map((info) => [info.name, info]));
  const iocs: IocStatus[] = conf.programs.map((program) => {
    const info = byName.get(program.name);
    byName.delete(program.name);
    // A console IOC's own pid, not its console wrapper's (mod/console/ioc_pid.ts).
    const pid = info && info.pid > 0 ? iocPidOf(paths.dir, program.name, info.pid) || null : null;
    return {
      name: program.name,
      state: info?.statename ?? "NOT_LOADED",
      pid,
      uptime: info ? uptimeOf(info) : null,
      autostart: program.autostart,
      description: program.description,
      ...exitOf(program.name, info),
      // supervisord's "pid N, uptime …" names the wrapper's pid for a console IOC.
      detail: info?.description.replace(/^pid \d+/, `pid ${pid ?? "-"}`) ??
        "not loaded by supervisord (run iocsup reload)",
    };
  });
  const managerInfo = byName.get(MANAGER_LISTENER_NAME);
  byName.delete(MANAGER_LISTENER_NAME);
  for (const info of byName.values()) {
    iocs.push({
      name: info.name,
      state: info.statename,
      pid: info.pid > 0 ? info.pid : null,
      uptime: uptimeOf(info),
      autostart: false,
      description: "",
      ...exitOf(info.name, info),
      detail: info.description,
    });
  }
  return {
    supervisord: { running: true, pid, socket: paths.socket, conf: paths.conf },
    manager: managerInfo
      ? {
        state: managerInfo.statename,
        pid: managerInfo.pid > 0 ? managerInfo.pid : null,
        uptime: uptimeOf(managerInfo),
      }
      : null,
    web: conf.web ? { ...conf.web, url: `http://${conf.web.listen}/` } : null,
    iocs,
    orphans: [],
  };
}

/** The report when supervisord does not run: every IOC STOPPED unless an orphan of it runs. */
function downReport(paths: StatePaths, conf: ConfSummary, orphans: OrphanStatus[]): StatusReport {
  const orphanOf = new Map(orphans.map((orphan) => [orphan.name, orphan]));
  return {
    supervisord: { running: false, pid: null, socket: paths.socket, conf: paths.conf },
    manager: null,
    web: null,
    iocs: conf.programs.map((program) => {
      const orphan = orphanOf.get(program.name);
      return {
        name: program.name,
        state: orphan ? "ORPHANED" : "STOPPED",
        pid: orphan?.pid ?? null,
        uptime: null,
        autostart: program.autostart,
        description: program.description,
        exitstatus: null,
        lastexit: null,
        detail: orphan
          ? `left running by a supervisord that died: pids ${orphan.pids.join(" ")}`
          : "supervisord is not running",
      };
    }),
    orphans,
  };
}

/** The manager is installed in the conf but not RUNNING under supervisord. */
function managerDown(report: StatusReport, conf: ConfSummary): string | undefined {
  if (!report.supervisord.running || conf.listeners.length === 0) return undefined;
  const state = report.manager?.state ?? "NOT_LOADED";
  return state === "RUNNING" ? undefined : state;
}

function colorState(state: string): string {
  if (state === "RUNNING") return paint(state, "green");
  if (
    state === "FATAL" || state === "EXITED" || state === "BACKOFF" || state === "UNKNOWN" ||
    state === "ORPHANED"
  ) {
    return paint(state, "red");
  }
  if (state === "STOPPED") return state;
  return paint(state, "yellow");
}

/** Render the report as aligned text. */
export function formatStatus(report: StatusReport): string {
  const rows = report.iocs.map((ioc) => [
    ioc.name,
    colorState(ioc.state),
    ioc.pid === null ? "-" : String(ioc.pid),
    ioc.uptime === null ? "-" : formatUptime(ioc.uptime),
    ioc.autostart ? "yes" : "no",
    ioc.lastexit ?? "-",
    ioc.state === "FATAL" || ioc.state === "BACKOFF" ? ioc.detail : ioc.description,
  ]);
  let text = table(
    ["IOC", "STATE", "PID", "UPTIME", "AUTOSTART", "LAST EXIT", "DESCRIPTION"],
    rows,
  );
  text += report.supervisord.running
    ? `\nsupervisord  RUNNING  pid ${report.supervisord.pid}  ${report.supervisord.socket}\n`
    : `\nsupervisord  ${paint("NOT RUNNING", "red")}  no answer on ${report.supervisord.socket}\n`;
  if (report.manager) {
    const m = report.manager;
    text += `manager      ${colorState(m.state)}  pid ${m.pid ?? "-"}` +
      (m.uptime !== null ? `  up ${formatUptime(m.uptime)}` : "") + "\n";
  }
  if (report.web) {
    text +=
      `web UI       ${report.web.url}  user ${report.web.username}  password ${report.web.password}\n`;
  }
  for (const orphan of report.orphans) {
    text += `${paint(orphanName(orphan.name), "red")}  pids ${orphan.pids.join(" ")}\n`;
  }
  return text;
}

/** Run the command. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(args, { json: { type: "boolean" } });
  const paths = pathsFromFlags(parsed);
  const conf = await readConfSummary(paths);
  const json = boolFlag(parsed, "json");
  let report: StatusReport;
  try {
    report = await collectStatus(paths, conf);
    report.orphans = orphansOf(paths, report.supervisord.pid ?? undefined);
  } catch (error) {
    if (!(error instanceof NotRunningError)) throw error;
    report = downReport(paths, conf, orphansOf(paths));
  }
  const down = !report.supervisord.running;
  if (json) out(JSON.stringify(report, null, 2) + "\n");
  else if (down && report.orphans.length === 0) {
    out(`supervisord is not running (no answer on ${paths.socket})\n`);
  } else out(formatStatus(report));

  if (report.orphans.length > 0) {
    note(
      `${report.orphans.length} program(s) left running without supervision by a supervisord ` +
        `that died: "iocsup stop" stops them, "iocsup start-daemon" replaces them`,
    );
    return 1;
  }
  const manager = managerDown(report, conf);
  if (manager === "STARTING") {
    note(`The manager (${MANAGER_LISTENER_NAME}) is STARTING: supervisord is restarting it`);
    return 1;
  }
  if (manager !== undefined) {
    note(
      `The manager (${MANAGER_LISTENER_NAME}) is ${manager}: no PVs are served. ` +
        `"iocsup start-daemon" starts it again (see "iocsup logs manager" for why it stopped)`,
    );
    return 1;
  }
  return down ? 3 : 0;
}

function orphansOf(paths: StatePaths, supervisordPid?: number): OrphanStatus[] {
  return findOrphans(paths.dir, supervisordPid !== undefined ? { supervisordPid } : {}).map(
    (orphan) => ({ name: orphan.program, pid: orphan.leader, pids: orphan.pids }),
  );
}
