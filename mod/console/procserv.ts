/**
 * What the installed procServ can do. Debian 12 ships 2.7.0, which has no `--oneshot`; 2.8 has it.
 * The flags iocsup renders depend on it, so `procServ --help` is read once per process.
 *
 * @module
 */

/** The procServ found on PATH. */
export interface ProcServInfo {
  /** Absolute path of the executable. */
  path: string;
  /** Whether it accepts `--oneshot` (exit when the child exits; procServ ≥ 2.8). */
  oneshot: boolean;
}

let cached: ProcServInfo | null | undefined;

/**
 * Find procServ on PATH and read its options from `procServ --help`.
 *
 * @returns Its path and features, or undefined when it is not installed.
 * @example Usage
 * ```ts ignore
 * const procServ = findProcServ(); // { path: "/usr/bin/procServ", oneshot: false } on Debian 12
 * ```
 */
export function findProcServ(): ProcServInfo | undefined {
  if (cached !== undefined) return cached ?? undefined;
  cached = null;
  const path = onPath("procServ");
  if (path === undefined) return undefined;
  let help = "";
  try {
    const out = new Deno.Command(path, { args: ["--help"], stdin: "null" }).outputSync();
    const decoder = new TextDecoder();
    help = decoder.decode(out.stdout) + decoder.decode(out.stderr);
  } catch {
    return undefined;
  }
  cached = parseProcServHelp(path, help);
  return cached;
}

/**
 * Features of a procServ from its `--help` text. Pure.
 *
 * @param path The executable.
 * @param help What `procServ --help` printed (stdout and stderr).
 * @returns The info.
 * @example Usage
 * ```ts
 * import { parseProcServHelp } from "./procserv.ts";
 * parseProcServHelp("/usr/bin/procServ", "    --oneshot  once").oneshot; // true
 * ```
 */
export function parseProcServHelp(path: string, help: string): ProcServInfo {
  return { path, oneshot: /(^|\s)--oneshot\b/m.test(help) };
}

function onPath(program: string): string | undefined {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (dir === "") continue;
    const path = `${dir}/${program}`;
    try {
      if (Deno.statSync(path).isFile) return path;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

/**
 * The procServ to render console programs with: looked up only when an IOC has a console.
 *
 * @param iocs The IOCs of the settings.
 * @returns procServ's info, or undefined when no IOC needs it (or it is missing: rendering then
 *   fails naming the IOC).
 * @example Usage
 * ```ts ignore
 * renderConf(settings, { ...options, procServ: procServFor(settings.iocs) });
 * ```
 */
export function procServFor(
  iocs: readonly { console?: boolean | undefined }[],
): ProcServInfo | undefined {
  return iocs.some((ioc) => ioc.console === true) ? findProcServ() : undefined;
}
