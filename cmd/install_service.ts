/**
 * `iocsup install-service`: write a systemd unit that runs `iocsup start`, reload systemd and
 * enable it.
 *
 * @module
 */
import { join } from "node:path";
import { UsageError } from "../mod/errors.ts";
import { atomicWriteTextFile } from "../mod/atomic_write.ts";
import { selfCommand } from "../mod/self_command.ts";
import { loadUnitTemplate, renderUnit } from "../mod/service/unit_render.ts";
import { boolFlag, COMMON_OPTIONS_HELP, parseCommandArgs, stringFlag } from "./_common.ts";
import { loadContext } from "./_context.ts";
import { note, out } from "./_output.ts";

/** Help text. */
export const help = `iocsup install-service: install a systemd unit that runs "iocsup start"

USAGE
  iocsup install-service [--user] [--print | --dry-run] [--now] [--name NAME]

The unit runs "iocsup start" (Type=simple), stops with "iocsup stop", restarts on failure and
allows every IOC its stopwaitsecs. Paths are absolute. Without --print/--dry-run the unit is
written, then "systemctl daemon-reload" and "systemctl enable" run.

OPTIONS
      --user           a user unit (~/.config/systemd/user) instead of a system unit (needs root)
      --print          print the unit to stdout; change nothing
      --dry-run        say what would be written and run; change nothing
      --now            also start it (systemctl enable --now)
      --name NAME      unit name (default ioc-supervisor)
${COMMON_OPTIONS_HELP}

EXAMPLES
  sudo iocsup install-service --config /epics/settings.yaml --now
  iocsup install-service --user --print > ioc-supervisor.service
`;

/** Run the command. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(args, {
    user: { type: "boolean" },
    print: { type: "boolean" },
    "dry-run": { type: "boolean" },
    now: { type: "boolean" },
    name: { type: "string" },
  });
  const name = stringFlag(parsed, "name") ?? "ioc-supervisor";
  if (!/^[A-Za-z0-9_.@-]+$/.test(name)) {
    throw new UsageError(`Cannot use unit name "${name}": only [A-Za-z0-9_.@-] allowed`);
  }
  const user = boolFlag(parsed, "user");
  const ctx = await loadContext(parsed);
  if (ctx.demo) {
    throw new UsageError("Cannot install a service for the embedded demo: give --config");
  }
  const unit = renderUnit(await loadUnitTemplate(), {
    iocsup: selfCommand(),
    settingsFile: ctx.settings.file,
    stateDir: ctx.paths.dir,
    maxStopWaitSecs: Math.max(0, ...ctx.settings.iocs.map((ioc) => ioc.stopwaitsecs)),
    user,
  });
  if (boolFlag(parsed, "print")) {
    out(unit);
    return 0;
  }
  const home = Deno.env.get("HOME") ?? "";
  const dir = user ? join(home, ".config/systemd/user") : "/etc/systemd/system";
  const path = join(dir, `${name}.service`);
  const systemctl = user ? ["systemctl", "--user"] : ["systemctl"];
  const commands = [
    [...systemctl, "daemon-reload"],
    [...systemctl, "enable", ...(boolFlag(parsed, "now") ? ["--now"] : []), `${name}.service`],
  ];
  if (boolFlag(parsed, "dry-run")) {
    out(`would write ${path}\n`);
    for (const command of commands) out(`would run ${command.join(" ")}\n`);
    return 0;
  }
  if (!user && Deno.uid() !== 0) {
    throw new UsageError(
      "Cannot install a system unit without root: run it with sudo, or use --user for a user unit",
    );
  }
  await Deno.mkdir(dir, { recursive: true });
  await atomicWriteTextFile(path, unit);
  out(`wrote ${path}\n`);
  for (const [cmd, ...cmdArgs] of commands) {
    const result = await new Deno.Command(cmd!, {
      args: cmdArgs,
      stdout: "inherit",
      stderr: "inherit",
    })
      .output();
    if (!result.success) {
      note(`"${[cmd, ...cmdArgs].join(" ")}" failed with exit code ${result.code}`);
      return 1;
    }
    out(`ran ${[cmd, ...cmdArgs].join(" ")}\n`);
  }
  return 0;
}
