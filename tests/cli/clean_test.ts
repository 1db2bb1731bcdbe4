import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { runCli } from "../helpers/cli.ts";
import { iocScript, tempProject } from "../helpers/settings.ts";
import { waitFor } from "../helpers/wait.ts";
import { GENERATED_FILES } from "../../mod/state_dir.ts";

/** Every file and directory under `dir`, relative, sorted (directories end in "/"). */
async function tree(dir: string): Promise<string[]> {
  const found: string[] = [];
  async function walk(at: string): Promise<void> {
    for await (const entry of Deno.readDir(at)) {
      const path = join(at, entry.name);
      if (entry.isDirectory) {
        found.push(relative(dir, path) + "/");
        await walk(path);
      } else {
        found.push(relative(dir, path));
      }
    }
  }
  await walk(dir);
  return found.sort();
}

/** Files a user keeps beside iocsup's: some with names close to iocsup's own. */
async function userFiles(dir: string): Promise<void> {
  await Deno.mkdir(join(dir, "iocs"), { recursive: true });
  await Deno.writeTextFile(join(dir, "iocs", "st.cmd"), "dbLoadRecords(x.db)\n");
  await Deno.writeTextFile(join(dir, "README.txt"), "mine\n");
  await Deno.writeTextFile(join(dir, "other.log"), "another program\n");
  await Deno.writeTextFile(join(dir, "other.log.1"), "another program, rotated\n");
  await Deno.writeTextFile(join(dir, "solo.log.old"), "kept by hand\n");
  await Deno.writeTextFile(join(dir, "notes.tmp"), "not an iocsup temp file\n");
}

Deno.test("clean with log_dir .. removes iocsup's logs from the project folder and nothing else", async () => {
  const project = await tempProject(
    `solo:
  autostart: true
  command: ${iocScript("ioc.sh")} solo {dir}
`,
    { generalExtra: "  web: false\n  log_dir: .." },
  );
  const opts = ["--config", project.settings];
  try {
    await userFiles(project.dir);
    const before = await tree(project.dir);
    const started = await runCli(["start-daemon", ...opts]);
    assert.equal(started.code, 0, started.stderr);
    await waitFor("solo.log in the project folder", async () => {
      return (await Deno.readTextFile(join(project.dir, "solo.log"))).includes("solo line 2");
    });
    for (const name of ["supervisord.log", "manager.log", "solo_error.log"]) {
      await Deno.stat(join(project.dir, name));
    }

    const clean = await runCli(["clean", ...opts]);
    assert.equal(clean.code, 0, clean.stderr);
    assert.match(clean.stdout, /^stopped supervisord\n/);
    assert.match(clean.stdout, /removed .*\/solo\.log\n/);
    assert.match(clean.stdout, new RegExp(`removed ${project.stateDir}\\n`));
    // The IOC wrote solo.pids itself: a user file too.
    assert.deepEqual(await tree(project.dir), [...before, "solo.pids"].sort());
    assert.equal((await runCli(["status", ...opts])).code, 3);
  } finally {
    await runCli(["stop", ...opts]);
    await project.cleanup();
  }
});

Deno.test("start-daemon and clean with an absolute shared log folder leave other programs' logs", async () => {
  const shared = await Deno.makeTempDir({ prefix: "iocsup-shared-logs-" });
  const project = await tempProject(
    `chatty:
  autostart: true
  command: ${iocScript("chatty.sh")}
solo:
  autostart: true
  command: ${iocScript("ioc.sh")} solo {dir}
`,
    { generalExtra: `  web: false\n  log_dir: ${shared}\n  log_maxbytes: 4KB\n  log_backups: 3` },
  );
  const opts = ["--config", project.settings];
  try {
    await userFiles(shared);
    const before = await tree(shared);
    const started = await runCli(["start-daemon", ...opts]);
    assert.equal(started.code, 0, started.stderr);
    await waitFor("chatty.log rotated in the shared folder", async () => {
      await Deno.stat(join(shared, "chatty.log.2"));
      return true;
    });
    await Deno.stat(join(shared, "solo.log"));
    // No log in the state directory: only iocsup's own files (the manager adds its settings
    // snapshot and state file when it gets to them).
    const stateFiles = await tree(project.stateDir);
    for (const name of ["created-dirs.json", "supervisor.sock", "supervisord.conf"]) {
      assert.ok(stateFiles.includes(name), `${name} in ${stateFiles}`);
    }
    for (const name of stateFiles) {
      assert.ok(
        name === "created-dirs.json" || GENERATED_FILES.includes(name),
        `${name} is not an iocsup file`,
      );
    }

    const clean = await runCli(["clean", ...opts]);
    assert.equal(clean.code, 0, clean.stderr);
    assert.match(clean.stdout, /removed .*\/chatty\.log\.2\n/);
    assert.deepEqual(await tree(shared), before);
    await assert.rejects(Deno.stat(project.stateDir), Deno.errors.NotFound);
    assert.deepEqual(await tree(project.dir), ["settings.yaml", "solo.pids"]);
  } finally {
    await runCli(["stop", ...opts]);
    await project.cleanup();
    await Deno.remove(shared, { recursive: true });
  }
});

