/**
 * `iocsup pvs`: list every PV the manager serves, with type and access.
 *
 * @module
 */
import { managerPvSpecs } from "../mod/manager/pv_specs.ts";
import { boolFlag, COMMON_OPTIONS_HELP, parseCommandArgs } from "./_common.ts";
import { loadContext } from "./_context.ts";
import { out, table } from "./_output.ts";

/** Help text. */
export const help = `iocsup pvs: list every PV the manager serves

USAGE
  iocsup pvs [--json]

OPTIONS
      --json           print one JSON document
${COMMON_OPTIONS_HELP}

EXAMPLES
  iocsup pvs
  iocsup pvs --json | jq -r '.pvs[].name' | xargs caget
`;

/** Run the command. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(args, { json: { type: "boolean" } });
  const { settings } = await loadContext(parsed);
  const specs = managerPvSpecs(settings);
  if (boolFlag(parsed, "json")) {
    out(JSON.stringify({ prefix: settings.general.prefix, pvs: specs }, null, 2) + "\n");
    return 0;
  }
  out(table(
    ["PV", "TYPE", "ACCESS", "MEANING"],
    specs.map((s) => [
      s.name,
      s.type === "enum" ? `enum ${s.enumStrings?.join("/")}` : s.type,
      s.access,
      s.meaning,
    ]),
  ));
  return 0;
}
