/**
 * Wait until each autostart IOC (and the manager) has settled: RUNNING, or a failure state.
 * Shows progress on a TTY.
 *
 * @module
 */
import type { ProcessInfo, SupervisorClient } from "../mod/supervisor/mod.ts";
import { note } from "./_output.ts";

const SETTLED = new Set(["RUNNING", "FATAL", "EXITED", "STOPPED", "UNKNOWN"]);

/**
 * Poll supervisord until every named process is settled or the deadline passes.
 *
 * @param client supervisord.
 * @param names Processes to wait for.
 * @param timeoutMs Deadline.
 * @returns The last process info of each name (missing names are absent).
 */
export async function waitForSettled(
  client: SupervisorClient,
  names: string[],
  timeoutMs: number,
): Promise<Map<string, ProcessInfo>> {
  const tty = Deno.stderr.isTerminal();
  const deadline = Date.now() + timeoutMs;
  let latest = new Map<string, ProcessInfo>();
  while (true) {
    latest = new Map((await client.getAllProcessInfo()).map((info) => [info.name, info]));
    const waiting = names.filter((name) => !SETTLED.has(latest.get(name)?.statename ?? ""));
    if (tty) {
      Deno.stderr.writeSync(new TextEncoder().encode("\r\x1b[K"));
    }
    if (waiting.length === 0 || Date.now() > deadline) break;
    if (tty) {
      Deno.stderr.writeSync(
        new TextEncoder().encode(`waiting for ${waiting.length}: ${waiting.join(", ")}`),
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const unsettled = names.filter((name) => !SETTLED.has(latest.get(name)?.statename ?? ""));
  if (unsettled.length > 0) note(`Timed out waiting for ${unsettled.join(", ")} to settle`);
  return latest;
}
