/**
 * EPICS base's own programs (caget, catime, acctst, softIoc), used by optional tests and the CA
 * benchmarks when they are on PATH. They are not packaged with iocsup.
 *
 * @module
 */
import { delimiter, join } from "node:path";

/**
 * An executable on PATH.
 *
 * @param name File name, e.g. `"acctst"`.
 * @returns Its path, or `undefined` when no PATH directory holds it.
 */
export function findOnPath(name: string): string | undefined {
  for (const dir of (Deno.env.get("PATH") ?? "").split(delimiter)) {
    try {
      const path = join(dir, name);
      if (Deno.statSync(path).isFile) return path;
    } catch {
      // Not in this directory.
    }
  }
  return undefined;
}
