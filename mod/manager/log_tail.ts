/**
 * Read the lines appended to a log file since the last look, across rotation: the open handle
 * keeps reading a file that was renamed away (supervisord.log → supervisord.log.1), then the
 * new file is read from its start. A position saved earlier (inode and offset) resumes where a
 * previous process stopped, also from the rotated copy `<path>.1` when the file was rotated in
 * between.
 *
 * Synchronous on purpose: a look reads what one write added, a few hundred bytes.
 *
 * @module
 */
import type { LogPosition } from "./manager_state.ts";

/** A longer line is cut (its start is dropped) so a runaway writer cannot grow our memory. */
const MAX_LINE_BYTES = 64 * 1024;
const CHUNK_BYTES = 64 * 1024;
/** At most this much of an old log is read at start (older exits are in the saved state). */
const MAX_BACKLOG_BYTES = 4 * 1024 * 1024;
const NEWLINE = 10;

/** Reads complete new lines of one file. */
export class LogTail {
  #path: string;
  #file: Deno.FsFile | undefined;
  #ino = -1;
  #offset = 0;
  #partial: Uint8Array = new Uint8Array(0);
  #buffer = new Uint8Array(CHUNK_BYTES);
  #decoder = new TextDecoder();
  /** The first line read is a tail cut by a start within the file: drop it. */
  #skipLine = false;
  /** A rotated copy to finish first: what a saved position pointed into. */
  #rotated: { path: string; offset: number } | undefined;

  /**
   * @param path The log file.
   * @param from Where a previous reader stopped; null reads the file from its start.
   */
  constructor(path: string, from: LogPosition | null) {
    this.#path = path;
    this.#open();
    if (this.#file === undefined) return;
    const size = this.#file.statSync().size;
    let start = from !== null && from.ino === this.#ino && from.offset <= size ? from.offset : 0;
    if (size - start > MAX_BACKLOG_BYTES) {
      // Start within the last part; the line cut there is skipped.
      start = size - MAX_BACKLOG_BYTES;
      this.#skipLine = true;
    }
    this.#seek(start);
    if (from === null || from.ino === this.#ino || this.#skipLine) return;
    const rotated = `${path}.1`;
    try {
      if (Deno.statSync(rotated).ino === from.ino) {
        this.#rotated = { path: rotated, offset: from.offset };
      }
    } catch {
      // No rotated copy: what was written there after `from` is gone.
    }
  }

  /** Where reading stands (inode and offset of the last complete line), null without a file. */
  get position(): LogPosition | null {
    return this.#file ? { ino: this.#ino, offset: this.#offset } : null;
  }

  /**
   * Hand every complete line written since the last call to `onLine`, oldest first.
   *
   * @param onLine Called per line, without its newline.
   */
  read(onLine: (line: string) => void): void {
    if (this.#rotated) {
      const { path, offset } = this.#rotated;
      this.#rotated = undefined;
      try {
        using old = Deno.openSync(path, { read: true });
        old.seekSync(offset, Deno.SeekMode.Start);
        this.#drain(old, onLine, false);
      } catch {
        // Gone meanwhile: nothing to recover.
      }
      this.#partial = new Uint8Array(0);
    }
    if (this.#file) this.#drain(this.#file, onLine);
    let ino: number | null;
    let size: number;
    try {
      const info = Deno.statSync(this.#path);
      ino = info.ino;
      size = info.size;
    } catch {
      return; // Between rename and re-create; the next call finds the new file.
    }
    if (ino !== this.#ino) {
      this.#file?.close();
      this.#file = undefined;
      this.#partial = new Uint8Array(0);
      this.#open();
      if (this.#file) this.#drain(this.#file, onLine);
    } else if (this.#file && size < this.#offset + this.#partial.length) {
      // Truncated in place: start again from its beginning.
      this.#seek(0);
      this.#skipLine = false;
      this.#drain(this.#file, onLine);
    }
  }

  /** Stop reading and close the file. */
  close(): void {
    this.#file?.close();
    this.#file = undefined;
  }

  #open(): void {
    try {
      this.#file = Deno.openSync(this.#path, { read: true });
      this.#skipLine = false;
      this.#ino = this.#file.statSync().ino ?? -1;
      this.#offset = 0;
    } catch {
      this.#file = undefined;
      this.#ino = -1;
    }
  }

  #seek(offset: number): void {
    this.#file?.seekSync(offset, Deno.SeekMode.Start);
    this.#offset = offset;
    this.#partial = new Uint8Array(0);
  }

  /** Read `file` to its end; `current` when it is the file whose position we keep. */
  #drain(file: Deno.FsFile, onLine: (line: string) => void, current = true): void {
    const buffer = this.#buffer;
    for (;;) {
      const n = file.readSync(buffer);
      if (n === null || n === 0) return;
      let data = buffer.subarray(0, n);
      if (this.#partial.length > 0) {
        const joined = new Uint8Array(this.#partial.length + n);
        joined.set(this.#partial);
        joined.set(data, this.#partial.length);
        data = joined;
      }
      const end = data.lastIndexOf(NEWLINE);
      if (end >= 0) {
        const lines = this.#decoder.decode(data.subarray(0, end)).split("\n");
        if (current && this.#skipLine) {
          this.#skipLine = false;
          lines.shift();
        }
        for (const line of lines) onLine(line);
        if (current) this.#offset += end + 1;
      }
      this.#keepPartial(data.subarray(end + 1), current);
    }
  }

  #keepPartial(rest: Uint8Array, current: boolean): void {
    if (rest.length > MAX_LINE_BYTES) {
      if (current) this.#offset += rest.length;
      this.#partial = new Uint8Array(0);
    } else {
      this.#partial = rest.slice();
    }
  }
}
