/**
 * The server under bench/ca_conn_bench.ts, in its own process so its RSS can be read from /proc:
 * a CaServer with a few PVs, or with `--bare` the anchor — a plain Deno TCP server that accepts,
 * sends 16 bytes and keeps one small read pending per connection, the least any Deno server holds
 * per idle connection.
 *
 * Prints `{"event":"ready","tcpPort":…,"pid":…}`; then reads commands from stdin, one per line:
 * `gc` runs a full garbage collection (needs `--v8-flags=--expose-gc`) and prints
 * `{"event":"gc","heapUsed":…,"external":…}` (V8 heap and ArrayBuffer bytes). Exits at EOF.
 *
 * Usage: deno run -A --v8-flags=--expose-gc bench/ca_conn_bench_server.ts [--bare] [--max N]
 *
 * @module
 */
// deno-lint-ignore-file no-console
import { parseArgs } from "node:util";
import { CaServer } from "../mod/ca/mod.ts";

/** A TCP server that costs as little per idle connection as Deno allows (the anchor). */
function bareServer(): { port: number; close(): void } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const greeting = new Uint8Array(16);
  const conns = new Set<Deno.TcpConn>();
  (async () => {
    for await (const conn of listener) {
      conns.add(conn);
      (async () => {
        const buf = new Uint8Array(1024);
        try {
          await conn.write(greeting);
          while ((await conn.read(buf)) !== null) { /* discard */ }
        } catch {
          // reset by the peer
        }
        conns.delete(conn);
        conn.close();
      })();
    }
  })().catch(() => {});
  return {
    port: (listener.addr as Deno.NetAddr).port,
    close: () => {
      listener.close();
      for (const c of conns) c.close();
    },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { bare: { type: "boolean", default: false }, max: { type: "string" } },
  });
  let close: () => Promise<void> | void;
  let tcpPort: number;
  if (values.bare) {
    const bare = bareServer();
    tcpPort = bare.port;
    close = bare.close;
  } else {
    const server = await CaServer.start({
      ...(values.max ? { maxConnections: Number(values.max) } : {}),
    });
    for (let i = 0; i < 10; i++) {
      server.addPv({ name: `CONN:PV:${i}`, type: "double", value: i });
    }
    tcpPort = server.tcpPort;
    close = () => server.close();
  }
  console.log(JSON.stringify({ event: "ready", tcpPort, pid: Deno.pid }));

  const gc = (globalThis as { gc?: () => void }).gc;
  let pending = "";
  const decoder = new TextDecoder();
  for await (const chunk of Deno.stdin.readable) {
    pending += decoder.decode(chunk);
    let nl: number;
    while ((nl = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, nl).trim();
      pending = pending.slice(nl + 1);
      if (line === "gc") {
        // Twice: the first pass may only finalize what the second frees.
        gc?.();
        await new Promise((r) => setTimeout(r, 50));
        gc?.();
        const { heapUsed, heapTotal, external } = Deno.memoryUsage();
        console.log(
          JSON.stringify({ event: "gc", exposed: gc !== undefined, heapUsed, heapTotal, external }),
        );
      }
    }
  }
  await close();
}

if (import.meta.main) await main();
