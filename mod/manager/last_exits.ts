/**
 * The last exit of every IOC, read from supervisord.log as supervisord writes it. supervisord
 * itself forgets an exit status when it respawns the process, so `getProcessInfo` cannot tell
 * `_exitcode` or `iocsup status` how an IOC that autorestart brought back had ended.
 *
 * @module
 */
import { parseExitLine } from "../supervisor/exit_line.ts";
import { LogTail } from "./log_tail.ts";
import type { LastExit, LogPosition } from "./manager_state.ts";

/** Options for {@linkcode LastExits}. */
export interface LastExitsOptions {
  /** supervisord.log; without it nothing is read. */
  logPath?: string;
  /** Exits saved earlier. @default {} */
  saved?: Record<string, LastExit>;
  /** Where a previous reader of the log stopped. @default null */
  from?: LogPosition | null;
}

/** Last exits by process name, kept up to date from supervisord.log. */
export class LastExits {
  #exits: Map<string, LastExit>;
  #tail: LogTail | undefined;

  /** @param options The log and what was saved. */
  constructor(options: LastExitsOptions = {}) {
    this.#exits = new Map(Object.entries(options.saved ?? {}));
    this.#tail = options.logPath ? new LogTail(options.logPath, options.from ?? null) : undefined;
  }

  /**
   * Read what the log gained since the last call.
   *
   * @returns Names whose last exit changed, in log order without repeats.
   */
  update(): string[] {
    const changed = new Set<string>();
    this.#tail?.read((line) => {
      const exit = parseExitLine(line);
      if (exit === undefined) return;
      const { name, ...rest } = exit;
      this.#exits.set(name, rest);
      changed.add(name);
    });
    return [...changed];
  }

  /** The last exit of `name`, if one is known. */
  get(name: string): LastExit | undefined {
    return this.#exits.get(name);
  }

  /** Where reading the log stands, to save. */
  get position(): LogPosition | null {
    return this.#tail?.position ?? null;
  }

  /**
   * The exits to save: those of `names` only, so removed IOCs are forgotten.
   *
   * @param names The IOCs configured now.
   * @returns Last exit by name.
   */
  forSaving(names: Iterable<string>): Record<string, LastExit> {
    const out: Record<string, LastExit> = {};
    for (const name of names) {
      const exit = this.#exits.get(name);
      if (exit) out[name] = exit;
    }
    return out;
  }

  /** Close the log. */
  close(): void {
    this.#tail?.close();
  }
}
