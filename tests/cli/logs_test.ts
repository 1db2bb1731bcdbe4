import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli, spawnCli, TextCollector } from "../helpers/cli.ts";
import { iocScript, tempProject } from "../helpers/settings.ts";
import { waitFor } from "../helpers/wait.ts";

function lineNumbers(text: string): number[] {
  return [...text.matchAll(/chatty line (\d+) /g)].map((m) => Number(m[1]));
}

Deno.test("logs lists files, shows -n lines, and -f follows across rotation", async () => {
  const project = await tempProject(
    `chatty:
  autostart: true
  command: ${iocScript("chatty.sh")}
quiet:
  autostart: false
  command: ${iocScript("ioc.sh")} quiet {dir}
`,
    { generalExtra: "  web: false\n  log_maxbytes: 4KB\n  log_backups: 3" },
  );
  const opts = ["--config", project.settings];
  const logDir = join(project.stateDir, "logs");
  let follower: Deno.ChildProcess | undefined;
  try {
    assert.equal((await runCli(["start-daemon", ...opts])).code, 0);
    await waitFor("20 lines logged", async () => {
      const r = await runCli(["logs", "chatty", "-n", "5", ...opts]);
      return lineNumbers(r.stdout).length === 5 && lineNumbers(r.stdout)[0]! > 20;
    });
    const five = await runCli(["logs", "chatty", "-n", "5", ...opts]);
    assert.equal(five.code, 0);
    const numbers = lineNumbers(five.stdout);
    assert.equal(numbers.length, 5);
    assert.deepEqual(numbers, numbers.map((_, i) => numbers[0]! + i), "consecutive lines");
    assert.equal(five.stdout.trimEnd().split("\n").length, 5);

    follower = spawnCli(["logs", "chatty", "-n", "0", "-f", ...opts]);
    const followed = new TextCollector(follower.stdout);
    const stderr = new TextCollector(follower.stderr);
    // Three rotations at 4 KB each happen while we follow.
    await waitFor("two rotations seen by the follower", () => {
      const got = lineNumbers(followed.text);
      if (got.length < 2) return false;
      const rotatedBytes = (got[got.length - 1]! - got[0]!) * 60;
      return rotatedBytes > 3 * 4096;
    }, { timeoutMs: 30_000 });
    await Deno.stat(join(logDir, "chatty.log.1"));
    follower.kill("SIGTERM");
    await follower.status;
    await Promise.all([followed.done, stderr.done]);
    const got = lineNumbers(followed.text);
    for (let i = 1; i < got.length; i++) {
      assert.equal(got[i], got[i - 1]! + 1, `gap after line ${got[i - 1]} (rotation lost lines)`);
    }

    const list = await runCli(["logs", ...opts]);
    assert.equal(list.code, 0);
    assert.match(list.stdout, /^LOG\s+SIZE\s+MODIFIED/);
    assert.match(list.stdout, /chatty\.log\s/);
    assert.match(list.stdout, /supervisord\.log\s/);
    const json = JSON.parse((await runCli(["logs", "--json", ...opts])).stdout);
    assert.ok(json.logs.some((l: { name: string }) => l.name === "chatty_error.log"));

    const sup = await runCli(["logs", "supervisord", ...opts]);
    assert.match(sup.stdout, /chatty/);

    const unknown = await runCli(["logs", "nope", ...opts]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown IOC "nope".*chatty, quiet/);
  } finally {
    try {
      follower?.kill("SIGKILL");
    } catch { /* exited */ }
    await follower?.status;
    await runCli(["stop", ...opts]);
    await project.cleanup();
  }
});

Deno.test("clean --dry-run lists and clean removes generated files and logs", async () => {
  const project = await tempProject(`solo:
  autostart: true
  command: ${iocScript("ioc.sh")} solo {dir}
`);
  const opts = ["--config", project.settings];
  try {
    assert.equal((await runCli(["start-daemon", ...opts])).code, 0);
    const dry = await runCli(["clean", "--dry-run", ...opts]);
    assert.equal(dry.code, 0);
    assert.match(dry.stdout, /would remove .*supervisord\.conf/);
    assert.match(dry.stdout, /would remove .*solo\.log/);
    assert.equal((await runCli(["status", ...opts])).code, 0, "dry run must not stop anything");
    await Deno.stat(join(project.stateDir, "supervisord.conf"));

    const clean = await runCli(["clean", ...opts]);
    assert.equal(clean.code, 0, clean.stderr);
    assert.match(clean.stdout, /stopped supervisord/);
    assert.match(clean.stdout, /removed .*supervisord\.conf/);
    assert.match(clean.stdout, /removed .*logs/);
    await assert.rejects(Deno.stat(project.stateDir), Deno.errors.NotFound);
    await Deno.stat(project.settings);
    assert.equal((await runCli(["status", ...opts])).code, 3);
  } finally {
    await runCli(["stop", ...opts]);
    await project.cleanup();
  }
});

Deno.test("logs -f delivers every line of a burst across many rotations exactly once, in order", async () => {
  // ~5 MB in ~40 rotations, often several between two reads; 50 backups keep all of it, so a
  // follower descheduled on a busy machine can still catch up (beyond the backups, lines are
  // gone for any reader, tail -F included).
  const count = 100_000;
  const project = await tempProject(
    `burst:
  autostart: true
  command: ${iocScript("burst.sh")} {dir}/go ${count}
  timestamps: false
`,
    { generalExtra: "  web: false\n  log_maxbytes: 128KB\n  log_backups: 50" },
  );
  const opts = ["--config", project.settings];
  const logDir = join(project.stateDir, "logs");
  let follower: Deno.ChildProcess | undefined;
  try {
    assert.equal((await runCli(["start-daemon", ...opts])).code, 0);
    follower = spawnCli(["logs", "burst", "-n", "1", "-f", ...opts]);
    const followed = new TextCollector(follower.stdout);
    const stderr = new TextCollector(follower.stderr);
    await waitFor("the follower showing the ready line", () => followed.text === "ready\n");
    await Deno.writeTextFile(join(project.dir, "go"), "");
    await waitFor("the end of the burst", () => followed.text.includes("burst done\n"), {
      timeoutMs: 60_000,
    });
    follower.kill("SIGTERM");
    assert.equal((await follower.status).code, 0);
    await Promise.all([followed.done, stderr.done]);
    assert.equal(stderr.text, "");
    const rotated = [...Deno.readDirSync(logDir)].filter((e) => /^burst\.log\.\d+$/.test(e.name));
    assert.ok(rotated.length >= 5, `only ${rotated.length} rotations`);
    const lines = followed.text.split("\n");
    assert.equal(lines[0], "ready");
    assert.equal(lines.at(-2), "burst done");
    const numbers = lines.slice(1, -2).map((line) => Number(/^burst line (\d+) /.exec(line)?.[1]));
    assert.equal(numbers.length, count, "every line once");
    for (let i = 0; i < count; i++) {
      if (numbers[i] !== i + 1) {
        assert.fail(`line ${i + 2} is "${lines[i + 1]}", not line ${i + 1}`);
      }
    }
  } finally {
    try {
      follower?.kill("SIGKILL");
    } catch { /* exited */ }
    await follower?.status;
    await runCli(["stop", ...opts]);
    await project.cleanup();
  }
});
