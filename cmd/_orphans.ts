/**
 * What the commands do about orphans (processes left running by a supervisord that died, see
 * mod/supervisor/orphans.ts): read the generated conf for each program's stop signal and grace
 * period, stop them, and say what happened, one line per orphan.
 *
 * @module
 */
import {
  type ConfSummary,
  findOrphans,
  MANAGER_LISTENER_NAME,
  type Orphan,
  type OrphanStopResult,
  stopOrphans,
  type StopPolicy,
  summarizeConf,
} from "../mod/supervisor/mod.ts";
import type { StatePaths } from "../mod/state_dir.ts";

/**
 * Read the generated conf; an absent one means nothing was ever started here.
 *
 * @param paths State paths (`conf`).
 * @returns What the conf says (empty when absent).
 */
export async function readConfSummary(paths: Pick<StatePaths, "conf">): Promise<ConfSummary> {
  try {
    return summarizeConf(await Deno.readTextFile(paths.conf));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      return { programs: [], listeners: [], web: undefined };
    }
    throw error;
  }
}

/**
 * "orphaned IOC ioc1" or "orphaned manager iocsup-manager".
 *
 * @param program A program name from an orphan.
 * @returns The phrase naming it.
 */
export function orphanName(program: string): string {
  return program === MANAGER_LISTENER_NAME
    ? `orphaned manager ${program}`
    : `orphaned IOC ${program}`;
}

/**
 * "pid 12" or "pids 12 13 14".
 *
 * @param orphan The orphan.
 * @returns The phrase listing its processes.
 */
export function pidList(orphan: Orphan): string {
  return `${orphan.pids.length === 1 ? "pid" : "pids"} ${orphan.pids.join(" ")}`;
}

function policyOf(conf: ConfSummary): (program: string) => StopPolicy {
  const sections = new Map([...conf.programs, ...conf.listeners].map((p) => [p.name, p]));
  // A program no longer in the conf (removed, or the conf was cleaned) gets supervisord's defaults.
  return (program) => sections.get(program) ?? { stopsignal: "TERM", stopwaitsecs: 10 };
}

function describe(result: OrphanStopResult): string {
  const name = `${orphanName(result.orphan.program)} (${pidList(result.orphan)})`;
  if (result.remaining.length > 0) {
    return `could not stop ${name}: pids ${result.remaining.join(" ")} survive SIGKILL`;
  }
  if (result.killed) {
    return `killed ${name}: it ignored ${result.signal} for ${result.stopwaitsecs} s`;
  }
  return `stopped ${name} with ${result.signal}`;
}

/**
 * Stop every orphan of a state directory, the stop signals and grace periods read from its
 * generated supervisord.conf (read before any new conf is written), saying one line per orphan.
 *
 * @param paths State paths.
 * @param say Where the lines go (stdout for `stop`, stderr where stdout carries a table).
 * @param supervisordPid The running supervisord's pid: its own processes are left alone.
 * @returns The orphans found (and stopped).
 * @throws {Error} When an orphan survives SIGKILL.
 */
export async function stopAllOrphans(
  paths: StatePaths,
  say: (line: string) => void,
  supervisordPid?: number,
): Promise<Orphan[]> {
  const orphans = findOrphans(
    paths.dir,
    supervisordPid !== undefined ? { supervisordPid } : {},
  );
  if (orphans.length === 0) return orphans;
  const policy = policyOf(await readConfSummary(paths));
  const results = await stopOrphans(orphans, policy, {
    stateDir: paths.dir,
    ...(supervisordPid !== undefined ? { supervisordPid } : {}),
  });
  for (const result of results) say(describe(result));
  const failed = results.filter((r) => r.remaining.length > 0);
  if (failed.length > 0) {
    throw new Error(
      `Cannot stop ${failed.map((r) => orphanName(r.orphan.program)).join(", ")}: ` +
        "refusing to start a second copy beside it",
    );
  }
  return orphans;
}
