/**
 * A stand-in IOC that crashes: like `ioc_counter.ts`, but exits with code 1 after a random 20–40 s,
 * so supervisord's `autorestart` can be watched at work.
 *
 * Usage: `deno run demo/ioc_flaky.ts <name> [min_seconds max_seconds]`
 *
 * @module
 */
import { heartbeatPvFromEnv, runDemoIoc } from "./ioc_counter.ts";

/**
 * Pick the crash time.
 *
 * @param minSeconds Earliest crash.
 * @param maxSeconds Latest crash.
 * @returns Milliseconds until the crash.
 */
export function crashDelayMs(minSeconds: number, maxSeconds: number): number {
  return Math.round((minSeconds + Math.random() * (maxSeconds - minSeconds)) * 1000);
}

if (import.meta.main) {
  const [name = "flaky", min = "20", max = "40"] = Deno.args;
  const heartbeatPv = heartbeatPvFromEnv();
  await runDemoIoc({
    name,
    crashAfterMs: crashDelayMs(Number(min), Number(max)),
    ...(heartbeatPv ? { heartbeatPv } : {}),
  });
}
