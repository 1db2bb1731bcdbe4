/**
 * `iocsup validate`: check the settings and show what would be generated. Exit 2 on errors.
 *
 * @module
 */
import { boolFlag, COMMON_OPTIONS_HELP, parseCommandArgs } from "./_common.ts";
import { loadContext } from "./_context.ts";
import { out, table } from "./_output.ts";

/** Help text. */
export const help = `iocsup validate: check settings and show what will be generated

USAGE
  iocsup validate [--json]

Every problem is reported as FILE:LINE:COL: message, and the exit code is 2.

OPTIONS
      --json           print one JSON document
${COMMON_OPTIONS_HELP}
`;

/** Run the command. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(args, { json: { type: "boolean" } });
  const ctx = await loadContext(parsed);
  const { settings, paths } = ctx;
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
  return 0;
}
