/**
 * Read log files from disk: the last lines of a file, and following a file across rotation.
 * (supervisord's RPC log reads fail with HTTP 500 when a read splits a UTF-8 character.)
 *
 * @module
 */
import { dirname } from "node:path";

/**
 * The last `lines` lines of a file, read backwards in chunks so large logs cost little.
 *
 * @param path File to read.
 * @param lines How many lines.
 * @returns The text of those lines (with their newlines), or "" for a missing file.
 */
export async function tailLines(path: string, lines: number): Promise<string> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return "";
    throw error;
  }
  try {
    return await tailOfFile(file, (await file.stat()).size, lines);
  } finally {
    file.close();
  }
}

/** The last `lines` lines of the first `end` bytes of an open file. */
async function tailOfFile(file: Deno.FsFile, end: number, lines: number): Promise<string> {
  const chunks: Uint8Array[] = [];
  let position = end;
  let newlines = 0;
  const chunkSize = 64 * 1024;
  while (position > 0 && newlines <= lines) {
    const start = Math.max(0, position - chunkSize);
    const buffer = new Uint8Array(position - start);
    await file.seek(start, Deno.SeekMode.Start);
    let read = 0;
    while (read < buffer.length) {
      const n = await file.read(buffer.subarray(read));
      if (n === null) break;
      read += n;
    }
    chunks.unshift(buffer.subarray(0, read));
    for (const byte of buffer.subarray(0, read)) if (byte === 10) newlines++;
    position = start;
  }
  const text = new TextDecoder().decode(concat(chunks));
  const all = text.split("\n");
  const trailing = text.endsWith("\n");
  if (trailing) all.pop();
  const kept = all.slice(Math.max(0, all.length - lines));
  return kept.length === 0 ? "" : kept.join("\n") + (trailing ? "\n" : "");
}

function countLines(text: string): number {
  return text === "" ? 0 : text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
}

/**
 * The last `lines` lines of a rotated log: when the current file holds fewer (it was just
 * rotated), the rest comes from the newest backup (`<path>.1`).
 *
 * @param path Current log file.
 * @param lines How many lines.
 * @returns The text of those lines.
 */
export async function tailRotatedLog(path: string, lines: number): Promise<string> {
  const current = await tailLines(path, lines);
  const have = countLines(current);
  if (have >= lines) return current;
  return (await tailLines(`${path}.1`, lines - have)) + current;
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** Options for {@linkcode followLog}. */
export interface FollowOptions {
  /** Stop following when this signal aborts. */
  signal: AbortSignal;
  /** Lines of history to deliver first (from the newest backup too when needed). @default 0 */
  lines?: number;
  /** How long to wait when there is nothing new, ms. @default 100 */
  intervalMs?: number;
  /** Applied to the history (whole lines) before delivery, e.g. to keep lines since a time. */
  historyFilter?: (history: string) => string;
}

/**
 * Wakes the follower as soon as something changes in the log directory (inotify through
 * `Deno.watchFs`), so a burst that starts while it idles is read from its first bytes instead of
 * after a poll period, during which supervisord may rotate through every backup. The poll period
 * stays as a fallback (a directory that cannot be watched).
 */
class DirWaker {
  #watcher: Deno.FsWatcher | undefined;
  #pending = false;
  #wake: (() => void) | undefined;

  constructor(dir: string) {
    try {
      this.#watcher = Deno.watchFs(dir, { recursive: false });
    } catch {
      return;
    }
    (async () => {
      for await (const _event of this.#watcher!) {
        this.#pending = true;
        this.#wake?.();
      }
    })().catch(() => {});
  }

  /** Resolve at the next change (or one that came since the last wait), or after `ms`. */
  async wait(ms: number, signal: AbortSignal): Promise<void> {
    if (!this.#pending) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      let onAbort: (() => void) | undefined;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        onAbort = resolve;
        timer = setTimeout(resolve, ms);
        signal.addEventListener("abort", onAbort, { once: true });
      });
      clearTimeout(timer);
      if (onAbort) signal.removeEventListener("abort", onAbort);
      this.#wake = undefined;
    }
    this.#pending = false;
  }

  close(): void {
    try {
      this.#watcher?.close();
    } catch {
      // Already closed.
    }
  }
}

/** Most rotated copies looked at when searching for the files written since the last wake. */
const MAX_BACKUPS = 1000;
const READ_SIZE = 256 * 1024;

/** An open log file and how far it has been delivered. */
interface Followed {
  file: Deno.FsFile;
  ino: number | null;
  offset: number;
}

async function openFollowed(path: string): Promise<Followed | undefined> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  return { file, ino: (await file.stat()).ino, offset: 0 };
}

/** Deliver everything from `offset` to the end of the file. @returns Bytes delivered. */
async function drain(followed: Followed, sink: (bytes: Uint8Array) => void): Promise<number> {
  await followed.file.seek(followed.offset, Deno.SeekMode.Start);
  const buffer = new Uint8Array(READ_SIZE);
  let total = 0;
  while (true) {
    const n = await followed.file.read(buffer);
    if (n === null || n === 0) return total;
    followed.offset += n;
    total += n;
    sink(buffer.slice(0, n));
  }
}

