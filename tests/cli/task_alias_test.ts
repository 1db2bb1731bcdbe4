/**
 * `deno task iocsup …` (and `npx -y deno@2.9.6 task iocsup …`): the task passes its arguments and
 * exit code through, and needs no `deno` on PATH (inside a task `deno` is the running binary,
 * which is how it works when deno came from npx).
 */
import assert from "node:assert/strict";
import denoJson from "../../deno.json" with { type: "json" };

const ROOT = new URL("../..", import.meta.url).pathname;

async function task(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["task", "iocsup", ...args],
    cwd: ROOT,
    clearEnv: true,
    env: { HOME: Deno.env.get("HOME") ?? "/tmp", PATH: "/nonexistent", NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

Deno.test("deno task iocsup runs the CLI with its arguments and no deno on PATH", async () => {
  const version = await task(["version"]);
  assert.equal(version.code, 0, version.stderr);
  assert.match(version.stdout, new RegExp(`^iocsup ${denoJson.version.replaceAll(".", "\\.")} `));
  const usage = await task(["status", "--bogus"]);
  assert.equal(usage.code, 2, "the exit code passes through");
  assert.match(usage.stderr, /Run "iocsup status --help"/);
});
