/**
 * Run every benchmark in bench/ (files named `*_bench.ts`), one after another, each in its own
 * `deno run -A` process with stdout and stderr passed through. Arguments filter by substring:
 * `deno task bench ca` runs only the benchmarks whose file name contains "ca".
 *
 * Usage: deno run -A bench/run.ts [filter ...]
 *
 * @module
 */
// deno-lint-ignore-file no-console

/**
 * The benchmark files in a directory, sorted, optionally filtered by substrings of their names.
 *
 * @param dir Directory URL to scan.
 * @param filters Substrings; a file matches if it contains any of them (all match when empty).
 * @returns File names.
 */
export function benchFiles(dir: URL, filters: readonly string[]): string[] {
  return [...Deno.readDirSync(dir)]
    .filter((entry) => entry.isFile && entry.name.endsWith("_bench.ts"))
    .map((entry) => entry.name)
    .filter((name) => filters.length === 0 || filters.some((f) => name.includes(f)))
    .sort();
}

async function main(args: string[]): Promise<number> {
  const dir = new URL(".", import.meta.url);
  const files = benchFiles(dir, args);
  if (files.length === 0) {
    console.error(`bench: no *_bench.ts file matches "${args.join(" ")}"`);
    return 1;
  }
  const failed: string[] = [];
  for (const name of files) {
    console.error(`bench: running ${name}`);
    const started = performance.now();
    const status = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL(name, dir).pathname],
      stdin: "null",
      stdout: "inherit",
      stderr: "inherit",
    }).output();
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.error(`bench: ${name} ${status.success ? "done" : "FAILED"} in ${seconds} s`);
    if (!status.success) failed.push(name);
  }
  if (failed.length > 0) console.error(`bench: failed: ${failed.join(", ")}`);
  return failed.length === 0 ? 0 : 1;
}

if (import.meta.main) Deno.exitCode = await main(Deno.args);
