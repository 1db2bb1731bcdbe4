/**
 * Follow one IOC's stdout log by offset: the first look reads only the last few KB (enough for
 * the last lines), each later look only the bytes added since. When supervisord rotates the log
 * (`<ioc>.log` renamed to `<ioc>.log.1`, a new `<ioc>.log` created), the open handle still reads
 * the renamed file, so its end is finished before the new file is read from its start. When it
 * was rotated more than once between two looks, the lines start again from the end of `.1`.
 *
 * A look at an unchanged file costs one `stat`; a missing file is looked for only every few
 * looks (a failed `stat` costs an exception). Synchronous on purpose: one look reads at most
 * {@linkcode MAX_READ_BYTES}, and 200 IOCs looked at by one shared ticker stay cheap.
 *
 * @module
 */
import type { LineBuffer } from "./log_lines.ts";

/** The first look (and a look after falling far behind) reads this much of the file's end. */
export const BACKLOG_BYTES = 16 * 1024;
/** More new bytes than this in one look: skip to the last {@linkcode BACKLOG_BYTES}. */
export const MAX_READ_BYTES = 1024 * 1024;
/** A missing log is looked for once every this many looks. */
const MISSING_EVERY = 8;

/** Feeds the bytes appended to a log file into a {@linkcode LineBuffer}. */
export class LogFollower {
  #path: string;
  #lines: LineBuffer;
  #file: Deno.FsFile | undefined;
  #ino = -1;
  #offset = 0;
  #missingLooks = 0;
  #buffer = new Uint8Array(64 * 1024);

  /**
   * Open the log (if it exists) and read its last lines.
   *
   * @param path `<log_dir>/<ioc>.log`.
   * @param lines Where the lines go.
   */
  constructor(path: string, lines: LineBuffer) {
    this.#path = path;
    this.#lines = lines;
    this.#open(true);
  }

  /** Read what was appended (and what a rotation moved away) since the last look. */
  look(): void {
    if (this.#file === undefined) {
      if (++this.#missingLooks % MISSING_EVERY !== 0) return;
      // A log that appears after we started is new output: read it from its start.
      this.#open(false);
      return;
    }
    let info: Deno.FileInfo;
    try {
      info = Deno.statSync(this.#path);
    } catch {
      // Between rename and re-create, or removed: finish what the handle still reads, then look
      // for the path as for a log not yet created (the next one is read from its start).
      this.#drain();
      this.#close();
      return;
    }
    if (info.ino !== this.#ino) {
      if (inodeOf(`${this.#path}.1`) === this.#ino) {
        this.#drain(); // Rotated once: finish the file, now `.1`, through the open handle.
      } else {
        // Rotated more than once since the last look: what we hold no longer leads up to the
        // new file, so start again from the end of `.1`, which does.
        this.#lines.clear();
        this.#readTail(`${this.#path}.1`);
      }
      this.#close();
      this.#open(false);
    } else if (info.size < this.#offset) {
      // Truncated in place: read again from its start.
      this.#lines.resync(false);
      this.#seek(0);
      this.#drain();
    } else if (info.size > this.#offset) {
      this.#drain(info.size);
    }
  }

  /** Close the file. */
  close(): void {
    this.#close();
  }

  #open(atEnd: boolean): void {
    try {
      this.#file = Deno.openSync(this.#path, { read: true });
    } catch {
      this.#file = undefined;
      return;
    }
    const info = this.#file.statSync();
    this.#ino = info.ino ?? -1;
    this.#offset = 0;
    if (atEnd && info.size > BACKLOG_BYTES) {
      this.#lines.resync();
      this.#seek(info.size - BACKLOG_BYTES);
    }
    this.#drain(info.size);
  }

  /** Read the last {@linkcode BACKLOG_BYTES} of another file (a rotated copy). */
  #readTail(path: string): void {
    try {
      using file = Deno.openSync(path, { read: true });
      const size = file.statSync().size;
      this.#lines.resync(size > BACKLOG_BYTES);
      file.seekSync(Math.max(0, size - BACKLOG_BYTES), Deno.SeekMode.Start);
      for (;;) {
        const n = file.readSync(this.#buffer);
        if (n === null || n === 0) return;
        this.#lines.push(this.#buffer.subarray(0, n));
      }
    } catch {
      // Gone meanwhile (removed as the oldest backup): start with the new file alone.
    }
  }

  #close(): void {
    this.#file?.close();
    this.#file = undefined;
    this.#ino = -1;
  }

  #seek(offset: number): void {
    this.#file?.seekSync(offset, Deno.SeekMode.Start);
    this.#offset = offset;
  }

  /**
   * Read to the end of the open file.
   *
   * @param size Its size when known: far behind it, skip to its last part.
   */
  #drain(size?: number): void {
    const file = this.#file;
    if (file === undefined) return;
    if (size !== undefined && size - this.#offset > MAX_READ_BYTES) {
      this.#lines.resync();
      this.#seek(size - BACKLOG_BYTES);
    }
    let read = 0;
    while (read < MAX_READ_BYTES) {
      const n = file.readSync(this.#buffer);
      if (n === null || n === 0) return;
      this.#offset += n;
      read += n;
      this.#lines.push(this.#buffer.subarray(0, n));
    }
  }
}

/** The inode of a path, or undefined when it does not exist. */
function inodeOf(path: string): number | null | undefined {
  try {
    return Deno.statSync(path).ino;
  } catch {
    return undefined;
  }
}
