/**
 * Helpers for manager tests: a running iocsup (start-daemon) with pyepics clients pinned to its
 * CA port, and small wrappers around ca_ops.py.
 *
 * @module
 */
import { runCli } from "../helpers/cli.ts";
import { runPyScript } from "../helpers/pyepics.ts";
import { type TempProject, tempProject } from "../helpers/settings.ts";

/** One ca_ops.py result. */
export interface OpResult {
  /** Operation. */
  op: string;
  /** PV. */
  pv: string;
  /** Value on success. */
  value?: unknown;
  /** Error text on failure. */
  error?: string;
  /** ECA status, when reported. */
  status?: number;
}

/** A started iocsup. */
export interface RunningIocsup extends TempProject {
  /** `--config <settings>`. */
  opts: string[];
  /** Run ca_ops.py operations. */
  ops(ops: Record<string, unknown>[], timeout?: number): Promise<OpResult[]>;
  /** Native value of one PV (DBR_TIME form: value, severity, status). */
  get(pv: string): Promise<{ value: unknown; severity: number }>;
  /** supervisord's view of the IOCs from `status --json`. */
  status(): Promise<{ name: string; state: string; pid: number | null }[]>;
  /** Stop and remove everything. */
  close(): Promise<void>;
}

/**
 * Write settings, `start-daemon`, and return handles. Throws if start-daemon fails.
 *
 * @param iocsYaml IOC sections.
 * @param options Extra general lines.
 * @returns The running instance.
 */
export async function startIocsup(
  iocsYaml: string,
  options: { generalExtra?: string; expectFailure?: boolean } = {},
): Promise<RunningIocsup> {
  const project = await tempProject(iocsYaml, {
    generalExtra: options.generalExtra ?? "  web: false",
  });
  const opts = ["--config", project.settings];
  const started = await runCli(["start-daemon", ...opts]);
  if (started.code !== 0 && !options.expectFailure) {
    const log = await Deno.readTextFile(`${project.stateDir}/logs/manager.log`).catch(() => "");
    await runCli(["stop", ...opts]);
    await project.cleanup();
    throw new Error(
      `start-daemon failed (${started.code}): ${started.stdout}${started.stderr}\n${log}`,
    );
  }
  const ops = async (list: Record<string, unknown>[], timeout = 5) =>
    (await runPyScript<{ results: OpResult[] }>("ca_ops.py", {
      port: project.caPort,
      args: [JSON.stringify({ timeout, ops: list })],
    })).results;
  return {
    ...project,
    opts,
    ops,
    get: async (pv: string) => {
      const [result] = await ops([{ op: "get", pv, ftype: "time_long" }]);
      if (!result || result.error) throw new Error(`Cannot get "${pv}": ${result?.error}`);
      const doc = result.value as { value: unknown; severity: number };
      return { value: doc.value, severity: doc.severity };
    },
    status: async () => {
      const r = await runCli(["status", "--json", ...opts]);
      return JSON.parse(r.stdout).iocs;
    },
    close: async () => {
      await runCli(["stop", ...opts]);
      await project.cleanup();
    },
  };
}
