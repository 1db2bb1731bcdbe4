/**
 * What `iocsup fleet --watch` costs: 50 stand-in hosts × 40 IOCs (8,100 PVs: heartbeat, IOC
 * list and per IOC status, hb, uptime, restarts) served by CaServers in this process on loopback
 * ports, every PV posted once a second; a separate `iocsup fleet --watch` process watches them
 * all. Prints, beside a 1 host × 1 IOC baseline, the watcher's CPU (% of one core over 20 s, after every row is filled in), its
 * peak RSS, and how many redraws it wrote.
 *
 * @module
 */
// deno-lint-ignore-file no-console
import { join } from "node:path";
import { cliArgv } from "../tests/helpers/cli.ts";
import { freeCaPort } from "../tests/helpers/ports.ts";
import { type FakeHost, fakeHost } from "../tests/helpers/fleet_hosts.ts";

const MEASURE_S = 20;

/** utime + stime of a process, in clock ticks (100 per second on Linux). */
function cpuTicks(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

/** Resident set size in MiB. */
function rssMiB(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0) / 1024;
}

/** Run the benchmark and print its figures: a 1 host × 1 IOC baseline, then 50 × 40. */
export async function bench(): Promise<void> {
  await measure(1, 1);
  await measure(50, 40);
}

/** Watch `hostCount` stand-in hosts of `iocCount` IOCs each for {@linkcode MEASURE_S} s. */
async function measure(hostCount: number, iocCount: number): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "iocsup-fleet-bench-" });
  const hosts: FakeHost[] = [];
  const names = Array.from({ length: iocCount }, (_, i) => `ioc${String(i).padStart(2, "0")}`);
  let ticker: ReturnType<typeof setInterval> | undefined;
  let child: Deno.ChildProcess | undefined;
  try {
    const lines: string[] = ["hosts:"];
    for (let h = 0; h < hostCount; h++) {
      const port = await freeCaPort();
      const prefix = `BENCH${String(h).padStart(2, "0")}`;
      hosts.push(await fakeHost(port, prefix, names));
      lines.push(`  - prefix: ${prefix}`, `    addr: 127.0.0.1:${port}`);
    }
    const file = join(dir, "fleet.yaml");
    await Deno.writeTextFile(file, lines.join("\n") + "\n");
    let tick = 0;
    let posts = 0;
    ticker = setInterval(() => {
      tick++;
      for (const host of hosts) {
        host.heartbeat.post(tick);
        // The IOC list is re-posted too: unchanged names must not cost the watcher anything.
        host.setIocs(names);
        posts += 2;
        for (const pvs of host.iocPvs.values()) {
          pvs.status.post(tick % 2 === 0 ? 2 : 0);
          pvs.hb.post(tick % 3);
          pvs.uptime.post(tick);
          pvs.restarts.post(tick);
          posts += 4;
        }
      }
    }, 1000);

    child = new Deno.Command(Deno.execPath(), {
      args: cliArgv(["fleet", "--watch", "-w", "30", "--config", file]),
      env: { NO_COLOR: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const pid = child.pid;
    let redraws = 0;
    let pending = "";
    let latest = "";
    const reader = (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of child!.stdout) {
        pending += decoder.decode(chunk, { stream: true });
        // Off a terminal each redraw is a table and a blank line: keep only the latest table.
        const tables = pending.split("\n\n");
        pending = tables.pop()!;
        if (tables.length > 0) latest = tables.at(-1)!;
        redraws += tables.length;
      }
    })();
    const filled = (text: string) =>
      text.split("\n").filter((l) =>
        /^BENCH\d+\s+ioc\d+\s+(RUNNING|STOPPED)\s+\d+\s+\S+\s+\d+$/.test(l)
      )
        .length === hostCount * iocCount;
    const started = performance.now();
    while (!filled(latest)) {
      if (performance.now() - started > 120_000) throw new Error("watcher never filled every row");
      await new Promise((r) => setTimeout(r, 250));
    }
    const fillS = (performance.now() - started) / 1000;
    const redrawsBefore = redraws;
    const postsBefore = posts;
    const ticks0 = cpuTicks(pid);
    let peak = rssMiB(pid);
    for (let s = 0; s < MEASURE_S; s++) {
      await new Promise((r) => setTimeout(r, 1000));
      peak = Math.max(peak, rssMiB(pid));
    }
    const cpuS = (cpuTicks(pid) - ticks0) / 100;
    // Proof the updates arrive: the smallest uptime on screen against the value last served.
    const shown = latest.split("\n").flatMap((l) => {
      const m = /\s(\d\d):(\d\d):(\d\d)\s+\d+$/.exec(l);
      return m ? [Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3])] : [];
    });
    const lag = tick - Math.min(...shown);
    const updates = posts - postsBefore;
    console.log(
      `fleet --watch: ${hostCount} hosts × ${iocCount} IOCs, ${
        updates / MEASURE_S | 0
      } PV updates/s`,
    );
    console.log(`  every row filled in     ${fillS.toFixed(1)} s after start`);
    console.log(`  watcher CPU             ${(cpuS / MEASURE_S * 100).toFixed(1)} % of one core`);
    console.log(`  watcher CPU per update  ${(cpuS * 1e6 / updates).toFixed(1)} µs`);
    console.log(`  watcher peak RSS        ${peak.toFixed(0)} MiB`);
    console.log(
      `  oldest uptime on screen ${lag} s behind the served value (${shown.length} rows)`,
    );
    console.log(`  redraws                 ${redraws - redrawsBefore} in ${MEASURE_S} s`);
    child.kill("SIGTERM");
    await child.status;
    await reader;
    child = undefined;
  } finally {
    clearInterval(ticker);
    if (child) {
      child.kill("SIGKILL");
      await child.status;
    }
    await Promise.all(hosts.map((h) => h.server.close()));
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) await bench();
