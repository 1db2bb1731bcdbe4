/**
 * The sans-I/O core is pure (style.md "Layering"): mod/ca/protocol/, the server circuit
 * (server/circuit.ts with its private _circuit_*.ts and _channel_source.ts) and
 * client/client_circuit.ts use no Deno APIs, timers, clocks or console, and import nothing but
 * each other; mod/pva/protocol/ obeys the same rules and imports nothing outside itself.
 */
import assert from "node:assert/strict";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const CA = fileURLToPath(new URL("../../mod/ca/", import.meta.url));
const PROTOCOL = join(CA, "protocol");
const SERVER = join(CA, "server") + "/";
const CLIENT = join(CA, "client") + "/";
const FORBIDDEN = ["Deno.", "setTimeout", "setInterval", "console.", "Date.now", "performance.now"];

const PVA_PROTOCOL = fileURLToPath(new URL("../../mod/pva/protocol/", import.meta.url));
const PURE_IN_SERVER = /^(circuit|_circuit_\w+|_channel_source)\.ts$/;
const PURE_IN_CLIENT = /^client_circuit\.ts$/;

function pureFiles(): string[] {
  const files = [...Deno.readDirSync(PROTOCOL)]
    .filter((e) => e.isFile && e.name.endsWith(".ts"))
    .map((e) => join(PROTOCOL, e.name));
  const core = [[SERVER, PURE_IN_SERVER], [CLIENT, PURE_IN_CLIENT]] as const;
  return [
    ...files,
    ...core.flatMap(([dir, pure]) =>
      [...Deno.readDirSync(dir)]
        .filter((e) => e.isFile && pure.test(e.name))
        .map((e) => join(dir, e.name))
    ),
  ];
}

function pvaFiles(): string[] {
  return [...Deno.readDirSync(PVA_PROTOCOL)]
    .filter((e) => e.isFile && e.name.endsWith(".ts"))
    .map((e) => join(PVA_PROTOCOL, e.name));
}

function isPure(path: string): boolean {
  return path.startsWith(PROTOCOL + "/") ||
    (dirname(path) + "/" === SERVER && PURE_IN_SERVER.test(path.slice(SERVER.length))) ||
    (dirname(path) + "/" === CLIENT && PURE_IN_CLIENT.test(path.slice(CLIENT.length)));
}

/** Problems found in one file's source. */
export function layeringProblems(file: string, source: string): string[] {
  const problems: string[] = [];
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
  for (const word of FORBIDDEN) {
    if (code.includes(word)) problems.push(`${file}: uses "${word}"`);
  }
  for (const m of code.matchAll(/(?:import|export)[^"']*?from\s*["']([^"']+)["']/g)) {
    const spec = m[1]!;
    const target = spec.startsWith(".") ? resolve(dirname(file), spec) : spec;
    const allowed = file.startsWith(PVA_PROTOCOL)
      ? target.startsWith(PVA_PROTOCOL)
      : isPure(target);
    if (!allowed) problems.push(`${file}: imports "${spec}"`);
  }
  return problems;
}

Deno.test("the CA protocol core stays free of I/O, timers and outside imports", () => {
  const files = pureFiles();
  assert.ok(files.length >= 8);
  const problems = files.flatMap((f) => layeringProblems(f, Deno.readTextFileSync(f)));
  assert.deepEqual(problems, []);
});

Deno.test("the PVA protocol core stays free of I/O, timers and outside imports", () => {
  const files = pvaFiles();
  assert.ok(files.length >= 10);
  const problems = files.flatMap((f) => layeringProblems(f, Deno.readTextFileSync(f)));
  assert.deepEqual(problems, []);
});

Deno.test("layeringProblems() catches forbidden calls and imports", () => {
  const f = join(PROTOCOL, "x.ts");
  assert.equal(layeringProblems(f, `setTimeout(() => {}, 1); Deno.exit(1);`).length, 2);
  assert.equal(layeringProblems(f, `import { a } from "../server/server.ts";`).length, 1);
  assert.equal(layeringProblems(f, `import { a } from "node:fs";`).length, 1);
  assert.deepEqual(layeringProblems(f, `import { a } from "./header.ts"; // Date.now`), []);
  const p = join(PVA_PROTOCOL, "x.ts");
  assert.equal(layeringProblems(p, `import { a } from "../../ca/protocol/header.ts";`).length, 1);
  assert.equal(layeringProblems(p, `performance.now();`).length, 1);
  assert.deepEqual(layeringProblems(p, `import { a } from "./header.ts";`), []);
});

Deno.test("the PV model (mod/pv) imports nothing from a protocol", () => {
  const dir = fileURLToPath(new URL("../../mod/pv/", import.meta.url));
  const protocols = [join(dir, "../ca/"), join(dir, "../pva/")];
  const files = [...Deno.readDirSync(dir)].filter((e) => e.isFile && e.name.endsWith(".ts"));
  assert.ok(files.length >= 3);
  const problems = files.flatMap((e) => {
    const code = Deno.readTextFileSync(join(dir, e.name))
      .replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
    return [...code.matchAll(/(?:import|export)[^"']*?from\s*["']([^"']+)["']/g)]
      .map((m) => m[1]!)
      .filter((spec) => protocols.some((p) => resolve(dir, spec).startsWith(p)))
      .map((spec) => `${e.name}: imports "${spec}"`);
  });
  assert.deepEqual(problems, []);
});
