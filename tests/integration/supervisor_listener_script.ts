/**
 * A minimal event listener run by supervisord in tests: appends one line per PROCESS_STATE
 * event (`<process> <from>-><to>`) to the file named by the first argument.
 *
 * @module
 */
import { processStateEvent, runEventListener } from "../../mod/supervisor/event_listener.ts";

const out = Deno.args[0];
if (out === undefined) throw new Error("Cannot run the listener: no output file given");
await runEventListener((event) => {
  const e = processStateEvent(event);
  if (e === undefined) return;
  // Synchronous, so lines keep the order in which events were acknowledged.
  Deno.writeTextFileSync(out, `${e.processName} ${e.fromState}->${e.toState}\n`, {
    append: true,
  });
});
