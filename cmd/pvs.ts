/**
 * `iocsup pvs`: list every PV the manager serves, with type, access and the protocols serving it.
 *
 * @module
 */
import { managerPvSpecs } from "../mod/manager/pv_specs.ts";
import type { Settings } from "../mod/config/types.ts";
import { boolFlag, COMMON_OPTIONS_HELP, parseCommandArgs } from "./_common.ts";
import { loadContext } from "./_context.ts";
import { out, table } from "./_output.ts";

/** Help text. */
export const help = `iocsup pvs: list every PV the manager serves

USAGE
  iocsup pvs [--json]

Each PV is served over Channel Access and pvAccess (PVA: NTEnum/NTScalar as QSRV serves the same
record type), unless general.ca or general.pva is false. Record fields (NAME.SEVR, NAME.DESC …)
are served as read-only channels over both.

OPTIONS
      --json           print one JSON document
${COMMON_OPTIONS_HELP}

EXAMPLES
  iocsup pvs
  iocsup pvs --json | jq -r '.pvs[].name' | xargs caget
`;

/**
 * The protocols the manager serves its PVs over.
 *
 * @param settings The settings.
 * @returns `["CA", "PVA"]`, or one of them when the other is off.
 */
function servedOver(settings: Settings): string[] {
  const protocols: string[] = [];
  if (settings.general.ca !== false) protocols.push("CA");
  if (settings.general.pva !== false) protocols.push("PVA");
  return protocols;
}

/** Run the command. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(args, { json: { type: "boolean" } });
  const { settings } = await loadContext(parsed);
  const specs = managerPvSpecs(settings);
  const protocols = servedOver(settings);
  if (boolFlag(parsed, "json")) {
    const doc = { prefix: settings.general.prefix, protocols, pvs: specs };
    out(JSON.stringify(doc, null, 2) + "\n");
    return 0;
  }
  out(table(
    ["PV", "TYPE", "ACCESS", "SERVED", "MEANING"],
    specs.map((s) => [
      s.name,
      s.type === "enum"
        ? `enum ${s.enumStrings?.join("/")}`
        : s.count
        ? `${s.type}[${s.count}]`
        : s.type,
      s.access,
      protocols.join("+"),
      s.meaning,
    ]),
  ));
  return 0;
}
