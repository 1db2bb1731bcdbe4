/**
 * Write a file so that readers see either the old or the new content, never half of it.
 *
 * @module
 */
import { dirname, join } from "node:path";

const TEMP_NAME = /^\.iocsup-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.tmp$/;

/**
 * Whether a file name is a temporary file of {@linkcode atomicWriteTextFile} (left behind only
 * when the process died mid-write), so `clean` can remove it and nothing else.
 *
 * @param name A file name without directory.
 * @returns True for `.iocsup-<uuid>.tmp`.
 * @example Usage
 * ```ts
 * import { isAtomicTempName } from "./atomic_write.ts";
 * isAtomicTempName(".iocsup-0b6f3a52-3c1e-4d0e-9a57-2f1c7e9d8a10.tmp"); // true
 * isAtomicTempName("notes.tmp"); // false
 * ```
 */
export function isAtomicTempName(name: string): boolean {
  return TEMP_NAME.test(name);
}

/**
 * Write `text` to `path` atomically: a temporary file in the same directory, fsync, rename.
 *
 * @param path Destination.
 * @param text Content.
 * @param options `mode` of the new file (default 0o644).
 */
export async function atomicWriteTextFile(
  path: string,
  text: string,
  options: { mode?: number } = {},
): Promise<void> {
  const tmp = join(dirname(path), `.iocsup-${crypto.randomUUID()}.tmp`);
  try {
    const file = await Deno.open(tmp, {
      write: true,
      createNew: true,
      mode: options.mode ?? 0o644,
    });
    try {
      const bytes = new TextEncoder().encode(text);
      for (let written = 0; written < bytes.length;) {
        written += await file.write(bytes.subarray(written));
      }
      await file.sync();
    } finally {
      file.close();
    }
    if (options.mode !== undefined) await Deno.chmod(tmp, options.mode);
    await Deno.rename(tmp, path);
  } catch (error) {
    await Deno.remove(tmp).catch(() => {});
    throw error;
  }
}
