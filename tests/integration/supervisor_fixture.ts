/**
 * A real supervisord in a temporary state directory, for integration tests.
 *
 * @module
 */
import { join } from "node:path";
import type { IocSettings, Settings } from "../../mod/config/types.ts";
import { type StatePaths, statePaths } from "../../mod/state_dir.ts";
import {
  isRunning,
  loadTemplates,
  renderConf,
  shutdownAndWait,
  startDaemon,
  type SupervisorClient,
  writeConf,
} from "../../mod/supervisor/mod.ts";
import { settingsWith } from "../unit/supervisor/settings_fixture.ts";
import { freeTcpPort } from "../helpers/ports.ts";

/** What a test gets from {@linkcode withSupervisord}. */
export interface SupervisorRun {
  /** Temporary directory (settings dir and IOC working dir). */
  dir: string;
  /** State paths inside `dir`. */
  paths: StatePaths;
  /** The rendered settings. */
  settings: Settings;
  /** Client for the running supervisord. */
  client: SupervisorClient;
  /** Web UI `host:port`. */
  webListen: string;
}

/** The web UI password used by every fixture. */
export const WEB_PASSWORD = "s3cret%pw";

/**
 * Start supervisord with the given IOCs (built with the temp dir), run `fn`, then shut it down
 * and remove the directory, whatever happened.
 */
export async function withSupervisord(
  iocs: (dir: string) => IocSettings[],
  fn: (run: SupervisorRun) => Promise<void>,
  options: { managerCommand?: (dir: string) => string[] } = {},
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "iocsup-sup-" });
  const paths = statePaths(join(dir, "state"));
  const webListen = `127.0.0.1:${freeTcpPort()}`;
  const settings = settingsWith(iocs(dir), {
    dir,
    web: { listen: webListen, username: "iocsup", password: WEB_PASSWORD },
  });
  try {
    await Deno.mkdir(paths.logDir, { recursive: true });
    const templates = await loadTemplates();
    const managerCommand = options.managerCommand?.(dir);
    const text = renderConf(settings, {
      templates,
      paths,
      ...(managerCommand !== undefined ? { managerCommand } : {}),
    });
    await writeConf(paths.conf, text);
    const client = await startDaemon(paths);
    try {
      await fn({ dir, paths, settings, client, webListen });
    } finally {
      if (await isRunning(paths)) await shutdownAndWait(client, paths.pidFile);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Whether a process exists and has not exited (a zombie counts as gone). */
export async function processAlive(pid: number): Promise<boolean> {
  try {
    const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(")") + 2));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
