/**
 * How iocsup invokes itself (supervisord's event listener, systemd units): the compiled binary
 * when compiled, else `deno run` of this checkout's `main.ts` with absolute paths.
 *
 * @module
 */

/** True when running as a `deno compile` binary. */
export function isCompiled(): boolean {
  // Compiled binaries serve their modules from a virtual root named deno-compile-<name>.
  return import.meta.url.includes("/deno-compile-");
}

/**
 * The argv prefix that runs iocsup from any working directory.
 *
 * @returns `[execPath]` when compiled, else `[deno, "run", "-A", "--config", deno.json, main.ts]`.
 * @example Usage
 * ```ts
 * import { selfCommand } from "./self_command.ts";
 * const argv = [...selfCommand(), "serve"];
 * ```
 */
export function selfCommand(): string[] {
  if (isCompiled()) return [Deno.execPath()];
  const main = new URL("../main.ts", import.meta.url).pathname;
  const config = new URL("../deno.json", import.meta.url).pathname;
  return [Deno.execPath(), "run", "-A", "--quiet", "--config", config, main];
}
