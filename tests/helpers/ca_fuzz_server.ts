/**
 * A CA server in its own process for the hostile tests, so they can read its memory from /proc.
 * It takes its CA settings from the environment (caLoopbackEnv), prints JSON lines on stdout and
 * reads commands from stdin:
 *
 * - `{"event":"ready","tcpPort":…,"udpPort":…}` once serving;
 * - stdin `post <n> <hz>`: post `n` updates of the 2000-element waveform `FUZZ:FAST` at `hz`, then
 *   print `{"event":"posted","n":…}`;
 * - stdin `mem`: print `{"event":"mem",…Deno.memoryUsage()}` (after a full GC when run with
 *   `--v8-flags=--expose-gc`);
 * - stdin EOF: close the server, print `{"event":"closed"}` and exit.
 *
 * Usage: deno run -A tests/helpers/ca_fuzz_server.ts
 *
 * @module
 */
// deno-lint-ignore-file no-console
import { CaServer } from "../../mod/ca/mod.ts";

/** Names, types and values the hostile tests rely on. */
export const FUZZ_PVS = {
  double: "FUZZ:DOUBLE",
  long: "FUZZ:LONG",
  enum: "FUZZ:ENUM",
  string: "FUZZ:STRING",
  waveform: "FUZZ:WF",
  readOnly: "FUZZ:RO",
  fast: "FUZZ:FAST",
} as const;

/** Elements of the waveform that `post` updates (16,000 bytes per update as DOUBLE). */
export const FAST_COUNT = 2000;

async function main(): Promise<void> {
  const server = await CaServer.start({});
  server.addPv({
    name: FUZZ_PVS.double,
    type: "double",
    value: 1.5,
    units: "mm",
    precision: 2,
    access: "rw",
  });
  server.addPv({ name: FUZZ_PVS.long, type: "long", value: 7, access: "rw" });
  server.addPv({
    name: FUZZ_PVS.enum,
    type: "enum",
    value: 1,
    enumStrings: ["Stop", "Run", "Reset"],
    access: "rw",
  });
  server.addPv({ name: FUZZ_PVS.string, type: "string", value: "fuzz", access: "rw" });
  server.addPv({
    name: FUZZ_PVS.waveform,
    type: "double",
    count: 100,
    value: Array.from({ length: 100 }, (_, i) => i),
    access: "rw",
  });
  server.addPv({ name: FUZZ_PVS.readOnly, type: "double", value: 3, access: "ro" });
  const fast = server.addPv({
    name: FUZZ_PVS.fast,
    type: "double",
    count: FAST_COUNT,
    value: new Array<number>(FAST_COUNT).fill(0),
  });
  console.log(JSON.stringify({ event: "ready", tcpPort: server.tcpPort, udpPort: server.udpPort }));

  const lines = Deno.stdin.readable.pipeThrough(new TextDecoderStream());
  let pending = "";
  for await (const chunk of lines) {
    pending += chunk;
    let newline: number;
    while ((newline = pending.indexOf("\n")) >= 0) {
      const [command, ...args] = pending.slice(0, newline).trim().split(/\s+/);
      pending = pending.slice(newline + 1);
      if (command === "post") {
        const n = Number(args[0]);
        await postAt(n, Number(args[1]), (i) => fast.post(new Array<number>(FAST_COUNT).fill(i)));
        console.log(JSON.stringify({ event: "posted", n }));
      } else if (command === "mem") {
        // With --v8-flags=--expose-gc, collect first so heapUsed shows what is really retained.
        (globalThis as { gc?: () => void }).gc?.();
        console.log(JSON.stringify({ event: "mem", ...Deno.memoryUsage() }));
      }
    }
  }
  await server.close();
  console.log(JSON.stringify({ event: "closed" }));
}

/** Call `post(i)` for i = 1..n at `hz`, catching up in one turn when timers fire late. */
async function postAt(n: number, hz: number, post: (i: number) => void): Promise<void> {
  const started = performance.now();
  let done = 0;
  while (done < n) {
    const due = Math.min(n, Math.floor(((performance.now() - started) * hz) / 1000) + 1);
    while (done < due) post(++done);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

if (import.meta.main) await main();
