/**
 * What `start` and `start-daemon` do before supervisord runs: create the state and log
 * directories, settle the web UI password, render supervisord.conf atomically.
 *
 * @module
 */
import { loadTemplates, renderConf, writeConf } from "../mod/supervisor/mod.ts";
import { atomicWriteTextFile } from "../mod/atomic_write.ts";
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
 * Prepare the state directory and write supervisord.conf.
 *
 * @param ctx Settings and paths.
 * @returns Web UI access, or undefined when `general.web` is false.
 */
export async function prepareStateDir(ctx: Context): Promise<WebAccess | undefined> {
  await Deno.mkdir(ctx.paths.logDir, { recursive: true });
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
  });
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
