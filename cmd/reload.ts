/**
 * `iocsup reload`: re-read settings and apply added, removed and changed IOCs through
 * supervisord without touching unchanged ones; the manager then adds/removes their PVs.
 *
 * @module
 */
import { NotRunningError } from "../mod/errors.ts";
import {
  isRunning,
  MANAGER_LISTENER_NAME,
  SupervisorClient,
  SupervisorFault,
} from "../mod/supervisor/mod.ts";
import { boolFlag, COMMON_OPTIONS_HELP, parseCommandArgs } from "./_common.ts";
import { loadContext } from "./_context.ts";
import { out } from "./_output.ts";
import { prepareStateDir } from "./_prepare.ts";

/** Help text. */
export const help = `iocsup reload: apply changed settings without touching unchanged IOCs

USAGE
  iocsup reload [--json]

Validates the settings, rewrites supervisord.conf, and asks supervisord to reload it: new IOCs
are added (and started if autostart), removed IOCs are stopped and removed, changed IOCs are
restarted with their new settings. Unchanged IOCs keep running with the same pid. The manager
then serves the PVs of the new set.

OPTIONS
      --json           print {"added": […], "changed": […], "removed": […]}
${COMMON_OPTIONS_HELP}

EXIT CODES
  0 applied, 2 invalid settings (nothing changed), 3 supervisord is not running
`;

async function ignoreFault(call: Promise<unknown>, ...names: string[]): Promise<void> {
  try {
    await call;
  } catch (error) {
    if (!(error instanceof SupervisorFault && names.includes(error.faultName))) throw error;
  }
}

/** Run the command. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(args, { json: { type: "boolean" } });
  const ctx = await loadContext(parsed);
  if (!(await isRunning(ctx.paths))) {
    throw new NotRunningError(
      `supervisord is not running for ${ctx.paths.dir}: use "iocsup start-daemon"`,
    );
  }
  await prepareStateDir(ctx);
  // A stopProcess below waits up to the IOC's stopwaitsecs; a hung supervisord has already
  // failed isRunning's short timeout.
  const maxStopWait = Math.max(10, ...ctx.settings.iocs.map((ioc) => ioc.stopwaitsecs));
  const client = new SupervisorClient(ctx.paths.socket, { timeoutMs: (maxStopWait + 30) * 1000 });
  const { added, changed, removed } = await client.reloadConfig();
  for (const name of [...removed, ...changed]) {
    await ignoreFault(client.stopProcess(name, true), "NOT_RUNNING", "BAD_NAME");
    await ignoreFault(client.removeProcessGroup(name), "BAD_NAME");
  }
  for (const name of [...changed, ...added]) {
    await ignoreFault(client.addProcessGroup(name), "ALREADY_ADDED");
  }
  const managerReplaced = [...added, ...changed].includes(MANAGER_LISTENER_NAME);
  if (!managerReplaced) {
    await ignoreFault(
      client.signalProcess(MANAGER_LISTENER_NAME, "HUP"),
      "NOT_RUNNING",
      "BAD_NAME",
    );
  }
  const iocs = (list: string[]) => list.filter((name) => name !== MANAGER_LISTENER_NAME);
  const result = { added: iocs(added), changed: iocs(changed), removed: iocs(removed) };
  if (boolFlag(parsed, "json")) {
    out(JSON.stringify(result, null, 2) + "\n");
  } else {
    const unchanged = ctx.settings.iocs.length - result.added.length - result.changed.length;
    out(
      `added: ${result.added.join(", ") || "-"}\nchanged: ${result.changed.join(", ") || "-"}\n` +
        `removed: ${result.removed.join(", ") || "-"}\nunchanged: ${unchanged}\n`,
    );
  }
  return 0;
}
