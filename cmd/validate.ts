/**
 * `iocsup validate`: check the settings and show what would be generated. Exit 2 on errors (and
 * on warnings with --strict).
 *
 * @module
 */
import { consoleSocketPath } from "../mod/console/paths.ts";
import { procServFor } from "../mod/console/procserv.ts";
import { ConfigError } from "../mod/errors.ts";
import { boolFlag, COMMON_OPTIONS_HELP, parseCommandArgs } from "./_common.ts";
import { formatWarning, loadContext } from "./_context.ts";
import { note, out, table } from "./_output.ts";

/** Help text. */
export const help = `iocsup validate: check settings and show what will be generated

USAGE
  iocsup validate [--json] [--strict]

Every problem is reported as FILE:LINE:COL: message, and the exit code is 2. Warnings (unknown
keys in general, likely typos of iocsup keys, a heartbeat search that cannot reach every CA
server on this host) are printed to stderr as FILE:LINE:COL: warning: message.

OPTIONS
      --json           print one JSON document (warnings included)
      --strict         treat warnings as errors (exit 2)
${COMMON_OPTIONS_HELP}

EXAMPLES
  iocsup validate --strict --config /srv/iocs/settings.yaml
`;

/** Run the command. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(args, {
    json: { type: "boolean" },
    strict: { type: "boolean" },
  });
  const ctx = await loadContext(parsed, { printWarnings: false });
  const { settings, paths } = ctx;
  const warnings = settings.warnings ?? [];
  if (boolFlag(parsed, "strict") && warnings.length > 0) throw new ConfigError(warnings);
  for (const warning of warnings) note(formatWarning(warning));
  const prefix = settings.general.prefix;
  if (boolFlag(parsed, "json")) {
    out(
      JSON.stringify(
        {
          settings: settings.file,
          demo: ctx.demo,
          stateDir: paths.dir,
          conf: paths.conf,
          prefix,
          iocs: settings.iocs,
          warnings,
        },
        null,
        2,
      ) + "\n",
    );
    return 0;
  }
  out(
    `${
      ctx.demo ? "(embedded demo)" : settings.file
    }: OK, ${settings.iocs.length} IOCs, PV prefix ${prefix}:MAN:\n\n`,
  );
  out(table(
    ["IOC", "AUTOSTART", "AUTORESTART", "COMMAND", "DIRECTORY"],
    settings.iocs.map((
      ioc,
    ) => [ioc.name, ioc.autostart ? "yes" : "no", ioc.autorestart, ioc.command, ioc.directory]),
  ));
  out(`\nwould generate:\n`);
  out(`  ${paths.conf}\n`);
  out(
    `  ${paths.logDir}/<ioc>.log, <ioc>_error.log (rotated at ${settings.general.logMaxBytes} bytes, ${settings.general.logBackups} backups)\n`,
  );
  out(`  ${prefix}:MAN:all and ${prefix}:MAN:<ioc>_control, _hb for each IOC\n`);
  const consoles = settings.iocs.filter((ioc) => ioc.console === true).map((ioc) => ioc.name);
  const procServ = procServFor(settings.iocs);
  if (consoles.length > 0 && procServ !== undefined) {
    out(
      `  ${consoleSocketPath(paths.dir, "<ioc>")} (console of ${consoles.join(", ")}: ` +
        `${procServ.path}${procServ.oneshot ? " with --oneshot" : ", no --oneshot"})\n`,
    );
  }
  return 0;
}
