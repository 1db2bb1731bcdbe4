/**
 * The console log filter as the wrapper runs it (GNU sed over the pty output), for tests that check
 * what a console IOC's log holds.
 *
 * @module
 */
import { LOG_FILTER } from "../../mod/console/wrapper.ts";

/**
 * Run the console log filter over some terminal output.
 *
 * @param input What the pty wrote.
 * @returns What the log would hold.
 */
export async function runLogFilter(input: string): Promise<string> {
  const child = new Deno.Command("sed", {
    args: ["-u", "-e", LOG_FILTER],
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(input));
  await writer.close();
  return new TextDecoder().decode((await child.output()).stdout);
}
