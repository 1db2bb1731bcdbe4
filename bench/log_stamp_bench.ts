/**
 * Cost of timestamping IOC log lines (`timestamps: true`, mod/supervisor/log_stamp.ts), against
 * the same writer with `timestamps: false` as the anchor, measured in the same run:
 *
 * 1. Throughput. A writer (`mawk -f writer.awk`, printing LINES lines and exiting) is timed from
 *    its start until its log file holds every byte, median of RUNS interleaved runs, in two
 *    setups, each stamped and plain:
 *    - "filter alone": the writer's argv as supervisord would exec it (the `command=` value that
 *      `stampedCommand` renders, `%`-expanded and shlex-split as supervisord does), with stdout
 *      pointed at a file by `sh`; timed from spawn.
 *    - "through supervisord": the same writer, followed by `sleep` (see `iocCommand`), as an IOC of
 *      a real `iocsup start-daemon` (one IOC with `timestamps: false`, one without), started over
 *      XML-RPC (`startProcess`, no wait) and timed until `<ioc>.log` is complete, so supervisord's
 *      pipe reading and log writing count; then stopped.
 *    Three writers: 60-byte lines written one `write()` each (an IOC that flushes per line),
 *    60-byte lines block-buffered, and a burst of 8-byte lines block-buffered.
 * 2. Memory of the filters per IOC: MEMORY_IOCS stamped and MEMORY_IOCS plain IOCs running
 *    `sleep 100000`; for each IOC the process tree under the pid supervisord reports, summed
 *    VmRSS (/proc/<pid>/status) and PSS (/proc/<pid>/smaps_rollup, which shares perl's text and
 *    libraries between the filters), stamped minus plain.
 *
 * Usage: deno run -A bench/log_stamp_bench.ts (or `deno task bench stamp`)
 *
 * @module
 */
// deno-lint-ignore-file no-console
import { join } from "node:path";
import { shellSplit } from "../mod/config/shell_quote.ts";
import { STAMP_PATTERN, stampedCommand, type StampedLogs } from "../mod/supervisor/log_stamp.ts";
import { escapeCommand } from "../mod/supervisor/conf_escape.ts";
import { SupervisorClient } from "../mod/supervisor/mod.ts";
import { runCli } from "../tests/helpers/cli.ts";
import { tempProject } from "../tests/helpers/settings.ts";
import { waitFor } from "../tests/helpers/wait.ts";
import { memoryByGroup } from "./_process_tree.ts";

const LINES = 1_000_000;
const RUNS = 5;
const MEMORY_IOCS = 20;
/** Poll interval of the "file complete" check: ±2.5 ms on runs of 0.05–3 s. */
const POLL_MS = 5;
/** One run may take this long before the bench gives up (a lost line never completes). */
const RUN_TIMEOUT_MS = 120_000;
/** What the filter puts before each line: `[2026-12-01T14:03:07+0000] `. */
const STAMP_BYTES = "[2026-12-01T14:03:07+0000] ".length;

/** One writer: what each of its lines holds and how it writes them. */
interface WriterCase {
  /** IOC name stem and file name stem. */
  key: string;
  /** Shown in the output. */
  label: string;
  /** Line text without its newline. */
  text: string;
  /** `mawk -W interactive`: one write() per line; else stdio's 4 KiB blocks. */
  perLine: boolean;
}

const CASES: readonly WriterCase[] = [
  {
    key: "line60",
    label: "60-byte lines, one write() each",
    text: "dbLoadRecords: loaded 1 record from db/gauge.db, ioc ready  ".slice(0, 59),
    perLine: true,
  },
  {
    key: "block60",
    label: "60-byte lines, block-buffered",
    text: "dbLoadRecords: loaded 1 record from db/gauge.db, ioc ready  ".slice(0, 59),
    perLine: false,
  },
  { key: "short8", label: "8-byte lines, block-buffered burst", text: "tick 42", perLine: false },
];

type Setup = "alone" | "supervisord";
type Variant = "plain" | "stamped";

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function fileSize(path: string): number {
  try {
    return Deno.statSync(path).size;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return 0;
    throw error;
  }
}

