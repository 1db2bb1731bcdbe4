/**
 * `iocsup status`: one line per IOC (state, pid, uptime, autostart, description), plus
 * supervisord and the manager. Exit 3 when supervisord is not running.
 *
 * @module
 */
import { SupervisorClient } from "../mod/supervisor/xmlrpc_client.ts";
import type { ProcessInfo } from "../mod/supervisor/xmlrpc_client.ts";
import { NotRunningError } from "../mod/errors.ts";
import { boolFlag, COMMON_OPTIONS_HELP, parseCommandArgs } from "./_common.ts";
import { type Context, loadContext } from "./_context.ts";
import { formatUptime, out, paint, table } from "./_output.ts";
import { readWebAccess } from "./_prepare.ts";

/** Help text. */
export const help = `iocsup status: show the state of every IOC

USAGE
  iocsup status [--json]

OPTIONS
      --json           print one JSON document
${COMMON_OPTIONS_HELP}

EXIT CODES
  0 supervisord is running, 3 it is not

EXAMPLES
  iocsup status
  iocsup status --json | jq '.iocs[] | select(.state != "RUNNING")'
`;

/** Name of the manager's event-listener pool in supervisord. */
export const MANAGER_NAME = "iocsup-manager";

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
  /** Last exit status. */
  exitstatus: number | null;
  /** supervisord's own description ("pid 123, uptime …", or a spawn error). */
  detail: string;
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
}

function uptimeOf(info: ProcessInfo): number | null {
  return info.statename === "RUNNING" ? Math.max(0, info.now - info.start) : null;
}

/**
 * Build the status report. Throws NotRunningError when supervisord does not answer.
 *
 * @param ctx Settings and paths.
 * @returns The report.
 */
export async function collectStatus(ctx: Context): Promise<StatusReport> {
  const client = new SupervisorClient(ctx.paths.socket);
  const [pid, infos] = await Promise.all([client.getPID(), client.getAllProcessInfo()]);
  const byName = new Map(infos.map((info) => [info.name, info]));
  const iocs: IocStatus[] = ctx.settings.iocs.map((ioc) => {
    const info = byName.get(ioc.name);
    byName.delete(ioc.name);
    return {
      name: ioc.name,
      state: info?.statename ?? "NOT_LOADED",
      pid: info && info.pid > 0 ? info.pid : null,
      uptime: info ? uptimeOf(info) : null,
      autostart: ioc.autostart,
      description: ioc.description,
      exitstatus: info ? info.exitstatus : null,
      detail: info?.description ?? "not in supervisord's configuration (run iocsup reload)",
    };
  });
  const managerInfo = byName.get(MANAGER_NAME);
  byName.delete(MANAGER_NAME);
  for (const info of byName.values()) {
    iocs.push({
      name: info.name,
      state: info.statename,
      pid: info.pid > 0 ? info.pid : null,
      uptime: uptimeOf(info),
      autostart: false,
      description: "(not in settings)",
      exitstatus: info.exitstatus,
      detail: info.description,
    });
  }
  const web = await readWebAccess(ctx);
  return {
    supervisord: { running: true, pid, socket: ctx.paths.socket, conf: ctx.paths.conf },
    manager: managerInfo
      ? {
        state: managerInfo.statename,
        pid: managerInfo.pid > 0 ? managerInfo.pid : null,
        uptime: uptimeOf(managerInfo),
      }
      : null,
    web: web ?? null,
    iocs,
  };
}

function colorState(state: string): string {
  if (state === "RUNNING") return paint(state, "green");
  if (state === "FATAL" || state === "EXITED" || state === "BACKOFF" || state === "UNKNOWN") {
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
    ioc.state === "FATAL" || ioc.state === "BACKOFF" ? ioc.detail : ioc.description,
  ]);
  let text = table(["IOC", "STATE", "PID", "UPTIME", "AUTOSTART", "DESCRIPTION"], rows);
  text += `\nsupervisord  RUNNING  pid ${report.supervisord.pid}  ${report.supervisord.socket}\n`;
  if (report.manager) {
    const m = report.manager;
    text += `manager      ${colorState(m.state)}  pid ${m.pid ?? "-"}` +
      (m.uptime !== null ? `  up ${formatUptime(m.uptime)}` : "") + "\n";
  }
  if (report.web) {
    text +=
      `web UI       ${report.web.url}  user ${report.web.username}  password ${report.web.password}\n`;
  }
  return text;
}

/** Run the command. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(args, { json: { type: "boolean" } });
  if (boolFlag(parsed, "help")) {
    out(help);
    return 0;
  }
  const ctx = await loadContext(parsed);
  const json = boolFlag(parsed, "json");
  let report: StatusReport;
  try {
    report = await collectStatus(ctx);
  } catch (error) {
    if (!(error instanceof NotRunningError)) throw error;
    if (json) {
      const down: StatusReport = {
        supervisord: { running: false, pid: null, socket: ctx.paths.socket, conf: ctx.paths.conf },
        manager: null,
        web: null,
        iocs: ctx.settings.iocs.map((ioc) => ({
          name: ioc.name,
          state: "STOPPED",
          pid: null,
          uptime: null,
          autostart: ioc.autostart,
          description: ioc.description,
          exitstatus: null,
          detail: "supervisord is not running",
        })),
      };
      out(JSON.stringify(down, null, 2) + "\n");
    } else {
      out(`supervisord is not running (no answer on ${ctx.paths.socket})\n`);
    }
    return 3;
  }
  out(json ? JSON.stringify(report, null, 2) + "\n" : formatStatus(report));
  return 0;
}
