/**
 * Render supervisord.conf from the settings model (design.md §1–2). Rendering is pure: the
 * templates are loaded once by {@linkcode loadTemplates} and passed in, so the same settings
 * always give the same text.
 *
 * @module
 */
import type { IocSettings, Settings } from "../config/types.ts";
import type { StatePaths } from "../state_dir.ts";
import { iocLogPath } from "../state_dir.ts";
import { join } from "node:path";
import { atomicWriteTextFile } from "../atomic_write.ts";
import {
  commandFromArgv,
  escapeCommand,
  escapeConfValue,
  escapeProgramLogfile,
  formatEnvironment,
} from "./conf_escape.ts";
import { markerEnv } from "./process_marker.ts";
import { isPythonCommand, stampedCommand } from "./log_stamp.ts";
import type { ProcServInfo } from "../console/procserv.ts";
import { consoleArgv } from "../console/command.ts";
import { CONSOLE_INPUTRC_FILE } from "../console/wrapper.ts";
import { consoleReadOnlySocketPath } from "../console/paths.ts";

/**
 * V8 flags of the manager process. Its servers allocate in bursts (a client reading 10,000 PVs),
 * and V8 grows its young generation to 64 MiB for them and keeps it until seconds of idle: a 2 MB
 * semi-space keeps the manager's RSS near its live heap. Measured after 20 full reads of 10,000
 * PVs, same runs: PVA 153–166 → 111 MiB (softIocPVX 290), CA 78 → 72 MiB (softIoc 71), at the
 * same speed (pvxget server CPU, CA fan-out, put → monitor). 1 MB made the PVA server promote so
 * much that its RSS rose to ~300 MiB; 4 and 8 MB land between.
 */
export const MANAGER_V8_FLAGS = "--max-semi-space-size=2";

/** Name of the manager's event-listener pool (`[eventlistener:iocsup-manager]`). */
export const MANAGER_LISTENER_NAME = "iocsup-manager";

const IOC_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const TEMPLATE_FILES = {
  main: "supervisord.conf",
  web: "inet_http_server.conf",
  listener: "eventlistener.conf",
  program: "program.conf",
} as const;

/** The template texts, as read from `templates/`. */
export type ConfTemplates = Record<keyof typeof TEMPLATE_FILES, string>;

/** Options for {@linkcode renderConf}. */
export interface RenderConfOptions {
  /** Templates from {@linkcode loadTemplates}. */
  templates: ConfTemplates;
  /** Where supervisord keeps its socket, pid file and logs. */
  paths: StatePaths;
  /** Web UI password; overrides `general.web.password` (e.g. a generated one). */
  webPassword?: string;
  /** argv of the manager; adds `[eventlistener:iocsup-manager]` when given. */
  managerCommand?: readonly string[];
  /**
   * The `[inet_http_server]` to write instead of the one from settings (`false`: none). `reload`
   * keeps the one in force: supervisord reads that section only when it starts.
   */
  web?: { listen: string; username: string; password: string } | false;
  /** The installed procServ (`findProcServ()`); needed when an IOC has `console: true`. */
  procServ?: ProcServInfo | undefined;
}

/**
 * Read the conf templates from `templates/` beside the sources (also inside a
 * `deno compile --include templates/` binary).
 *
 * @returns The template texts.
 * @example Usage
 * ```ts
 * import { loadTemplates } from "./conf_render.ts";
 * const templates = await loadTemplates();
 * ```
 */
export async function loadTemplates(): Promise<ConfTemplates> {
  const entries = await Promise.all(
    Object.entries(TEMPLATE_FILES).map(async ([key, file]) => {
      const url = new URL(`../../templates/${file}`, import.meta.url);
      return [key, await Deno.readTextFile(url)] as const;
    }),
  );
  return Object.fromEntries(entries) as ConfTemplates;
}

