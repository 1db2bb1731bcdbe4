/**
 * `iocsup version`: print the version.
 *
 * @module
 */
import denoJson from "../deno.json" with { type: "json" };
import { boolFlag, COMMON_OPTIONS_HELP, parseCommandArgs } from "./_common.ts";
import { out } from "./_output.ts";

/** Help text. */
export const help = `iocsup version: print the version

USAGE
  iocsup version [--json]

OPTIONS
      --json           print {"version": …, "deno": …}
${COMMON_OPTIONS_HELP}
`;

/** Run the command. */
export function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(args, { json: { type: "boolean" } });
  if (boolFlag(parsed, "json")) {
    out(JSON.stringify({ version: denoJson.version, deno: Deno.version.deno }) + "\n");
  } else {
    out(`iocsup ${denoJson.version} (deno ${Deno.version.deno})\n`);
  }
  return Promise.resolve(0);
}
