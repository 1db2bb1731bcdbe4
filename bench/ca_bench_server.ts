/**
 * The CA server under benchmark, in its own process so bench/ca_bench.ts can read its CPU time and
 * memory from /proc. Serves the PVs that bench/ca_bench.ts gives softIoc as records:
 *
 * - `BENCH:PV:0` … `BENCH:PV:<pvs-1>`: DOUBLE, value i;
 * - `BENCH:FAN:0` … `BENCH:FAN:<fan-1>`: LONG counters, all incremented at 10 Hz while
 *   `BENCH:FANON` is non-zero;
 * - `BENCH:FANON`: LONG, writable, starts (1) and stops (0) the counters;
 * - `BENCH:SP`: DOUBLE, writable (put → monitor latency).
 *
 * Prints `{"event":"ready",…}` on stdout; closes and exits when stdin reaches EOF.
 *
 * Usage: deno run -A bench/ca_bench_server.ts [--pvs 10000] [--fan 100]
 *
 * @module
 */
// deno-lint-ignore-file no-console
import { parseArgs } from "node:util";
import { CaServer } from "../mod/ca/mod.ts";

/** Counter update period of the fan-out PVs. */
export const FAN_PERIOD_MS = 100;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { pvs: { type: "string", default: "10000" }, fan: { type: "string", default: "100" } },
  });
  const server = await CaServer.start({});
  for (let i = 0; i < Number(values.pvs); i++) {
    server.addPv({ name: `BENCH:PV:${i}`, type: "double", value: i });
  }
  const counters = Array.from(
    { length: Number(values.fan) },
    (_, i) => server.addPv({ name: `BENCH:FAN:${i}`, type: "long", value: 0 }),
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
