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
import { CONSOLE_SCRIPT_FILE } from "./wrapper.ts";

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
 * @returns The IOC's pid; 0 for a console whose IOC is not running; else `supervisorPid`.
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
  let text = "";
  try {
    text = Deno.readTextFileSync(join(consoleDir(stateDir), `${ioc}.pid`));
  } catch {
    // No console, or its IOC has not started yet (or has ended).
  }
  const pid = Number(text.trim());
  if (text !== "" && Number.isSafeInteger(pid) && pid > 0) {
    let current = pid;
    for (let step = 0; step <= MAX_DEPTH; step++) {
      if (current === supervisorPid) return pid;
      const parent = parentOf(current, procDir);
      if (parent === undefined || parent <= 1) break;
      current = parent;
    }
  }
  // A console wrapper whose IOC is not (yet) running: no IOC pid to show, and never the wrapper's.
  return isConsoleWrapper(stateDir, supervisorPid, procDir) ? 0 : supervisorPid;
}

/** Whether a process runs this state directory's console wrapper (`/bin/sh <state>/console.sh`). */
function isConsoleWrapper(stateDir: string, pid: number, procDir: string): boolean {
  try {
    const argv = Deno.readTextFileSync(`${procDir}/${pid}/cmdline`).split("\0");
    return argv[1] === join(stateDir, CONSOLE_SCRIPT_FILE);
  } catch {
    return false;
  }
}

function parentOf(pid: number, procDir: string): number | undefined {
  try {
    const stat = parseStat(Deno.readTextFileSync(`${procDir}/${pid}/stat`));
    return stat === undefined || stat.state === "Z" ? undefined : stat.ppid;
  } catch {
    return undefined;
  }
}
