/**
 * `iocsup status` vs `supervisorctl status` on 200 IOCs: whole-process wall time, median of
 * several runs, printed as a ratio (target ≤ 0.5).
 *
 * @module
 */
// deno-lint-ignore-file no-console
import { join } from "node:path";
import { cliArgv, runCli } from "../tests/helpers/cli.ts";
import { tempProject } from "../tests/helpers/settings.ts";

const IOCS = 200;
const RUNS = 9;

async function timeCommand(cmd: string, args: string[]): Promise<number> {
  const start = performance.now();
  const out = await new Deno.Command(cmd, { args, stdout: "null", stderr: "piped" }).output();
  const ms = performance.now() - start;
  if (!out.success) throw new Error(`${cmd} failed: ${new TextDecoder().decode(out.stderr)}`);
  return ms;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Run the benchmark and print its figures. */
export async function bench(): Promise<void> {
  const iocs = Array.from(
    { length: IOCS },
    (_, i) =>
      `ioc${
        String(i).padStart(3, "0")
      }:\n  autostart: true\n  command: sleep 100000\n  startsecs: 0\n`,
  )
    .join("");
  const project = await tempProject(iocs, { prefix: "BENCH" });
  const opts = ["--config", project.settings];
  try {
    const started = await runCli(["start-daemon", ...opts]);
    if (started.code !== 0) throw new Error(`start-daemon failed: ${started.stderr}`);
    const conf = join(project.stateDir, "supervisord.conf");
    const ours: number[] = [];
    const theirs: number[] = [];
    // Warm both (disk cache, deno module cache), then alternate so drift hits both alike.
    await timeCommand(Deno.execPath(), cliArgv(["status", ...opts]));
    await timeCommand("supervisorctl", ["-c", conf, "status"]);
    for (let i = 0; i < RUNS; i++) {
      ours.push(await timeCommand(Deno.execPath(), cliArgv(["status", ...opts])));
      // supervisorctl exits 3 when any process is not RUNNING; all are running here.
      theirs.push(await timeCommand("supervisorctl", ["-c", conf, "status"]));
    }
    const a = median(ours);
    const b = median(theirs);
    console.log(`status of ${IOCS} IOCs, median of ${RUNS} whole-process runs:`);
    console.log(`  iocsup status        ${a.toFixed(0)} ms`);
    console.log(`  supervisorctl status ${b.toFixed(0)} ms (anchor)`);
    console.log(`  ratio ${(a / b).toFixed(2)} (target <= 0.50)`);
  } finally {
    await runCli(["stop", ...opts]);
    await project.cleanup();
  }
}

if (import.meta.main) await bench();