/**
 * Render the complete supervisord.conf.
 *
 * @param settings The loaded settings.
 * @param options Templates, state paths, web password and the manager's argv.
 * @returns The conf text.
 * @throws {RangeError} When a value cannot be written to the conf (see `escapeConfValue`), a
 *   number is not a non-negative integer, or the web UI has no password.
 * @example Usage
 * ```ts ignore
 * import { loadTemplates, renderConf } from "./conf_render.ts";
 * const text = renderConf(settings, { templates: await loadTemplates(), paths });
 * ```
 */
export function renderConf(settings: Settings, options: RenderConfOptions): string {
  const { templates, paths } = options;
  const general = settings.general;
  const logs = {
    log_max_bytes: count(general.logMaxBytes, "general.log_max_bytes"),
    log_backups: count(general.logBackups, "general.log_backups"),
  };
  const sections: string[] = [];
  const web = options.web ?? (general.web === false ? false : {
    ...general.web,
    password: options.webPassword ?? general.web.password,
  });
  if (web !== false) {
    if (web.password === undefined || web.password === "") {
      throw new RangeError("Cannot enable the web UI without a password");
    }
    sections.push(fill(templates.web, {
      listen: escapeConfValue(web.listen),
      username: escapeConfValue(web.username),
      password: escapeConfValue(web.password),
    }));
  }
  if (options.managerCommand !== undefined) {
    sections.push(fill(templates.listener, {
      name: MANAGER_LISTENER_NAME,
      command: commandFromArgv(options.managerCommand),
      // A start or stop of every IOC at once queues several events per IOC.
      buffer_size: String(Math.max(1024, 8 * settings.iocs.length)),
      directory: escapeConfValue(settings.dir),
      environment: formatEnvironment({
        ...markerEnv(paths.dir, MANAGER_LISTENER_NAME),
        DENO_V8_FLAGS: MANAGER_V8_FLAGS,
      }),
      stderr_logfile: escapeProgramLogfile(paths.managerLog),
      ...logs,
    }));
  }
  for (const ioc of settings.iocs) {
    const stamped = ioc.timestamps ?? general.timestamps ?? true;
    const rotation = { maxBytes: general.logMaxBytes, backups: general.logBackups };
    sections.push(renderProgram(ioc, options, logs, stamped, general.consoleGroup, rotation));
  }
  return fill(templates.main, {
    settings_file: settings.file.replace(/[\r\n]/g, " "),
    socket: escapeConfValue(paths.socket),
    supervisord_log: escapeConfValue(paths.supervisordLog),
    pid_file: escapeConfValue(paths.pidFile),
    log_dir: escapeConfValue(paths.logDir),
    sections: sections.join(""),
    ...logs,
  });
}

/**
 * Write a rendered conf atomically (mode 0600: it may hold the web password).
 *
 * @param path Destination, usually `StatePaths.conf`.
 * @param text Output of {@linkcode renderConf}.
 * @returns Resolves once the file is in place.
 * @example Usage
 * ```ts ignore
 * await writeConf(paths.conf, text);
 * ```
 */
export async function writeConf(path: string, text: string): Promise<void> {
  await atomicWriteTextFile(path, text, { mode: 0o600 });
}

/** Longest unix socket path (sun_path holds 108 bytes with the terminating NUL). */
const MAX_SOCKET_PATH = 107;

