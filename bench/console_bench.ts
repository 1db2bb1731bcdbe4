/**
 * Cost of a console (`console: true`: procServ on a pty behind a unix socket, mod/console/)
 * per IOC, against the same IOC without a console as the anchor, measured in the same run under
 * one real `iocsup start-daemon` (temp directory, free ports):
 *
 * 1. Memory. IOCS console IOCs and IOCS plain IOCs, all running `sleep 100000` with the default
 *    settings (timestamps on: procServ's `--logstamp` for console IOCs, the stamp filters for
 *    plain ones), and IOCS plain IOCs with `timestamps: false` (the bare IOC). For each IOC the
 *    process tree under the pid supervisord reports (for a console IOC: the wrapper, procServ,
 *    the log filter and the IOC itself), summed VmRSS (/proc/<pid>/status) and PSS
 *    (/proc/<pid>/smaps_rollup, which shares the text of sh, sed, perl and procServ between IOCs);
 *    per-IOC mean, console minus plain (the anchor: both log stamped lines), and console minus
 *    the bare IOC (what the console and its stamps cost in all).
 * 2. Start-up. A console IOC started over XML-RPC (`startProcess`, no wait), timed until its
 *    console socket accepts a connection; median of RUNS.
 *
 * Usage: deno run -A bench/console_bench.ts (or `deno task bench console`)
 *
 * @module
 */
// deno-lint-ignore-file no-console
import { join } from "node:path";
import { consoleSocketPath } from "../mod/console/paths.ts";
import { findProcServ } from "../mod/console/procserv.ts";
import { SupervisorClient } from "../mod/supervisor/mod.ts";
import { runCli } from "../tests/helpers/cli.ts";
import { tempProject } from "../tests/helpers/settings.ts";
import { waitFor } from "../tests/helpers/wait.ts";
import { memoryByGroup } from "./_process_tree.ts";

const IOCS = 20;
const RUNS = 10;
/** Poll interval while waiting for the socket: ±2.5 ms on start-ups of about 100 ms. */
const POLL_MS = 5;

/** The IOC groups measured, by name prefix. */
const GROUPS = {
  console: { label: "console", yaml: ["  console: true"] },
  plain: { label: "plain (anchor)", yaml: [] },
  bare: { label: "plain, no stamps", yaml: ["  timestamps: false"] },
} as const;
type Group = keyof typeof GROUPS;

function projectYaml(): string {
  const lines: string[] = [];
  for (const [group, { yaml }] of Object.entries(GROUPS)) {
    for (let i = 0; i < IOCS; i++) {
      lines.push(
        `${group}_${String(i).padStart(2, "0")}:`,
        "  command: sleep 100000",
        "  autostart: true",
        ...yaml,
      );
    }
  }
  // Started and stopped by the start-up timing only.
  lines.push("timed:", "  command: sleep 100000", "  autostart: false", "  console: true");
  return lines.join("\n") + "\n";
}

