/**
 * Read log files from disk: the last lines of a file, and following a file across rotation.
 * (supervisord's RPC log reads fail with HTTP 500 when a read splits a UTF-8 character.)
 *
 * @module
 */

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
    const size = (await file.stat()).size;
    const chunks: Uint8Array[] = [];
    let position = size;
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
  } finally {
    file.close();
  }
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
  const have = current === "" ? 0 : current.split("\n").length - (current.endsWith("\n") ? 1 : 0);
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

/** Options for {@linkcode followFile}. */
export interface FollowOptions {
  /** Stop following when this signal aborts. */
  signal: AbortSignal;
  /** Poll period in ms. @default 200 */
  intervalMs?: number;
}

/**
 * Write what is appended to `path` to `sink`, starting at its current end. Survives rotation:
 * when the file is replaced (new inode) or truncated, continues from the new file's start.
 *
 * @param path File to follow.
 * @param sink Receives new bytes.
 * @param options Abort signal and poll period.
 */
export async function followFile(
  path: string,
  sink: (bytes: Uint8Array) => void,
  options: FollowOptions,
): Promise<void> {
  let file: Deno.FsFile | undefined;
  let inode: number | null = null;
  let offset = 0;
  const open = async (fromEnd: boolean) => {
    try {
      file = await Deno.open(path, { read: true });
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return;
      throw error;
    }
    const info = await file.stat();
    inode = info.ino;
    offset = fromEnd ? info.size : 0;
  };
  const drain = async () => {
    if (!file) return;
    await file.seek(offset, Deno.SeekMode.Start);
    const buffer = new Uint8Array(64 * 1024);
    while (true) {
      const n = await file.read(buffer);
      if (n === null || n === 0) break;
      offset += n;
      sink(buffer.slice(0, n));
    }
  };
  await open(true);
  try {
    while (!options.signal.aborted) {
      await new Promise((r) => setTimeout(r, options.intervalMs ?? 200));
      let current: Deno.FileInfo | undefined;
      try {
        current = await Deno.stat(path);
      } catch {
        current = undefined;
      }
      if (file && (current === undefined || current.ino !== inode || current.size < offset)) {
        // Rotated away or truncated: finish the old file, then start the new one from 0.
        await drain();
        file.close();
        file = undefined;
      }
      if (!file && current !== undefined) await open(false);
      await drain();
    }
  } finally {
    file?.close();
  }
}