/** One look along `path`, `path.1`, … up to the followed file: what each name held, opened. */
interface Scan {
  /** Distinct files newer than the followed one, in name order (`path` first). */
  files: Followed[];
  /** The inode seen at each name looked at (null: missing). */
  seen: (number | null)[];
}

async function scanNames(path: string, oldIno: number | null): Promise<Scan> {
  const files: Followed[] = [];
  const seen: (number | null)[] = [];
  let misses = 0;
  for (let i = 0; i <= MAX_BACKUPS && misses < 2; i++) {
    const next = await openFollowed(rotatedName(path, i));
    seen.push(next?.ino ?? null);
    if (next === undefined) {
      misses++;
      continue;
    }
    misses = 0;
    if (next.ino === oldIno || files.some((f) => f.ino === next.ino)) {
      next.file.close();
      if (next.ino === oldIno) break;
      continue;
    }
    files.push(next);
  }
  return { files, seen };
}

function rotatedName(path: string, i: number): string {
  return i === 0 ? path : `${path}.${i}`;
}

async function inodeAt(path: string): Promise<number | null> {
  try {
    return (await Deno.stat(path)).ino;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}

/**
 * The files that replaced `oldIno` at `path`, oldest first (`path.k-1` … `path.1`, `path`),
 * opened. Name order is age order only when no rotation ran during the look (one that did can
 * show a newer file at a higher number, or one file twice), so the names are checked again and
 * the look repeated until both agree.
 */
async function successors(path: string, oldIno: number | null): Promise<Followed[]> {
  for (let attempt = 1;; attempt++) {
    const scan = await scanNames(path, oldIno);
    let stable = true;
    for (let i = 0; i < scan.seen.length && stable; i++) {
      stable = (await inodeAt(rotatedName(path, i))) === scan.seen[i];
    }
    // Rotations come once per log_maxbytes written; a look takes far less, so this ends fast.
    if (stable || attempt === 100) return scan.files.reverse();
    for (const followed of scan.files) followed.file.close();
  }
}

/**
 * Deliver the last `lines` lines of a log, then everything appended to it, until the signal
 * aborts. Follows by file offset and reads to the end of the file on every wake, so a burst
 * loses nothing. Across rotation (supervisord renames `<path>` to `<path>.1` and starts a new
 * `<path>`) it finishes the old file through its open descriptor, then reads every file written
 * since (several rotations may pass between two wakes) from their start, oldest first; a
 * truncated file is read again from 0.
 *
 * @param path Log file to follow (need not exist yet).
 * @param sink Receives the bytes, in order, each exactly once.
 * @param options Abort signal, history lines and idle wait.
 * @returns Resolves once the signal aborted.
 * @example Usage
 * ```ts ignore
 * const stop = new AbortController();
 * await followLog("/srv/state/logs/pump.log", (b) => Deno.stdout.writeSync(b), {
 *   signal: stop.signal,
 *   lines: 10,
 * });
 * ```
 */
export async function followLog(
  path: string,
  sink: (bytes: Uint8Array) => void,
  options: FollowOptions,
): Promise<void> {
  const encoder = new TextEncoder();
  const lines = options.lines ?? 0;
  const waker = new DirWaker(dirname(path));
  let current = await openFollowed(path);
  try {
    if (current) current.offset = (await current.file.stat()).size;
    // History from the same descriptor, up to exactly where following starts.
    let history = current && lines > 0 ? await tailOfFile(current.file, current.offset, lines) : "";
    const have = countLines(history);
    if (have < lines) history = (await tailLines(`${path}.1`, lines - have)) + history;
    if (options.historyFilter) history = options.historyFilter(history);
    if (history !== "") sink(encoder.encode(history));
    while (!options.signal.aborted) {
      let delivered = current ? await drain(current, sink) : 0;
      let info: Deno.FileInfo | undefined;
      try {
        info = await Deno.stat(path);
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }
      if (current === undefined) {
        current = info ? await openFollowed(path) : undefined;
        if (current) delivered += await drain(current, sink);
      } else if (info && info.ino !== current.ino) {
        // Rotated: the writer closed the old file before it made the new one, so what is in
        // the old file now is all there will be.
        delivered += await drain(current, sink);
        const chain = await successors(path, current.ino);
        // Closed only now, so its inode number cannot be reused by a new file meanwhile.
        current.file.close();
        current = chain.pop();
        for (const rotated of chain) {
          delivered += await drain(rotated, sink);
          rotated.file.close();
        }
        if (current) delivered += await drain(current, sink);
      } else if (info && info.size < current.offset) {
        current.offset = 0; // Truncated in place.
        delivered += await drain(current, sink);
      }
      if (delivered === 0 && !options.signal.aborted) {
        await waker.wait(options.intervalMs ?? 100, options.signal);
      }
    }
  } finally {
    current?.file.close();
    waker.close();
  }
}
