/**
 * iocsup: run EPICS IOCs under supervisord and drive them over Channel Access.
 *
 * Parses the subcommand, loads only that command's module, and maps errors to exit codes.
 *
 * @module
 */
// deno-lint-ignore-file no-console
import { exitCodeFor } from "./mod/errors.ts";

/** What every `cmd/<name>.ts` module exports. */
export interface CommandModule {
  /** USAGE, OPTIONS and EXAMPLES. */
  help: string;
  /** Run with the arguments after the subcommand name; resolve to the exit code. */
  run(args: string[]): Promise<number>;
}

/** Every command: its one-line summary and how to load its module (loaded only when run). */
export const COMMANDS: Record<string, { summary: string; load: () => Promise<CommandModule> }> = {
  start: {
    summary: "run supervisord and the IOCs in the foreground",
    load: () => import("./cmd/start.ts"),
  },
  "start-daemon": {
    summary: "start supervisord in the background and wait for the IOCs",
    load: () => import("./cmd/start_daemon.ts"),
  },
  stop: { summary: "stop every IOC and supervisord", load: () => import("./cmd/stop.ts") },
  restart: { summary: "stop, then start-daemon", load: () => import("./cmd/restart.ts") },
  status: { summary: "show IOC states", load: () => import("./cmd/status.ts") },
  logs: { summary: "list logs, or show/follow one IOC's log", load: () => import("./cmd/logs.ts") },
  attach: {
    summary: "an IOC's console (or --line: lines to its stdin, log followed)",
    load: () => import("./cmd/attach.ts"),
  },
  clean: {
    summary: "stop, then remove generated files and logs",
    load: () => import("./cmd/clean.ts"),
  },
  "install-service": {
    summary: "install a systemd unit running iocsup start",
    load: () => import("./cmd/install_service.ts"),
  },
  validate: {
    summary: "check settings and show what will be generated",
    load: () => import("./cmd/validate.ts"),
  },
  reload: {
    summary: "apply changed settings without touching unchanged IOCs",
    load: () => import("./cmd/reload.ts"),
  },
  pvs: { summary: "list every PV the manager serves", load: () => import("./cmd/pvs.ts") },
  screen: {
    summary: "write a Phoebus display (.bob) for the IOCs",
    load: () => import("./cmd/screen.ts"),
  },
  control: {
    summary: "stop, run or reset an IOC (or all) through the manager's PVs",
    load: () => import("./cmd/control.ts"),
  },
  fleet: {
    summary: "the IOCs of many hosts (fleet.yaml) in one table; control one",
    load: () => import("./cmd/fleet.ts"),
  },
  get: { summary: "read PVs over Channel Access (like caget)", load: () => import("./cmd/get.ts") },
  put: {
    summary: "write a PV over Channel Access (like caput)",
    load: () => import("./cmd/put.ts"),
  },
  monitor: {
    summary: "print every change of PVs (like camonitor)",
    load: () => import("./cmd/monitor.ts"),
  },
  serve: {
    summary: "the manager (run by supervisord as an event listener)",
    load: () => import("./cmd/serve.ts"),
  },
  version: { summary: "print the version", load: () => import("./cmd/version.ts") },
};

const HELP = `iocsup: run EPICS IOCs under supervisord, controlled over Channel Access

USAGE
  iocsup <command> [options]

COMMANDS
${Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(16)}${c.summary}`).join("\n")}

Every command takes --help, --config FILE (default ./settings.yaml) and --state-dir DIR.

EXAMPLES
  iocsup start-daemon
  iocsup status --json
  iocsup logs my_ioc -f
  iocsup control my_ioc reset --wait
`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    console.error(HELP);
    return 2;
  }
  if (name === "--help" || name === "-h" || name === "help") {
    console.log(HELP);
    return 0;
  }
  if (name === "--version" || name === "-V") return main(["version"]);
  const entry = COMMANDS[name];
  if (entry === undefined) {
    console.error(
      `iocsup: unknown command "${name}"\nRun "iocsup --help" for the list of commands`,
    );
    return 2;
  }
  const command = await entry.load();
  if (rest.includes("--help") || rest.includes("-h")) {
    console.log(command.help.trimEnd());
    return 0;
  }
  const verbose = rest.includes("--verbose");
  try {
    return await command.run(rest);
  } catch (error) {
    const code = exitCodeFor(error);
    console.error(`iocsup ${name}: ${error instanceof Error ? error.message : String(error)}`);
    if (code === 2 && error instanceof Error && error.name === "UsageError") {
      console.error(`Run "iocsup ${name} --help"`);
    }
    if (verbose) {
      let cause = error instanceof Error ? error.cause : undefined;
      while (cause !== undefined) {
        console.error(`  caused by: ${cause instanceof Error ? cause.message : String(cause)}`);
        cause = cause instanceof Error ? cause.cause : undefined;
      }
    }
    return code;
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
