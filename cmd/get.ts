/**
 * `iocsup get PV…`: read PVs once over Channel Access, like caget.
 *
 * @module
 */
import type { ChannelValue } from "../mod/ca/mod.ts";
import { UsageError } from "../mod/errors.ts";
import { boolFlag, COMMON_OPTIONS_HELP, parseCommandArgs } from "./_common.ts";
import {
  commandClients,
  messageOf,
  nameLines,
  SEARCH_HELP,
  TIMEOUT_FLAG,
  TIMEOUT_HELP,
  timeoutMs,
  valueJson,
  valueText,
} from "./_ca.ts";
import { note, out } from "./_output.ts";

/** Help text. */
export const help = `iocsup get: read PVs over Channel Access or pvAccess (like caget, pvget)

USAGE
  iocsup get [options] PV...

Prints one aligned line per PV: NAME VALUE (arrays: NAME COUNT ELEMENTS...). Enums print as
their state strings unless -n.

OPTIONS
  -n, --numeric        enums as numbers
      --json           print one JSON document
${TIMEOUT_HELP}
${COMMON_OPTIONS_HELP}

${SEARCH_HELP}

EXIT CODES
  0 every PV read, 1 a PV not found or not readable (the others are still printed), 2 usage

EXAMPLES
  iocsup get DEMO:MAN:counter1_control DEMO:MAN:counter1_hb
  iocsup get pva://IOC1:MODE
  EPICS_CA_ADDR_LIST=127.255.255.255 iocsup get IOC1:HEARTBEAT --json
`;

/** Run the command. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(args, {
    ...TIMEOUT_FLAG,
    numeric: { type: "boolean", short: "n" },
    json: { type: "boolean" },
  }, Infinity);
  const names = parsed.positionals;
  if (names.length === 0) throw new UsageError("Missing PV name");
  const ms = timeoutMs(parsed);
  const client = await commandClients(parsed);
  let results: PromiseSettledResult<ChannelValue>[];
  try {
    const enumAsString = !boolFlag(parsed, "numeric");
    results = await Promise.allSettled(
      names.map((name) => client.get(name, { timeoutMs: ms, enumAsString })),
    );
  } finally {
    await client.close();
  }
  for (const r of results) if (r.status === "rejected") note(`iocsup get: ${messageOf(r.reason)}`);
  if (boolFlag(parsed, "json")) {
    const pvs = results.map((r, i) =>
      r.status === "fulfilled"
        ? valueJson(names[i]!, r.value)
        : { name: names[i]!, error: messageOf(r.reason) }
    );
    out(JSON.stringify({ pvs }, null, 2) + "\n");
  } else {
    out(
      nameLines(
        results.flatMap((r, i) =>
          r.status === "fulfilled" ? [[names[i]!, valueText(r.value.value)] as const] : []
        ),
      ),
    );
  }
  return results.every((r) => r.status === "fulfilled") ? 0 : 1;
}
