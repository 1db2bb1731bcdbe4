import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli, spawnCli, TextCollector } from "../helpers/cli.ts";
import { iocScript, tempProject } from "../helpers/settings.ts";
import { waitFor } from "../helpers/wait.ts";

const STAMP = /^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}\] /;

async function readLog(path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return "";
    throw error;
  }
}

Deno.test("timestamps: lines are stamped, the pid is the IOC's, stop reaches the IOC", async () => {
  const script = iocScript("stdin_echo.sh");
  const project = await tempProject(`stamped:
  autostart: true
  command: ${script} stamped
plain:
  autostart: true
  timestamps: false
  command: ${script} plain
`);
  const opts = ["--config", project.settings];
  const logs = join(project.stateDir, "logs");
  try {
    const started = await runCli(["start-daemon", ...opts]);
    assert.equal(started.code, 0, started.stderr);
    const out = join(logs, "stamped.log");
    const pidLine = await waitFor("the IOC's pid in its log", async () => {
      return /^\[[^\]]+\] pid (\d+)$/m.exec(await readLog(out)) ?? undefined;
    });
    const status = JSON.parse((await runCli(["status", "--json", ...opts])).stdout);
    const stamped = status.iocs.find((i: { name: string }) => i.name === "stamped");
    assert.equal(stamped.pid, Number(pidLine[1]), "supervisord's pid must be the IOC's own $$");

    const err = await waitFor("the stderr line", async () => {
      const text = await readLog(join(logs, "stamped_error.log"));
      return text.includes("to stderr") ? text : undefined;
    });
    assert.match(err, /^\[[^\]]+\] stamped to stderr$/m);
    assert.doesNotMatch(await readLog(out), /to stderr/, "stdout and stderr stay apart");

    const plain = await waitFor("the plain IOC's pid line", async () => {
      const text = await readLog(join(logs, "plain.log"));
      return text.includes("pid ") ? text : undefined;
    });
    assert.match(plain, /^pid \d+$/m, "timestamps: false leaves lines as written");
    const conf = await Deno.readTextFile(join(project.stateDir, "supervisord.conf"));
    assert.match(conf, new RegExp(`^command=${script} plain$`, "m"));

    // logs --since filters by the stamps: everything is from the last hour, nothing from later.
    const recent = await runCli(["logs", "stamped", "--since", "1h", ...opts]);
    assert.equal(recent.code, 0, recent.stderr);
    assert.match(recent.stdout, /^\[[^\]]+\] pid \d+$/m);
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const none = await runCli(["logs", "stamped", "--since", later, ...opts]);
    assert.equal(none.code, 0, none.stderr);
    assert.equal(none.stdout, "");
    const follower = spawnCli(["logs", "stamped", "--since", "1h", "-n", "1", "-f", ...opts]);
    const followed = new TextCollector(follower.stdout);
    const followErr = new TextCollector(follower.stderr);
    try {
      await waitFor("the follower's history", () => /\] pid \d+\n$/.test(followed.text));
    } finally {
      follower.kill("SIGTERM");
      await follower.status;
      await Promise.all([followed.done, followErr.done]);
    }
    const bad = await runCli(["logs", "stamped", "--since", "soon", ...opts]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /Cannot use "soon" as a start time/);

    const stopped = await runCli(["stop", ...opts]);
    assert.equal(stopped.code, 0, stopped.stderr);
    const final = await readLog(out);
    assert.match(final, /^\[[^\]]+\] got TERM$/m, "the TERM trap's line is logged, stamped");
    for (const line of final.trimEnd().split("\n")) assert.match(line, STAMP);
  } finally {
    await runCli(["stop", ...opts]);
    await project.cleanup();
  }
});