async function removeIfThere(path: string): Promise<void> {
  await Deno.remove(path).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
}

function expectedBytes(c: WriterCase, variant: Variant): number {
  return LINES * (c.text.length + 1 + (variant === "stamped" ? STAMP_BYTES : 0));
}

function writerCommand(c: WriterCase, dir: string): string {
  return `mawk ${c.perLine ? "-W interactive " : ""}-f ${join(dir, `${c.key}.awk`)}`;
}

/**
 * The IOC's command under supervisord: the writer, then sleep. An IOC that exits at once would
 * lose its last stamped lines: supervisord reaps it, drains the pipes once and closes them
 * (supervisor/process.py `finish`), while the filters may still be writing.
 */
function iocCommand(c: WriterCase, dir: string): string {
  return `sh -c '${writerCommand(c, dir)}; exec sleep 100000'`;
}

function iocName(c: WriterCase, variant: Variant): string {
  return `${c.key}_${variant}`;
}

/**
 * The argv supervisord execs for a stamped IOC: the rendered `command=` value, `%`-expanded
 * (`%%` → `%`; our commands hold no `%(name)s`) and split with shlex as supervisord does.
 */
function stampedArgv(name: string, command: string, logs: StampedLogs): string[] {
  return shellSplit(renderedCommand(name, command, "stamped", logs).replaceAll("%%", "%"));
}

function renderedCommand(
  name: string,
  command: string,
  variant: Variant,
  logs: StampedLogs,
): string {
  const escaped = escapeCommand(command);
  return variant === "stamped" ? stampedCommand(name, escaped, logs) : escaped;
}

/**
 * Wait until `path` holds `bytes` bytes, then make sure no more arrive.
 *
 * @returns Milliseconds from `started` to the poll that saw the file complete.
 */
async function timeUntilComplete(path: string, bytes: number, started: number): Promise<number> {
  const ms = await waitFor(`${path} to reach ${bytes} bytes`, () => {
    return fileSize(path) >= bytes && performance.now() - started;
  }, { timeoutMs: RUN_TIMEOUT_MS, intervalMs: POLL_MS });
  return ms;
}

async function checkExact(path: string, bytes: number): Promise<void> {
  // The filters end at EOF right after the writer; anything extra would show up by now.
  await new Promise((r) => setTimeout(r, 200));
  const size = fileSize(path);
  if (size !== bytes) throw new Error(`${path} holds ${size} bytes, not the ${bytes} expected`);
}

async function checkStamped(path: string, c: WriterCase): Promise<void> {
  const file = await Deno.open(path);
  try {
    const head = new Uint8Array(4096);
    const n = (await file.read(head)) ?? 0;
    const first = new TextDecoder().decode(head.subarray(0, n)).split("\n")[0] ?? "";
    if (!STAMP_PATTERN.test(first) || !first.endsWith(c.text)) {
      throw new Error(`${path} starts with ${JSON.stringify(first)}, not a stamped line`);
    }
  } finally {
    file.close();
  }
}

