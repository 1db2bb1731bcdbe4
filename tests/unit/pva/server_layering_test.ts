/**
 * The PVA server's circuit is sans I/O like the protocol below it (style.md "Layering"):
 * circuit.ts and the private modules it uses touch no Deno API, timer, clock or console, and
 * import only each other, mod/pva/protocol/ and the protocol-neutral model mod/pv/ (pure too, see
 * tests/unit/layering_test.ts). Only server.ts, _udp.ts, _config.ts and pv.ts
 * (clock for time stamps) may do otherwise. (tests/unit/layering_test.ts covers the protocol.)
 *
 * @module
 */

import assert from "node:assert/strict";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const SERVER = fileURLToPath(new URL("../../../mod/pva/server/", import.meta.url));
const PROTOCOL = fileURLToPath(new URL("../../../mod/pva/protocol/", import.meta.url));
const PV_MODEL = fileURLToPath(new URL("../../../mod/pv/", import.meta.url));
const PURE = [
  "circuit.ts",
  "_operations.ts",
  "_out_queue.ts",
  "_put.ts",
  "_circuit_options.ts",
  "_nt_value.ts",
  "_nt_put.ts",
  "_alarm.ts",
  "_server_rpc.ts",
  "source.ts",
  "shared_pv.ts",
];
const FORBIDDEN = ["Deno.", "setTimeout", "setInterval", "console.", "Date.now", "performance.now"];

function problems(name: string): string[] {
  const file = SERVER + name;
  const code = Deno.readTextFileSync(file).replace(/\/\*[\s\S]*?\*\//g, "").replace(
    /\/\/.*$/gm,
    "",
  );
  const out = FORBIDDEN.filter((w) => code.includes(w)).map((w) => `${name}: uses "${w}"`);
  for (const m of code.matchAll(/(?:import|export)[^"']*?from\s*["']([^"']+)["']/g)) {
    const target = resolve(dirname(file), m[1]!);
    const ok = target.startsWith(PROTOCOL) || target.startsWith(PV_MODEL) ||
      PURE.some((p) => target === SERVER + p);
    if (!ok) out.push(`${name}: imports "${m[1]}"`);
  }
  return out;
}

Deno.test("the PVA server circuit stays free of I/O, timers and outside imports", () => {
  assert.deepStrictEqual(PURE.flatMap(problems), []);
});