function renderProgram(
  ioc: IocSettings,
  options: RenderConfOptions,
  logs: Record<string, string>,
  stamped: boolean,
  consoleGroup: string | undefined,
  rotation: { maxBytes: number; backups: number },
): string {
  const { paths } = options;
  const template = options.templates.program;
  if (!IOC_NAME.test(ioc.name)) {
    throw new RangeError(`Cannot use IOC name ${JSON.stringify(ioc.name)} in supervisord.conf`);
  }
  const where = `IOC "${ioc.name}"`;
  const command = escapeCommand(ioc.command);
  const console = ioc.console === true
    ? consoleProgram(ioc, options, stamped, consoleGroup)
    : undefined;
  // Python buffers a pipe's output in 8 KiB blocks: unbuffered, each line is stamped when written.
  // On a console's pty it is line buffered already.
  const python = stamped && ioc.console !== true && isPythonCommand(ioc.command) &&
      ioc.env.PYTHONUNBUFFERED === undefined
    ? { PYTHONUNBUFFERED: "1" }
    : {};
  return fill(template, {
    name: ioc.name,
    // A comment, so supervisord never reads it; `iocsup status` does (see conf_summary.ts).
    description: ioc.description.replace(/[\r\n]/g, " "),
    command: console?.command ?? (stamped
      ? stampedCommand(ioc.name, command, {
        stdout: iocLogPath(paths, ioc.name, "stdout"),
        stderr: iocLogPath(paths, ioc.name, "stderr"),
        ...rotation,
      })
      : command),
    directory: escapeConfValue(ioc.directory),
    // The marker comes last, so settings cannot override it (see process_marker.ts).
    environment: formatEnvironment({
      ...console?.env,
      ...ioc.env,
      ...python,
      ...markerEnv(paths.dir, ioc.name),
    }),
    autostart: String(ioc.autostart),
    autorestart: ioc.autorestart,
    startsecs: count(ioc.startsecs, `${where} startsecs`),
    stopsignal: console === undefined ? escapeConfValue(ioc.stopsignal) : "INT",
    // A console IOC writes both streams to its pty: one log.
    redirect_stderr: String(console !== undefined),
    stopwaitsecs: count(ioc.stopwaitsecs, `${where} stopwaitsecs`),
    stdout_logfile: escapeProgramLogfile(iocLogPath(paths, ioc.name, "stdout")),
    // With redirect_stderr supervisord ignores a stderr log, and warns about it.
    stderr_log: console !== undefined ? "" : [
      `stderr_logfile=${escapeProgramLogfile(iocLogPath(paths, ioc.name, "stderr"))}`,
      `stderr_logfile_maxbytes=${logs.log_max_bytes}`,
      `stderr_logfile_backups=${logs.log_backups}`,
      "",
    ].join("\n"),
    ...logs,
  });
}

/**
 * The command and environment of a console IOC (see mod/console/). supervisord stops it with SIGINT,
 * which procServ ignores; the wrapper sends the IOC its own stopsignal.
 */
function consoleProgram(
  ioc: IocSettings,
  options: RenderConfOptions,
  stamped: boolean,
  group: string | undefined,
): { command: string; env: Record<string, string> } {
  const procServ = options.procServ;
  if (procServ === undefined) {
    throw new RangeError(
      `Cannot give IOC "${ioc.name}" a console: procServ is not installed ` +
        `(Debian: apt-get install procserv)`,
    );
  }
  const stateDir = options.paths.dir;
  const longest = consoleReadOnlySocketPath(stateDir, ioc.name);
  if (new TextEncoder().encode(longest).length > MAX_SOCKET_PATH) {
    throw new RangeError(
      `Cannot give IOC "${ioc.name}" a console: its socket path ${JSON.stringify(longest)} is ` +
        `longer than ${MAX_SOCKET_PATH} bytes; use a shorter --state-dir`,
    );
  }
  const argv = consoleArgv(ioc, { stateDir, procServ, group, stamped });
  return {
    command: `${commandFromArgv(argv)} ${escapeCommand(ioc.command)}`,
    env: { INPUTRC: join(stateDir, CONSOLE_INPUTRC_FILE) },
  };
}

function count(value: number, what: string): string {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`Cannot write ${what} "${value}": supervisord needs a whole number`);
  }
  return String(value);
}

function fill(template: string, values: Readonly<Record<string, string>>): string {
  // One pass, so a value that happens to contain "{{x}}" is never expanded again.
  return template.replace(/\{\{([a-z_]+)\}\}/g, (_match, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`Cannot fill template: no value for "${key}"`);
    return value;
  });
}
