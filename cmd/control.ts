/**
 * `iocsup control <ioc|all> stop|run|reset`: write the manager's `_control` (or `MAN:all`) PV
 * over Channel Access (pvAccess when `general.ca` is false), so access rules apply and the PVs
 * follow, as for any client.
 *
 * @module
 */
import { CaClient } from "../mod/ca/mod.ts";
import { PvaClient } from "../mod/pva/client/mod.ts";
import { CONTROL_STATES } from "../mod/manager/pv_specs.ts";
import { UsageError } from "../mod/errors.ts";
import { boolFlag, COMMON_OPTIONS_HELP, parseCommandArgs } from "./_common.ts";
import { pvaSearchOptions, SEARCH_HELP, searchOptions, TIMEOUT_FLAG, timeoutMs } from "./_ca.ts";
import { loadContext } from "./_context.ts";
import { out } from "./_output.ts";

/** Help text. */
export const help = `iocsup control: stop, run or reset an IOC (or all) through the manager's PVs

USAGE
  iocsup control <ioc|all> stop|run|reset [--wait]

Writes {prefix}:MAN:<ioc>_control (or {prefix}:MAN:all) over Channel Access: the same path as
caput from a screen, so general.access applies and every PV follows. "all" acts on the IOCs with
autostart: true. With general.ca: false it writes over pvAccess (general.pva's port, or
EPICS_PVA_ADDR_LIST), where every put returns once the action is done, as with --wait.

OPTIONS
      --wait           put with callback: return once the manager has completed the action
  -w, --timeout SEC    time to find the manager and get its answer (default 5; with --wait,
                       the longest stopwaitsecs + 30)
      --json           print one JSON document
${COMMON_OPTIONS_HELP}

${SEARCH_HELP}

EXIT CODES
  0 done, 1 manager not found, timed out or write refused (the reason is printed), 2 usage

EXAMPLES
  iocsup control counter2 run
  iocsup control all stop --wait
`;

/** Run the command. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(args, {
    ...TIMEOUT_FLAG,
    wait: { type: "boolean" },
    json: { type: "boolean" },
  }, 2);
  const [target, actionText] = parsed.positionals;
  if (target === undefined) throw new UsageError("Missing IOC name (or all)");
  if (actionText === undefined) throw new UsageError("Missing action: stop, run or reset");
  const action = CONTROL_STATES.findIndex((s) => s.toLowerCase() === actionText.toLowerCase());
  if (action < 0) {
    throw new UsageError(`Cannot use action "${actionText}": expected stop, run or reset`);
  }
  const { settings } = await loadContext(parsed);
  const iocs = target === "all"
    ? settings.iocs.filter((ioc) => ioc.autostart)
    : settings.iocs.filter((ioc) => ioc.name === target);
  if (target !== "all" && iocs.length === 0) {
    const known = settings.iocs.map((ioc) => ioc.name).join(", ");
    throw new UsageError(`Cannot find IOC "${target}" in ${settings.file}: known are ${known}`);
  }
  const wait = boolFlag(parsed, "wait");
  const stopWait = Math.max(10, ...iocs.map((ioc) => ioc.stopwaitsecs));
  const ms = timeoutMs(parsed, wait ? stopWait + 30 : 5);
  const prefix = settings.general.prefix;
  const pv = target === "all" ? `${prefix}:MAN:all` : `${prefix}:MAN:${target}_control`;
  const env = Deno.env.toObject();
  // A PVA put is answered when the action is done: give it the time --wait gets.
  const overPva = settings.general.ca === false;
  const client = overPva
    ? new PvaClient(pvaSearchOptions(settings, env))
    : new CaClient(searchOptions(settings, env));
  try {
    if (client instanceof PvaClient) {
      await client.put(pv, action, { timeoutMs: timeoutMs(parsed, stopWait + 30) });
    } else await client.put(pv, action, { timeoutMs: ms, wait });
  } finally {
    await client.close();
  }
  const state = CONTROL_STATES[action]!;
  if (boolFlag(parsed, "json")) {
    const completed = wait || overPva;
    out(JSON.stringify({ ioc: target, pv, action: state, completed }, null, 2) + "\n");
  } else out(`${target}: ${state} ${wait || overPva ? "done" : "requested"}\n`);
  return 0;
}
