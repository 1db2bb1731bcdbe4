/**
 * `iocsup monitor PV…`: print every change of PVs over Channel Access, like camonitor.
 *
 * @module
 */
import type { Monitor } from "../mod/ca/mod.ts";
import { UsageError } from "../mod/errors.ts";
import { boolFlag, COMMON_OPTIONS_HELP, onStopSignal, parseCommandArgs } from "./_common.ts";
import {
  alarmText,
  commandClients,
  SEARCH_HELP,
  TIMEOUT_FLAG,
  TIMEOUT_HELP,
  timeoutMs,
  timestampText,
  valueJson,
  valueText,
} from "./_ca.ts";
import { note, out } from "./_output.ts";

/** Help text. */
export const help = `iocsup monitor: print every change of PVs (like camonitor, pvmonitor)

USAGE
  iocsup monitor [options] PV...

Prints NAME TIMESTAMP VALUE [SEVERITY STATUS] for the first value and every change, and
NAME *** disconnected when a server goes away (it reconnects by itself). Runs until Ctrl-C or
SIGTERM (exit 0). PVs not found within the timeout are named on stderr and still searched for;
when none is found, it exits 1.

OPTIONS
  -n, --numeric        enums as numbers
      --json           one JSON object per line: {name, value, severity, status, timestamp},
                       or {name, connected: false}
${TIMEOUT_HELP}
${COMMON_OPTIONS_HELP}

${SEARCH_HELP}

EXAMPLES
  iocsup monitor DEMO:MAN:flaky_status DEMO:MAN:flaky_control
  iocsup monitor --json DEMO:MAN:counter1_hb | jq .value
  iocsup monitor pva://IOC1:HEARTBEAT
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
  const json = boolFlag(parsed, "json");
  const client = await commandClients(parsed);
  const width = Math.max(...names.map((n) => n.length));
  const connected = new Set<string>();
  const { promise: stopped, resolve: stop } = Promise.withResolvers<number>();
  const monitors: Monitor[] = names.map((name) =>
    client.monitor(name, (v) => {
      if (json) out(JSON.stringify(valueJson(name, v)) + "\n");
      else {
        const line = [name.padEnd(width), timestampText(v.timestamp), valueText(v.value)];
        out([...line, alarmText(v)].join(" ").trimEnd() + "\n");
      }
    }, {
      enumAsString: !boolFlag(parsed, "numeric"),
      onConnection: (up) => {
        if (up) connected.add(name);
        else if (json) out(JSON.stringify({ name, connected: false }) + "\n");
        else out(`${name.padEnd(width)} *** disconnected\n`);
      },
    })
  );
  const timer = setTimeout(() => {
    const missing = names.filter((n) => !connected.has(n));
    for (const n of missing) note(`iocsup monitor: "${n}" not found within ${ms / 1000} s`);
    if (missing.length === names.length) stop(1);
  }, ms);
  const release = onStopSignal(() => stop(0));
  try {
    return await stopped;
  } finally {
    clearTimeout(timer);
    release();
    for (const m of monitors) m.cancel();
    await client.close();
  }
}
