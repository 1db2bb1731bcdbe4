/**
 * Unexpected-exit counts survive a manager restart: they are kept in the state directory, keyed
 * by supervisord's pid, and count again from zero under a new supervisord.
 *
 * @module
 */
import { atomicWriteTextFile } from "../atomic_write.ts";

/**
 * Read the counts saved under this supervisord.
 *
 * @param file The state file.
 * @param supervisordPid supervisord's current pid.
 * @returns Counts by IOC name; empty when none were saved under this pid.
 */
export async function loadRestarts(
  file: string,
  supervisordPid: number,
): Promise<Record<string, number>> {
  try {
    const saved = JSON.parse(await Deno.readTextFile(file));
    return saved.supervisordPid === supervisordPid ? saved.restarts ?? {} : {};
  } catch {
    return {};
  }
}

/**
 * Save the counts atomically.
 *
 * @param file The state file.
 * @param supervisordPid supervisord's current pid.
 * @param restarts Counts by IOC name.
 */
export function saveRestarts(
  file: string,
  supervisordPid: number,
  restarts: Record<string, number>,
): Promise<void> {
  return atomicWriteTextFile(file, JSON.stringify({ supervisordPid, restarts }));
}