Deno.test("clean keeps user files in the state directory; --dry-run lists the stop, then every file", async () => {
  const project = await tempProject(`solo:
  autostart: true
  command: ${iocScript("ioc.sh")} solo {dir}
crashy:
  autostart: true
  autorestart: true
  command: sh -c "sleep 1.5; exit 3"
`);
  const stateDir = join(project.dir, "state");
  const opts = ["--config", project.settings, "--state-dir", stateDir];
  try {
    await userFiles(stateDir);
    // Left by an atomic write that was interrupted: iocsup's, so clean removes it.
    const leftover = join(stateDir, `.iocsup-${crypto.randomUUID()}.tmp`);
    await Deno.writeTextFile(leftover, "half");
    const before = (await tree(stateDir)).filter((path) => !path.startsWith(".iocsup-"));
    const started = await runCli(["start-daemon", ...opts]);
    assert.equal(started.code, 0, started.stderr);
    // The manager saves restart counts once crashy has exited unexpectedly.
    await waitFor("manager-state.json", async () => {
      await Deno.stat(join(stateDir, "manager-state.json"));
      return true;
    }, { timeoutMs: 20_000 });

    const dry = await runCli(["clean", "--dry-run", ...opts]);
    assert.equal(dry.code, 0, dry.stderr);
    const lines = dry.stdout.trimEnd().split("\n");
    assert.equal(lines[0], "would stop supervisord");
    const listed = lines.slice(1).map((line) => {
      assert.match(line, /^would remove \//);
      return relative(stateDir, line.slice("would remove ".length));
    });
    for (
      const name of [
        "supervisord.conf",
        "supervisor.sock",
        "supervisord.pid",
        "manager-state.json",
        "created-dirs.json",
        relative(stateDir, leftover),
        "logs/supervisord.log",
        "logs/manager.log",
        "logs/solo.log",
        "logs/solo_error.log",
        "logs/crashy.log",
        "logs",
      ]
    ) assert.ok(listed.includes(name), `dry run does not list ${name}:\n${dry.stdout}`);
    assert.equal(listed.at(-1), "logs", "directories come after the files in them");
    assert.ok(!listed.includes(""), "the state directory holds user files: it stays");
    assert.ok(!listed.some((name) => before.includes(name)), "a user file is listed");
    assert.equal((await runCli(["status", ...opts])).code, 0, "dry run must not stop anything");
    await Deno.stat(leftover);

    const keep = await runCli(["clean", "--keep-logs", ...opts]);
    assert.equal(keep.code, 0, keep.stderr);
    assert.doesNotMatch(keep.stdout, /\.log/);
    const afterKeep = await tree(stateDir);
    assert.ok(afterKeep.includes("logs/solo.log"));
    assert.ok(afterKeep.includes("created-dirs.json"), "the kept log directory stays on record");
    assert.ok(!afterKeep.includes("supervisord.conf"));

    const clean = await runCli(["clean", ...opts]);
    assert.equal(clean.code, 0, clean.stderr);
    assert.match(clean.stdout, new RegExp(`removed ${stateDir}/logs\\n$`));
    assert.deepEqual(await tree(stateDir), before);
    assert.equal((await runCli(["clean", ...opts])).stdout, "nothing to remove\n");
  } finally {
    await runCli(["stop", ...opts]);
    await project.cleanup();
  }
});
