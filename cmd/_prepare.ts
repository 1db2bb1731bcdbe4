/**
 * What `start` and `start-daemon` do before supervisord runs: check that the web UI address is
 * free, create the state and log directories, settle the web UI password, render
 * supervisord.conf atomically.
 *
 * @module
 */
import { procServFor } from "../mod/console/procserv.ts";
import { writeConsoleFiles } from "../mod/console/wrapper.ts";
import { loadTemplates, renderConf, writeConf } from "../mod/supervisor/mod.ts";
import { atomicWriteTextFile } from "../mod/atomic_write.ts";
import { makeDirs } from "../mod/created_dirs.ts";
import { selfCommand } from "../mod/self_command.ts";
import { ensureGeneratedPassword } from "../mod/web_credentials.ts";
import type { Context } from "./_context.ts";

/** The web UI address and login, when the UI is on. */
export interface WebAccess {
  /** `http://host:port/`. */
  url: string;
  /** User name. */
  username: string;
  /** Password. */
  password: string;
}

/**
 * Fail, before anything is written, when the web UI address cannot be bound (another program,
 * or another iocsup, listens there): supervisord would otherwise die at start with only a line
 * in its log, after the state directory was half set up.
 *
 * @param ctx Settings (the address) and the settings file (named in the message).
 * @throws {Error} Naming the address and `general.web.listen`.
 */
export function checkWebAddressFree(ctx: Context): void {
  const web = ctx.settings.general.web;
  if (web === false) return;
  const match = /^(.*):(\d+)$/.exec(web.listen);
  if (!match) return; // Validated with the settings; nothing to check here.
  const host = match[1]!.replace(/^\[(.*)\]$/, "$1");
  const hostname = host === "" || host === "*" ? "0.0.0.0" : host;
  let listener: Deno.Listener;
  try {
    listener = Deno.listen({ hostname, port: Number(match[2]), transport: "tcp" });
  } catch (error) {
    const reason = error instanceof Deno.errors.AddrInUse
      ? "the address is in use"
      : (error instanceof Error ? error.message : String(error));
    throw new Error(
      `Cannot serve the web UI on "${web.listen}": ${reason}; change general.web.listen in ` +
        `${ctx.demo ? "settings.yaml" : ctx.settings.file} (or set "web: false")`,
      { cause: error },
    );
  }
  listener.close();
}

/**
 * Prepare the state directory and write supervisord.conf. Checks the web UI address first, so
 * a conflict leaves no trace (not even a new state directory).
 *
 * @param ctx Settings and paths.
 * @returns Web UI access, or undefined when `general.web` is false.
 */
export async function prepareStateDir(ctx: Context): Promise<WebAccess | undefined> {
  checkWebAddressFree(ctx);
  // The state directory first (it holds the record of what was created), then the log
  // directory, which may be anywhere (`log_dir` absolute or `..`).
  await makeDirs(ctx.paths.dir, [ctx.paths.logDir]);
  await Deno.chmod(ctx.paths.dir, 0o700).catch(() => {});
  if (ctx.demo) {
    const { demoSettingsYaml } = await import("../demo/settings.ts");
    await atomicWriteTextFile(ctx.settingsFileForChildren, demoSettingsYaml());
  }
  const web = ctx.settings.general.web;
  let access: WebAccess | undefined;
  if (web !== false) {
    const password = web.password ?? await ensureGeneratedPassword(ctx.paths.webCredentials);
    access = { url: `http://${web.listen}/`, username: web.username, password };
  }
  const templates = await loadTemplates();
  const text = renderConf(ctx.settings, {
    paths: ctx.paths,
    templates,
    ...(access ? { webPassword: access.password } : {}),
    managerCommand: managerCommand(ctx),
    procServ: procServFor(ctx.settings.iocs),
  });
  await writeConsoleFiles(ctx.settings, ctx.paths.dir);
  await writeConf(ctx.paths.conf, text);
  return access;
}

/** The argv supervisord runs as the manager event listener. */
export function managerCommand(ctx: Context): string[] {
  return [
    ...selfCommand(),
    "serve",
    "--config",
    ctx.settingsFileForChildren,
    "--state-dir",
    ctx.paths.dir,
  ];
}
