/**
 * The pid of a console IOC. supervisord's pid for a console program is the wrapper's
 * (wrapper → procServ → sh → IOC), so `_pid` and `iocsup status` take the IOC's pid from
 * `<state>/run/console/<ioc>.pid` (written by the command procServ runs), trusted only while
 * /proc says that process descends from supervisord's: a stale file never names a stranger.
 *
 * @module
 */
import { join } from "node:path";
import { parseStat } from "../supervisor/proc_table.ts";
import { consoleDir } from "./paths.ts";

/** Most steps from the IOC up to the wrapper (IOC → sh → procServ → { } subshell → wrapper). */
const MAX_DEPTH = 6;

/**
 * The IOC's own pid for the pid supervisord reports. For an IOC without console (no pid file) the
 * pid is returned unchanged.
 *
 * @param stateDir Absolute state directory.
 * @param ioc The IOC name.
 * @param supervisorPid The pid supervisord reports for the program (0 when not running).
 * @param procDir Root of procfs.
 * @returns The IOC's pid, or `supervisorPid`.
 * @example Usage
 * ```ts
 * import { iocPidOf } from "./ioc_pid.ts";
 * iocPidOf("/nonexistent", "ioc1", 1234); // 1234
 * ```
 */
export function iocPidOf(
  stateDir: string,
  ioc: string,
  supervisorPid: number,
  procDir = "/proc",
): number {
  if (supervisorPid <= 0) return supervisorPid;
  let text: string;
  try {
    text = Deno.readTextFileSync(join(consoleDir(stateDir), `${ioc}.pid`));
  } catch {
    return supervisorPid;
  }
  const pid = Number(text.trim());
  if (!Number.isSafeInteger(pid) || pid <= 0) return supervisorPid;
  let current = pid;
  for (let step = 0; step <= MAX_DEPTH; step++) {
    if (current === supervisorPid) return pid;
    const parent = parentOf(current, procDir);
    if (parent === undefined || parent <= 1) break;
    current = parent;
  }
  return supervisorPid;
}

function parentOf(pid: number, procDir: string): number | undefined {
  try {
    const stat = parseStat(Deno.readTextFileSync(`${procDir}/${pid}/stat`));
    return stat === undefined || stat.state === "Z" ? undefined : stat.ppid;
  } catch {
    return undefined;
  }
}
