/**
 * The pvAccess server under benchmark, in its own process so bench/pva_bench.ts can read its CPU
 * time and memory from /proc. Serves the PVs that bench/pva_bench.ts gives softIocPVX as records:
 *
 * - `BENCH:PV:0` … `BENCH:PV:<pvs-1>`: read-only doubles (an ai), value i;
 * - `BENCH:FAN:0` … `BENCH:FAN:<fan-1>`: double counters, each incremented at 10 Hz while
 *   `BENCH:FANON` is non-zero (softIocPVX: calc records scanned at .1 second);
 * - `BENCH:FANON`: long, writable, starts (1) and stops (0) the counters;
 * - `BENCH:SP`: double, writable (put → monitor latency).
 *
 * Ports and interfaces come from the EPICS_PVA* environment. Prints `{"event":"ready",…}` on
 * stdout; closes and exits when stdin reaches EOF.
 *
 * Usage: deno run -A bench/pva_bench_server.ts [--pvs 10000] [--fan 100]
 *
 * @module
 */
// deno-lint-ignore-file no-console
import { parseArgs } from "node:util";
import { PvaServer } from "../mod/pva/mod.ts";

/** Counter update period of the fan-out PVs (softIocPVX: SCAN ".1 second"). */
const FAN_PERIOD_MS = 100;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { pvs: { type: "string", default: "10000" }, fan: { type: "string", default: "100" } },
  });
  const server = await PvaServer.start({});
  for (let i = 0; i < Number(values.pvs); i++) {
    server.addPv({ name: `BENCH:PV:${i}`, type: "double", value: i, access: "ro" });
  }
  const counters = Array.from(
    { length: Number(values.fan) },
    (_, i) => server.addPv({ name: `BENCH:FAN:${i}`, type: "double", value: 0, access: "ro" }),
  );
  let count = 0;
  let timer: ReturnType<typeof setInterval> | undefined;
  server.addPv({
    name: "BENCH:FANON",
    type: "long",
    value: 0,
    access: "rw",
    onWrite: (value) => {
      clearInterval(timer);
      timer = undefined;
      if (Number(value) !== 0) {
        timer = setInterval(() => {
          count++;
          for (const counter of counters) counter.post(count);
        }, FAN_PERIOD_MS);
      }
      return undefined;
    },
  });
  server.addPv({ name: "BENCH:SP", type: "double", value: 0, access: "rw" });
  console.log(JSON.stringify({ event: "ready", tcpPort: server.tcpPort, pid: Deno.pid }));

  for await (const _ of Deno.stdin.readable) { /* run until EOF */ }
  clearInterval(timer);
  await server.close();
}

if (import.meta.main) await main();
