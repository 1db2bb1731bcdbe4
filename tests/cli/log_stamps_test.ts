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

Deno.test("timestamps: the last words of an IOC that exits at once are all logged", async () => {
  // supervisord reads an exited IOC's pipes once and closes them: the filters must not lose what
  // they still hold. Every exit of this IOC is preceded by one line naming its pid.
  const project = await tempProject(`quick:
  autostart: true
  autorestart: true
  startsecs: 0
  command: sh -c 'echo "last words $$"; echo "to stderr $$" >&2; exit 3'
`);
  const opts = ["--config", project.settings];
  const logs = join(project.stateDir, "logs");
  try {
    const started = await runCli(["start-daemon", ...opts]);
    // It may count as "failed to start" (exit 1): it exits at once, by design.
    assert.ok(started.code === 0 || started.code === 1, started.stderr);
    const exits = () =>
      readLog(join(logs, "supervisord.log")).then((text) =>
        text.match(/exited: quick \(exit status 3; not expected\)/g)?.length ?? 0
      );
    await waitFor("ten exits of the IOC", async () => (await exits()) >= 10);
    const stopped = await runCli(["stop", ...opts]);
    assert.equal(stopped.code, 0, stopped.stderr);
    // Each "spawned … with pid N" followed by an exit must have left its lines in both logs.
    const events = (await readLog(join(logs, "supervisord.log"))).split("\n");
    const exited: number[] = [];
    let pid: number | undefined;
    for (const line of events) {
      const spawned = /spawned: 'quick' with pid (\d+)/.exec(line);
      if (spawned) pid = Number(spawned[1]);
      else if (/exited: quick \(exit status 3/.test(line) && pid !== undefined) exited.push(pid);
    }
    assert.ok(exited.length >= 10, `${exited.length} exits seen`);
    // A filter that found its pipe closed appends by itself, a moment after the exit.
    const missing = async () => {
      const out = await readLog(join(logs, "quick.log"));
      const err = await readLog(join(logs, "quick_error.log"));
      return exited.flatMap((n) => [
        ...(new RegExp(`^\\[[^\\]]+\\] last words ${n}$`, "m").test(out) ? [] : [`stdout ${n}`]),
        ...(new RegExp(`^\\[[^\\]]+\\] to stderr ${n}$`, "m").test(err) ? [] : [`stderr ${n}`]),
      ]);
    };
    await waitFor("every exit's lines", async () => (await missing()).length === 0, {
      timeoutMs: 5_000,
    })
      .catch(async () => assert.fail(`lines lost: ${(await missing()).join(", ")}`));
    const out = await readLog(join(logs, "quick.log"));
    for (const line of out.trimEnd().split("\n")) assert.match(line, STAMP);
  } finally {
    await runCli(["stop", ...opts]);
    await project.cleanup();
  }
});

Deno.test("timestamps: the filters rotate the logs as supervisord would, losing no line", async () => {
  const project = await tempProject(
    `chatty:
  autostart: true
  command: sh -c 'i=0; while [ $i -lt 3000 ]; do i=$((i+1)); echo "line $i"; done; exec sleep 100000'
`,
    { generalExtra: "  log_maxbytes: 20KB\n  log_backups: 20\n" },
  );
  const opts = ["--config", project.settings];
  const log = join(project.stateDir, "logs", "chatty.log");
  try {
    const started = await runCli(["start-daemon", ...opts]);
    assert.equal(started.code, 0, started.stderr);
    await waitFor("the last line", async () => (await readLog(log)).includes("line 3000\n"));
    const files = [log, ...Array.from({ length: 20 }, (_, i) => `${log}.${i + 1}`)];
    const texts = await Promise.all(files.map(readLog));
    const rotated = texts.filter((t) => t !== "").length - 1;
    assert.ok(rotated >= 3, `${rotated} rotated files`);
    for (const text of texts) assert.ok(text.length <= 20 * 1024 + 80, "rotated at the limit");
    const lines = texts.reverse().join("").trimEnd().split("\n");
    assert.deepEqual(
      lines.map((line) => line.replace(STAMP, "")),
      Array.from({ length: 3000 }, (_, i) => `line ${i + 1}`),
      "every line once, in order, across the rotated files",
    );
  } finally {
    await runCli(["stop", ...opts]);
    await project.cleanup();
  }
});
