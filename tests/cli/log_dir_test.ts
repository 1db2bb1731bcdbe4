import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "../helpers/cli.ts";
import { iocScript, tempProject } from "../helpers/settings.ts";
import { waitFor } from "../helpers/wait.ts";

Deno.test("start-daemon with an absolute log_dir outside the state directory logs there", async () => {
  const outside = await Deno.makeTempDir({ prefix: "iocsup-logs-" });
  const logDir = join(outside, "nested", "logs");
  const project = await tempProject(
    `solo:
  autostart: true
  command: ${iocScript("ioc.sh")} solo {dir}
`,
    { generalExtra: `  web: false\n  log_dir: ${logDir}` },
  );
  const opts = ["--config", project.settings];
  try {
    const started = await runCli(["start-daemon", ...opts]);
    assert.equal(started.code, 0, started.stderr);
    assert.match(started.stdout, /solo\s+RUNNING/);
    await waitFor("solo's lines in the outside log directory", async () => {
      return (await Deno.readTextFile(join(logDir, "solo.log"))).includes("solo line 2");
    });
    assert.match(await Deno.readTextFile(join(logDir, "solo_error.log")), /solo started/);
    await Deno.stat(join(logDir, "supervisord.log"));
    await Deno.stat(join(logDir, "manager.log"));
    await assert.rejects(Deno.stat(join(project.stateDir, "logs")), Deno.errors.NotFound);
    const shown = await runCli(["logs", "solo", "-n", "1", ...opts]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^\[[^\]]+\] solo line \d+\n$/, "one stamped line");

    assert.equal((await runCli(["stop", ...opts])).code, 0);
    const clean = await runCli(["clean", ...opts]);
    assert.equal(clean.code, 0, clean.stderr);
    // iocsup made nested/ and nested/logs: empty now, so they go; the temp folder was there.
    assert.deepEqual([...Deno.readDirSync(outside)], []);
    await assert.rejects(Deno.stat(project.stateDir), Deno.errors.NotFound);
  } finally {
    await runCli(["stop", ...opts]);
    await project.cleanup();
    await Deno.remove(outside, { recursive: true });
  }
});

Deno.test("a % in the settings and state directory path reaches supervisord literally", async () => {
  const project = await tempProject("");
  const dir = join(project.dir, "a%b", "100%(here)s");
  await Deno.mkdir(dir, { recursive: true });
  const settings = join(dir, "settings.yaml");
  await Deno.writeTextFile(
    settings,
    (await Deno.readTextFile(project.settings)) +
      `solo:\n  autostart: true\n  command: ${iocScript("ioc.sh")} solo {dir}\n`,
  );
  const stateDir = join(dir, "ioc-supervisor");
  const opts = ["--config", settings];
  try {
    const started = await runCli(["start-daemon", ...opts]);
    // Exit 0 also says the manager (started with --config and --state-dir in this path) runs.
    assert.equal(started.code, 0, started.stdout + started.stderr);
    assert.match(started.stdout, /solo\s+RUNNING/);
    await waitFor("solo's lines in its log", async () => {
      return (await Deno.readTextFile(join(stateDir, "logs", "solo.log"))).includes("solo line 2");
    });
    await Deno.stat(join(dir, "solo.pids")); // {dir} in the command, expanded to this path
    assert.match(await Deno.readTextFile(join(stateDir, "logs", "manager.log")), /CA server/);
    const status = await runCli(["status", ...opts]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /solo\s+RUNNING/);

    const clean = await runCli(["clean", ...opts]);
    assert.equal(clean.code, 0, clean.stderr);
    assert.match(clean.stdout, /^stopped supervisord\n/);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), [
      "settings.yaml",
      "solo.pids",
    ]);
  } finally {
    await runCli(["stop", ...opts]);
    await project.cleanup();
  }
});