function mib(kib: number): string {
  return `${(kib / 1024).toFixed(2)} MiB`;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function memoryFigures(client: SupervisorClient): Promise<void> {
  const sums = memoryByGroup(
    await client.getAllProcessInfo(),
    Object.keys(GROUPS) as Group[],
    (name) => /^(console|plain|bare)_/.exec(name)?.[1] as Group | undefined,
  );
  console.log(
    `memory per IOC, ${IOCS} IOCs of each kind (\`sleep 100000\`), process tree under the pid ` +
      "supervisord reports, mean:",
  );
  for (const group of Object.keys(GROUPS) as Group[]) {
    const s = sums[group];
    if (s.iocs !== IOCS) throw new Error(`${s.iocs} ${group} IOCs running, not ${IOCS}`);
    console.log(
      `  ${GROUPS[group].label.padEnd(16)} RSS ${mib(s.rssKiB / s.iocs).padStart(9)}  ` +
        `PSS ${mib(s.pssKiB / s.iocs).padStart(9)}  ` +
        `${s.names.length} process${s.names.length === 1 ? "" : "es"}: ` +
        s.names.join(" + "),
    );
  }
  const per = (group: Group, key: "rssKiB" | "pssKiB") => sums[group][key] / sums[group].iocs;
  for (const anchor of ["plain", "bare"] as const) {
    const rss = per("console", "rssKiB") - per(anchor, "rssKiB");
    const pss = per("console", "pssKiB") - per(anchor, "pssKiB");
    const sign = (kib: number) => (kib >= 0 ? "+" : "") + mib(kib);
    console.log(
      `  console vs ${GROUPS[anchor].label.replace(" (anchor)", "")}: ` +
        `${sign(rss)} RSS, ${sign(pss)} PSS per IOC (ratio RSS ` +
        `${(per("console", "rssKiB") / per(anchor, "rssKiB")).toFixed(2)}, PSS ` +
        `${(per("console", "pssKiB") / per(anchor, "pssKiB")).toFixed(2)}; ` +
        `${IOCS} IOCs: ${sign(pss * IOCS)} PSS)`,
    );
  }
}

async function accepts(path: string): Promise<boolean> {
  try {
    (await Deno.connect({ transport: "unix", path })).close();
    return true;
  } catch {
    return false;
  }
}

async function startupFigures(client: SupervisorClient, stateDir: string): Promise<void> {
  const socket = consoleSocketPath(stateDir, "timed");
  const times: number[] = [];
  for (let run = 0; run <= RUNS; run++) {
    const started = performance.now();
    await client.startProcess("timed", false);
    await waitFor("the console socket to accept", () => accepts(socket), {
      timeoutMs: 30_000,
      intervalMs: POLL_MS,
    });
    // The first run warms the page cache (procServ, sed) and is not counted.
    if (run > 0) times.push(performance.now() - started);
    await client.stopProcess("timed", true);
  }
  console.log(
    `console start-up, startProcess → socket accepts, median of ${RUNS}: ` +
      `${median(times).toFixed(0)} ms (${Math.min(...times).toFixed(0)}–` +
      `${Math.max(...times).toFixed(0)})`,
  );
}

/** Run the benchmark and print its figures. */
export async function bench(): Promise<void> {
  if (findProcServ() === undefined) {
    throw new Error(
      "Cannot run the console bench: procServ is not installed (apt-get install procserv)",
    );
  }
  const project = await tempProject(projectYaml(), { prefix: "BENCH" });
  const opts = ["--config", project.settings];
  try {
    const started = await runCli(["start-daemon", ...opts]);
    if (started.code !== 0) throw new Error(`start-daemon failed: ${started.stderr}`);
    const client = new SupervisorClient(join(project.stateDir, "supervisor.sock"), {
      timeoutMs: 30_000,
    });
    const measured = (name: string) => /^(console|plain|bare)_/.test(name);
    await waitFor("every IOC RUNNING", async () => {
      const infos = await client.getAllProcessInfo();
      return infos.filter((i) => measured(i.name) && i.statename === "RUNNING").length ===
        3 * IOCS;
    }, { timeoutMs: 60_000 });
    // Let start-up work (the stamp filters' and procServ's first pages) settle before reading.
    await new Promise((r) => setTimeout(r, 2000));
    await memoryFigures(client);
    // The start-up runs alone: the measured IOCs stop first (all at once, then waited for).
    for (const info of await client.getAllProcessInfo()) {
      if (measured(info.name)) await client.stopProcess(info.name, false);
    }
    await waitFor("the measured IOCs to stop", async () => {
      const infos = await client.getAllProcessInfo();
      return infos.every((i) => !measured(i.name) || i.statename === "STOPPED");
    }, { timeoutMs: 60_000 });
    await startupFigures(client, project.stateDir);
  } finally {
    await runCli(["stop", ...opts]);
    await project.cleanup();
  }
}

if (import.meta.main) await bench();
