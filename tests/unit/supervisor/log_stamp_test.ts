import assert from "node:assert/strict";
import { join } from "node:path";
import { shellSplit } from "../../../mod/config/shell_quote.ts";
import { STAMP_PATTERN, stampedCommand } from "../../../mod/supervisor/log_stamp.ts";

/** Run `command` behind the stamp filters as supervisord would exec it; returns both logs. */
async function stamped(
  command: string,
  tz: string,
  complete = (log: string) => log.endsWith("\n"),
) {
  const dir = await Deno.makeTempDir({ prefix: "iocsup-stamp-" });
  try {
    const logs = {
      stdout: join(dir, "a.log"),
      stderr: join(dir, "a_error.log"),
      maxBytes: 0,
      backups: 0,
    };
    // supervisord turns `%%` back into `%` and splits the line with shlex.
    const argv = shellSplit(stampedCommand("a", command, logs).replaceAll("%%", "%"));
    const out = await new Deno.Command(argv[0]!, { args: argv.slice(1), env: { TZ: tz } }).output();
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
    // The filters end at EOF after the command; wait for them to have written.
    for (let i = 0; i < 100; i++) {
      const text = await Deno.readTextFile(logs.stdout).catch(() => "");
      if (complete(text)) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const read = (path: string) => Deno.readTextFile(path).catch(() => "");
    return { out: await read(logs.stdout), err: await read(logs.stderr), dir };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("stamp filter: ISO-8601 local time with the zone's offset, as strftime %z", async () => {
  // POSIX TZ strings, so no tzdata is needed: east of UTC, west of UTC with half hours, UTC.
  const zones: [string, string][] = [["IST-5:30", "+0530"], ["NST+3:30", "-0330"], [
    "UTC0",
    "+0000",
  ]];
  for (const [tz, offset] of zones) {
    const before = await new Deno.Command("date", {
      args: ["+%Y-%m-%dT%H:%M"],
      env: { TZ: tz },
    }).output();
    const { out, err } = await stamped("sh -c 'echo hello; echo oops >&2'", tz);
    const match = STAMP_PATTERN.exec(out);
    assert.ok(match, `stamped: ${JSON.stringify(out)}`);
    assert.equal(match[1]!.slice(-5), offset, tz);
    // Same minute as `date` gave just before (or the next one, across a minute boundary).
    const minute = new TextDecoder().decode(before.stdout).trim();
    assert.ok(match[1]!.startsWith(minute) || match[1]! > minute, `${match[1]} vs ${minute}`);
    assert.equal(out.replace(STAMP_PATTERN, ""), "hello\n");
    assert.match(err, /^\[[^\]]+\] oops\n$/);
  }
});

Deno.test("stamp filter: one stamp per line, a last line without newline kept as is", async () => {
  const { out } = await stamped("printf 'a\\nb\\n\\nc'", "UTC0", (log) => log.endsWith("c"));
  const lines = out.split("\n");
  assert.equal(lines.length, 4);
  for (const line of lines) assert.match(line, STAMP_PATTERN);
  assert.deepEqual(lines.map((l) => l.replace(STAMP_PATTERN, "")), ["a", "b", "", "c"]);
});
