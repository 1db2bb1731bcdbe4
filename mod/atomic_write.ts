/**
 * Write a file so that readers see either the old or the new content, never half of it.
 *
 * @module
 */
import { dirname, join } from "node:path";

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
  const tmp = join(dirname(path), `.${crypto.randomUUID()}.tmp`);
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
