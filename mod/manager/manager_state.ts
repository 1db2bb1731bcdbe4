/**
 * What the manager keeps in the state directory (`manager-state.json`) so that a restarted
 * manager, and `iocsup status`, know what supervisord no longer says: unexpected-exit counts
 * (keyed by supervisord's pid, so they count again from zero under a new supervisord), the last
 * exit of each IOC (kept across supervisord restarts: it is still the last exit), and how far
 * supervisord.log has been read.
 *
 * @module
 */
import { atomicWriteTextFile } from "../atomic_write.ts";
import type { ProcessExit } from "../supervisor/exit_line.ts";

/** File name of the manager state, in the state directory. */
export const MANAGER_STATE_FILE = "manager-state.json";

/** One IOC's last exit, as saved. */
export type LastExit = Omit<ProcessExit, "name">;

/** Where reading supervisord.log stopped. */
export interface LogPosition {
  /** Inode of the file read. */
  ino: number;
  /** Bytes consumed (up to the last complete line). */
  offset: number;
}

/** The saved state. */
export interface ManagerState {
  /** supervisord's pid when the counts were saved. */
  supervisordPid: number;
  /** Unexpected exits by IOC name under that supervisord. */
  restarts: Record<string, number>;
  /** Last exit by IOC name. */
  lastExits: Record<string, LastExit>;
  /** How far supervisord.log has been read. */
  log: LogPosition | null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function lastExitOf(value: unknown): LastExit | undefined {
  if (!isRecord(value)) return undefined;
  const { status, signal, expected, requested, time } = value;
  if (status !== null && !Number.isInteger(status)) return undefined;
  if (signal !== null && typeof signal !== "string") return undefined;
  if (expected !== null && typeof expected !== "boolean") return undefined;
  if (typeof requested !== "boolean" || typeof time !== "string") return undefined;
  return {
    status: status as number | null,
    signal: signal as string | null,
    expected: expected as boolean | null,
    requested,
    time,
  };
}

/**
 * Read the state; a missing or unreadable file gives an empty state (nothing is lost that
 * supervisord.log cannot give again). Entries of the wrong shape are skipped.
 *
 * @param file The state file.
 * @returns The state.
 */
export async function loadManagerState(file: string): Promise<ManagerState> {
  const state: ManagerState = { supervisordPid: 0, restarts: {}, lastExits: {}, log: null };
  let saved: unknown;
  try {
    saved = JSON.parse(await Deno.readTextFile(file));
  } catch {
    return state;
  }
  if (!isRecord(saved)) return state;
  if (Number.isInteger(saved.supervisordPid)) state.supervisordPid = saved.supervisordPid as number;
  if (isRecord(saved.restarts)) {
    for (const [name, count] of Object.entries(saved.restarts)) {
      if (Number.isInteger(count)) state.restarts[name] = count as number;
    }
  }
  if (isRecord(saved.lastExits)) {
    for (const [name, value] of Object.entries(saved.lastExits)) {
      const exit = lastExitOf(value);
      if (exit) state.lastExits[name] = exit;
    }
  }
  const log = saved.log;
  if (isRecord(log) && Number.isInteger(log.ino) && Number.isInteger(log.offset)) {
    state.log = { ino: log.ino as number, offset: log.offset as number };
  }
  return state;
}

/**
 * Saves the state atomically, one write at a time: a save asked for while one is in flight
 * writes the newest state once that one is done, so an older state never lands last.
 */
export class ManagerStateSaver {
  #file: string;
  #next: ManagerState | undefined;
  #writing: Promise<void> | undefined;
  #onError: (error: unknown) => void;

  /**
   * @param file The state file.
   * @param onError Told about a failed write (the next save tries again).
   */
  constructor(file: string, onError: (error: unknown) => void) {
    this.#file = file;
    this.#onError = onError;
  }

  /**
   * Save this state (soon).
   *
   * @param state The whole state; not copied, so do not change it afterwards.
   */
  save(state: ManagerState): void {
    this.#next = state;
    this.#writing ??= this.#loop();
  }

  /** Resolves when every asked-for save is written. */
  async flush(): Promise<void> {
    while (this.#writing) await this.#writing;
  }

  async #loop(): Promise<void> {
    try {
      while (this.#next) {
        const state = this.#next;
        this.#next = undefined;
        await atomicWriteTextFile(this.#file, JSON.stringify(state)).catch(this.#onError);
      }
    } finally {
      this.#writing = undefined;
    }
  }
}
