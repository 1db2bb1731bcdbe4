/**
 * A stand-in IOC for the demo: prints a tick per second on stdout and, every tenth tick, a
 * warning on stderr, until SIGTERM or SIGINT stops it (exit 0). Needs no permissions.
 *
 * Usage: `deno run demo/ioc_counter.ts <name>`
 *
 * @module
 */

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
}

/**
 * Run the demo IOC in this process until a signal (exit 0) or the simulated crash (exit 1).
 *
 * @param options The name and an optional crash time.
 * @example Usage
 * ```ts ignore
 * runDemoIoc({ name: "counter1" });
 * ```
 */
export function runDemoIoc(options: DemoIocOptions): void {
  const { name, crashAfterMs } = options;
  let tick = 0;
  setInterval(() => {
    tick += 1;
    write(Deno.stdout, `demo IOC ${name}: tick ${tick}`);
    if (tick % 10 === 0) {
      write(Deno.stderr, `demo IOC ${name}: warning: ${tick} ticks and still no hardware`);
    }
  }, 1000);
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    Deno.addSignalListener(signal, () => {
      write(Deno.stdout, `demo IOC ${name}: ${signal} received, stopping after ${tick} ticks`);
      Deno.exit(0);
    });
  }
  // Announced only now, so whoever waits for this line can already signal us.
  write(Deno.stdout, `demo IOC ${name}: started, pid ${Deno.pid}`);
  if (crashAfterMs !== undefined) {
    setTimeout(() => {
      write(Deno.stderr, `demo IOC ${name}: simulated crash after ${tick} ticks`);
      Deno.exit(1);
    }, crashAfterMs);
  }
}

if (import.meta.main) runDemoIoc({ name: Deno.args[0] ?? "counter" });
