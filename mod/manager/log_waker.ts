/**
 * Wake supervisord when it has news. supervisord queues the event of a process it reaps (a
 * crash, a stop without wait) for its next loop turn, which can be a second away when nothing
 * else happens; but it writes "exited: …" / "stopped: …" to supervisord.log at once. After each
 * write, a cheap RPC wakes supervisord's loop, so such events reach the manager within
 * milliseconds.
 *
 * The file is watched with inotify (`Deno.watchFs`), which costs nothing while idle. Deno's
 * watcher delivers nothing for a path once a watched file there was renamed, so after
 * supervisord rotates its log the waker polls the file's size instead (one stat per period).
 *
 * @module
 */
import { getLogger } from "../log.ts";

const log = getLogger("manager");

/** Options for {@linkcode LogWaker}. */
export interface LogWakerOptions {
  /** Poll period once the log has been rotated, ms. @default 100 */
  pollMs?: number;
}

/** Calls `onWrite` (one call in flight at a time) after a file is written. */
export class LogWaker {
  #path: string;
  #onWrite: () => Promise<unknown>;
  #pollMs: number;
  #watcher: Deno.FsWatcher | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #inode: number | null = null;
  #size = -1;
  #running = false;
  #again = false;
  #closed = false;

  /**
   * Start watching.
   *
   * @param path The file (supervisord.log).
   * @param onWrite What to do after a write; a rejection is logged.
   * @param options Poll period after a rotation.
   */
  constructor(path: string, onWrite: () => Promise<unknown>, options: LogWakerOptions = {}) {
    this.#path = path;
    this.#onWrite = onWrite;
    this.#pollMs = options.pollMs ?? 100;
    try {
      this.#watch(Deno.watchFs(path, { recursive: false }));
    } catch (error) {
      log.debug(`Cannot watch "${path}", polling it: ${error}`);
      this.#poll();
    }
  }

  async #watch(watcher: Deno.FsWatcher): Promise<void> {
    this.#watcher = watcher;
    try {
      for await (const event of watcher) {
        if (event.kind === "modify") this.#fire();
        if (event.kind === "remove" || event.kind === "rename") break;
      }
    } catch (error) {
      if (!this.#closed) log.debug(`Stopped watching "${this.#path}": ${error}`);
    }
    watcher.close();
    this.#watcher = undefined;
    if (!this.#closed) {
      this.#fire();
      this.#poll();
    }
  }

  #poll(): void {
    this.#check();
    this.#timer = setInterval(() => {
      if (this.#check()) this.#fire();
    }, this.#pollMs);
  }

  /** True when the file changed since the last look. */
  #check(): boolean {
    let info: Deno.FileInfo;
    try {
      info = Deno.statSync(this.#path);
    } catch {
      return false;
    }
    if (info.ino === this.#inode && info.size === this.#size) return false;
    this.#inode = info.ino;
    this.#size = info.size;
    return true;
  }

  #fire(): void {
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    this.#onWrite()
      .catch((error) => log.warn(`Cannot wake supervisord: ${error}`))
      .finally(() => {
        this.#running = false;
        if (this.#again && !this.#closed) {
          this.#again = false;
          this.#fire();
        }
      });
  }

  /** Stop watching. */
  close(): void {
    this.#closed = true;
    this.#watcher?.close();
    clearInterval(this.#timer);
  }
}
