/**
 * A stand-in IOC for the demo: prints a tick per second on stdout and, every tenth tick, a
 * warning on stderr, until SIGTERM or SIGINT stops it (exit 0). With `DEMO_HEARTBEAT_PV` set it
 * also serves that PV over Channel Access (needs --allow-net --allow-env --allow-read --allow-sys).
 * When stdin is a terminal (a console IOC under procServ, or run in a shell) it also reads
 * commands at an `epics> ` prompt, as iocsh does (demo/ioc_shell.ts): `help`, `dbl`, `dbgf`,
 * `dbpr`, `exit`.
 *
 * Usage: `deno run demo/ioc_counter.ts <name>`
 *
 * @module
 */

import { type DemoRecord, type IocShell, startIocShell } from "./ioc_shell.ts";

const encoder = new TextEncoder();

function write(stream: { writeSync(p: Uint8Array): number }, line: string): void {
  const bytes = encoder.encode(`${line}\n`);
  let written = 0;
  try {
    while (written < bytes.length) written += stream.writeSync(bytes.subarray(written));
  } catch (error) {
    // Nobody is reading any more; an IOC keeps running without its console.
    if (!(error instanceof Deno.errors.BrokenPipe)) throw error;
  }
}

/** Options of {@linkcode runDemoIoc}. */
export interface DemoIocOptions {
  /** Name shown on every line. */
  name: string;
  /** Exit with code 1 after this many milliseconds, as a crashing IOC would. @default never */
  crashAfterMs?: number;
  /**
   * Serve this PV over Channel Access, a LONG counting the ticks, as a real IOC serves its
   * heartbeat record (the EPICS_CAS_* environment says where). @default none
   */
  heartbeatPv?: string;
}

/** The heartbeat PV named by the environment (`DEMO_HEARTBEAT_PV`), if any. */
export function heartbeatPvFromEnv(): string | undefined {
  const variable = "DEMO_HEARTBEAT_PV";
  // Run without permissions, the counter serves no heartbeat.
  if (Deno.permissions.querySync({ name: "env", variable }).state !== "granted") return undefined;
  return Deno.env.get(variable) || undefined;
}

/**
 * Run the demo IOC in this process until a signal (exit 0) or the simulated crash (exit 1).
 *
 * @param options The name and an optional crash time.
 * @example Usage
 * ```ts ignore
 * await runDemoIoc({ name: "counter1" });
 * ```
 */
export async function runDemoIoc(options: DemoIocOptions): Promise<void> {
  const { name, crashAfterMs, heartbeatPv } = options;
  let tick = 0;
  let heartbeat: { post(value: number): void } | undefined;
  const records: DemoRecord[] = [];
  if (heartbeatPv) {
    // Imported only here: the counter without a heartbeat needs no network.
    const { CaServer } = await import("../mod/ca/mod.ts");
    const server = await CaServer.start();
    heartbeat = server.addPv({ name: heartbeatPv, type: "long", value: 0 });
    records.push({ name: heartbeatPv, description: `${name} heartbeat`, value: () => tick });
    write(Deno.stdout, `demo IOC ${name}: serving ${heartbeatPv} on CA UDP ${server.udpPort}`);
  }
  let shell: IocShell | undefined;
  // Output while the prompt is shown goes above it, as readline prints asynchronous output.
  const print = (lines: () => void) => shell ? shell.printAbove(lines) : lines();
  /** End the IOC: the shell gives the terminal back first, then the last line is printed. */
  const exit = (code: number, last?: () => void) => {
    shell?.close();
    last?.();
    Deno.exit(code);
  };
  setInterval(() => {
    tick += 1;
    heartbeat?.post(tick);
    print(() => {
      write(Deno.stdout, `demo IOC ${name}: tick ${tick}`);
      if (tick % 10 === 0) {
        write(Deno.stderr, `demo IOC ${name}: warning: ${tick} ticks and still no hardware`);
      }
    });
  }, 1000);
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    Deno.addSignalListener(signal, () => {
      exit(0, () => {
        write(Deno.stdout, `demo IOC ${name}: ${signal} received, stopping after ${tick} ticks`);
      });
    });
  }
  // Announced only now, so whoever waits for this line can already signal us.
  write(Deno.stdout, `demo IOC ${name}: started, pid ${Deno.pid}`);
  if (Deno.stdin.isTerminal()) shell = startIocShell({ records, exit: () => exit(0) });
  if (crashAfterMs !== undefined) {
    setTimeout(() => {
      exit(1, () => write(Deno.stderr, `demo IOC ${name}: simulated crash after ${tick} ticks`));
    }, crashAfterMs);
  }
}

if (import.meta.main) {
  const heartbeatPv = heartbeatPvFromEnv();
  await runDemoIoc({ name: Deno.args[0] ?? "counter", ...(heartbeatPv ? { heartbeatPv } : {}) });
}