/** Filter alone: exec the argv with stdout and stderr to files. */
async function runAlone(argv: string[], out: string, err: string, bytes: number): Promise<number> {
  await removeIfThere(out);
  const started = performance.now();
  const child = new Deno.Command("/bin/sh", {
    args: ["-c", 'out=$1 err=$2; shift 2; exec "$@" >"$out" 2>"$err"', "sh", out, err, ...argv],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  // Await the child even when the wait fails, so no writer outlives the bench.
  const [ms, status] = await Promise.allSettled([
    timeUntilComplete(out, bytes, started),
    child.status,
  ]);
  if (ms.status === "rejected") throw ms.reason;
  if (status.status === "rejected" || !status.value.success) {
    throw new Error(`${argv.join(" ")} failed`);
  }
  await checkExact(out, bytes);
  return ms.value;
}

/** Through supervisord: start the IOC over XML-RPC, wait for its log, then stop it. */
async function runSupervised(
  client: SupervisorClient,
  name: string,
  log: string,
  bytes: number,
): Promise<number> {
  await removeIfThere(log);
  const started = performance.now();
  await client.startProcess(name, false);
  try {
    return await timeUntilComplete(log, bytes, started);
  } finally {
    await client.stopProcess(name, true);
    await checkExact(log, bytes);
  }
}

function projectYaml(dir: string): string {
  const lines: string[] = [];
  for (const c of CASES) {
    for (const variant of ["plain", "stamped"] as const) {
      lines.push(
        `${iocName(c, variant)}:`,
        `  command: ${iocCommand(c, dir)}`,
        "  autorestart: false",
        "  startsecs: 0",
        ...(variant === "plain" ? ["  timestamps: false"] : []),
      );
    }
  }
  for (let i = 0; i < MEMORY_IOCS; i++) {
    for (const variant of ["plain", "stamped"] as const) {
      lines.push(
        `mem_${variant}_${String(i).padStart(2, "0")}:`,
        "  command: sleep 100000",
        "  autostart: true",
        "  startsecs: 0",
        ...(variant === "plain" ? ["  timestamps: false"] : []),
      );
    }
  }
  return lines.join("\n") + "\n";
}

function mib(kib: number): string {
  return `${(kib / 1024).toFixed(2)} MiB`;
}

async function memoryFigures(client: SupervisorClient): Promise<void> {
  const infos = await client.getAllProcessInfo();
  const sums = memoryByGroup(
    infos,
    ["plain", "stamped"] as const,
    (name) => /^mem_(plain|stamped)_/.exec(name)?.[1] as Variant | undefined,
  );
  console.log(
    `memory per IOC, ${sums.stamped.iocs} stamped vs ${sums.plain.iocs} plain IOCs ` +
      "(`sleep 100000`), process tree under the IOC's pid, mean:",
  );
  for (const variant of ["stamped", "plain"] as const) {
    const s = sums[variant];
    console.log(
      `  ${variant.padEnd(8)} ${s.names.join(" + ").padEnd(22)} ` +
        `RSS ${mib(s.rssKiB / s.iocs)}  PSS ${mib(s.pssKiB / s.iocs)}` +
        (variant === "plain" ? " (anchor)" : ""),
    );
  }
  const rss = sums.stamped.rssKiB / sums.stamped.iocs - sums.plain.rssKiB / sums.plain.iocs;
  const pss = sums.stamped.pssKiB / sums.stamped.iocs - sums.plain.pssKiB / sums.plain.iocs;
  const extra = sums.stamped.names.length - sums.plain.names.length;
  console.log(
    `  the filters add ${extra} processes, RSS ${mib(rss)}, PSS ${mib(pss)} per IOC ` +
      `(${MEMORY_IOCS} IOCs: PSS ${mib(pss * MEMORY_IOCS)})`,
  );
}

function describe(label: string, times: readonly number[]): string {
  const ms = median(times);
  const rate = LINES / (ms / 1000);
  const low = Math.min(...times) / 1000;
  const high = Math.max(...times) / 1000;
  return `${label} ${(ms / 1000).toFixed(3)} s (${low.toFixed(3)}–${high.toFixed(3)}), ` +
    `${(rate / 1e6).toFixed(2)} M lines/s`;
}

/** Run the benchmark and print its figures. */
export async function bench(): Promise<void> {
  const project = await tempProject("", { prefix: "BENCH" });
  const dir = project.dir;
  const opts = ["--config", project.settings];
  await Deno.writeTextFile(
    project.settings,
    (await Deno.readTextFile(project.settings)).replace(
      "  web: false",
      // 10^6 stamped 60-byte lines are 87 MB: no rotation in the middle of a run.
      "  web: false\n  log_maxbytes: 1GB",
    ) + projectYaml(dir),
  );
  for (const c of CASES) {
    await Deno.writeTextFile(
      join(dir, `${c.key}.awk`),
      `BEGIN { for (i = 0; i < ${LINES}; i++) print "${c.text}" }\n`,
    );
  }
  const logs = join(project.stateDir, "logs");
  try {
    const started = await runCli(["start-daemon", ...opts]);
    if (started.code !== 0) throw new Error(`start-daemon failed: ${started.stderr}`);
    const client = new SupervisorClient(join(project.stateDir, "supervisor.sock"), {
      timeoutMs: 30_000,
    });
    const conf = await Deno.readTextFile(join(project.stateDir, "supervisord.conf"));

    await memoryFigures(client);
    // The memory IOCs only sleep, but stop them so the timed runs share the machine with less.
    for (const info of await client.getAllProcessInfo()) {
      if (info.name.startsWith("mem_")) await client.stopProcess(info.name, true);
    }

    console.log(
      `timestamps, ${LINES.toLocaleString("en")} lines per run, median of ${RUNS} interleaved ` +
        "runs (min–max), writer start → file complete:",
    );
    for (const c of CASES) {
      const command = writerCommand(c, dir);
      const argv: Record<Variant, string[]> = {
        plain: shellSplit(command),
        // The filters write the log files themselves (no rotation here).
        stamped: stampedArgv(iocName(c, "stamped"), command, {
          stdout: join(dir, `${c.key}_stamped.out`),
          stderr: join(dir, `${c.key}_stamped.err`),
          maxBytes: 0,
          backups: 0,
        }),
      };
      // The bench times what ships: the conf start-daemon wrote holds the same command.
      for (const variant of ["plain", "stamped"] as const) {
        const ioc = iocCommand(c, dir);
        const name = iocName(c, variant);
        const line = `command=${
          renderedCommand(name, ioc, variant, {
            stdout: join(logs, `${name}.log`),
            stderr: join(logs, `${name}_error.log`),
            maxBytes: 1024 ** 3,
            backups: 5,
          })
        }\n`;
        if (!conf.includes(line)) throw new Error(`supervisord.conf does not hold ${line}`);
      }
      const times: Record<`${Setup}_${Variant}`, number[]> = {
        alone_plain: [],
        alone_stamped: [],
        supervisord_plain: [],
        supervisord_stamped: [],
      };
      const once = async (setup: Setup, variant: Variant): Promise<number> => {
        const bytes = expectedBytes(c, variant);
        if (setup === "alone") {
          const out = join(dir, `${c.key}_${variant}.out`);
          return await runAlone(argv[variant], out, join(dir, `${c.key}_${variant}.err`), bytes);
        }
        const name = iocName(c, variant);
        return await runSupervised(client, name, join(logs, `${name}.log`), bytes);
      };
      // Warm-up (page cache, the filters' pages), checking that stamped output really is stamped.
      for (const setup of ["alone", "supervisord"] as const) {
        for (const variant of ["plain", "stamped"] as const) await once(setup, variant);
      }
      await checkStamped(join(dir, `${c.key}_stamped.out`), c);
      await checkStamped(join(logs, `${iocName(c, "stamped")}.log`), c);
      for (let run = 0; run < RUNS; run++) {
        // Alternate the order so drift on the shared machine hits both variants alike.
        const order: Variant[] = run % 2 === 0 ? ["plain", "stamped"] : ["stamped", "plain"];
        for (const setup of ["alone", "supervisord"] as const) {
          for (const variant of order) {
            times[`${setup}_${variant}`].push(await once(setup, variant));
          }
        }
      }
      console.log(`  ${c.label}:`);
      for (const setup of ["alone", "supervisord"] as const) {
        const plain = times[`${setup}_plain`];
        const stamped = times[`${setup}_stamped`];
        const added = (median(stamped) - median(plain)) * 1000 / LINES;
        console.log(
          `    ${setup === "alone" ? "filter alone       " : "through supervisord"}  ` +
            `${describe("stamped", stamped)} | ${describe("plain (anchor)", plain)} | ` +
            `ratio ${(median(stamped) / median(plain)).toFixed(2)}, +${added.toFixed(2)} µs/line`,
        );
      }
      for (const variant of ["plain", "stamped"] as const) {
        await removeIfThere(join(dir, `${c.key}_${variant}.out`));
        await removeIfThere(join(logs, `${iocName(c, variant)}.log`));
      }
    }
  } finally {
    await runCli(["stop", ...opts]);
    await project.cleanup();
  }
}

if (import.meta.main) await bench();
