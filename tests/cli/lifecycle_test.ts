import assert from "node:assert/strict";
import { join } from "node:path";
import { pidAlive, runCli, spawnCli, TextCollector } from "../helpers/cli.ts";
import { iocScript, tempProject } from "../helpers/settings.ts";
import { freeTcpPort } from "../helpers/ports.ts";
import { waitFor } from "../helpers/wait.ts";

async function readPids(dir: string, name: string): Promise<[number, number]> {
  const text = await waitFor(`${name}.pids`, async () => {
    const t = await Deno.readTextFile(join(dir, `${name}.pids`)).catch(() => "");
    return t.trim().split(" ").length === 2 ? t : undefined;
  });
  const [pid, child] = text.trim().split(" ").map(Number);
  return [pid!, child!];
}

Deno.test("start-daemon, status and stop run real IOCs under supervisord", async () => {
  const webPort = freeTcpPort();
  const project = await tempProject(
    `alpha:
  autostart: true
  command: ${iocScript("ioc.sh")} alpha {dir}
  description: first test IOC
beta:
  autostart: true
  command: ${iocScript("ioc.sh")} beta {dir}
gamma:
  autostart: false
  command: ${iocScript("ioc.sh")} gamma {dir}
`,
    { generalExtra: `  web: { listen: "127.0.0.1:${webPort}" }` },
  );
  const opts = ["--config", project.settings];
  try {
    const started = await runCli(["start-daemon", ...opts]);
    assert.equal(started.code, 0, started.stderr);
    assert.match(started.stdout, /alpha\s+RUNNING\s+pid \d+/);
    assert.match(started.stdout, /beta\s+RUNNING\s+pid \d+/);
    assert.doesNotMatch(started.stdout, /gamma/);

    const conf = await Deno.readTextFile(join(project.stateDir, "supervisord.conf"));
    assert.match(conf, /do not edit/);
    assert.match(conf, /stopasgroup\s*=\s*true/);
    assert.match(conf, /killasgroup\s*=\s*true/);
    const socketMode = (await Deno.stat(join(project.stateDir, "supervisor.sock"))).mode! & 0o777;
    assert.equal(socketMode & 0o077, 0, `socket mode ${socketMode.toString(8)}`);
    const credentialsMode = (await Deno.stat(join(project.stateDir, "web-credentials"))).mode! &
      0o777;
    assert.equal(credentialsMode, 0o600);

    const again = await runCli(["start-daemon", ...opts]);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /already running/);

    const text = await runCli(["status", ...opts]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^IOC\s+STATE\s+PID\s+UPTIME\s+AUTOSTART\s+LAST EXIT\s+DESCRIPTION/);
    assert.match(text.stdout, /alpha\s+RUNNING\s+\d+\s+\d\d:\d\d:\d\d\s+yes\s+-\s+first test IOC/);
    assert.match(text.stdout, /gamma\s+STOPPED\s+-\s+-\s+no/);
    const password = (await Deno.readTextFile(join(project.stateDir, "web-credentials"))).trim();
    assert.match(text.stdout, new RegExp(`127\\.0\\.0\\.1:${webPort}.*iocsup.*${password}`));

    const json = await runCli(["status", "--json", ...opts]);
    assert.equal(json.code, 0);
    const report = JSON.parse(json.stdout);
    const alpha = report.iocs.find((i: { name: string }) => i.name === "alpha");
    assert.equal(alpha.state, "RUNNING");
    const [alphaPid, alphaChild] = await readPids(project.dir, "alpha");
    assert.equal(alpha.pid, alphaPid);
    assert.equal(report.supervisord.running, true);

    const web = await fetch(`http://127.0.0.1:${webPort}/`);
    await web.body?.cancel();
    assert.equal(web.status, 401, "web UI must ask for a password");

    // A settings file being edited (and invalid for now) must not keep anyone from status/stop.
    await Deno.writeTextFile(project.settings, "broken:\n  autostart: maybe\n", { append: true });
    assert.equal((await runCli(["status", ...opts])).code, 0);
    const stopped = await runCli(["stop", ...opts]);
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.match(stopped.stdout, /stopped/);
    assert.equal(pidAlive(alphaPid), false);
    assert.equal(pidAlive(alphaChild), false, "the IOC's own child must be stopped too");

    const down = await runCli(["status", ...opts]);
    assert.equal(down.code, 3);
    assert.match(down.stdout, /not running/);
    const stopAgain = await runCli(["stop", ...opts]);
    assert.equal(stopAgain.code, 0);
    assert.match(stopAgain.stdout, /not running/);
  } finally {
    await runCli(["stop", ...opts]);
    await project.cleanup();
  }
});

Deno.test("start runs in the foreground and SIGTERM stops every IOC and its children", async () => {
  const project = await tempProject(`one:
  autostart: true
  command: ${iocScript("ioc.sh")} one {dir}
two:
  autostart: true
  command: ${iocScript("ioc.sh")} two {dir}
`);
  const opts = ["--config", project.settings];
  const child = spawnCli(["start", ...opts]);
  const stdout = new TextCollector(child.stdout);
  const stderr = new TextCollector(child.stderr);
  try {
    const [onePid, oneChild] = await readPids(project.dir, "one");
    const [twoPid] = await readPids(project.dir, "two");
    await waitFor("both RUNNING", async () => {
      const s = await runCli(["status", "--json", ...opts]);
      return s.code === 0 &&
        JSON.parse(s.stdout).iocs.every((i: { state: string }) => i.state === "RUNNING");
    });
    child.kill("SIGTERM");
    const status = await child.status;
    await Promise.all([stdout.done, stderr.done]);
    assert.equal(status.code, 0, stderr.text);
    for (const pid of [onePid, oneChild, twoPid]) {
      assert.equal(pidAlive(pid), false, `pid ${pid} still alive`);
    }
    assert.equal((await runCli(["status", ...opts])).code, 3);
  } finally {
    try {
      child.kill("SIGKILL");
    } catch { /* exited */ }
    await child.status;
    await runCli(["stop", ...opts]);
    await project.cleanup();
  }
});

Deno.test("start-daemon exits 1 and status shows FATAL for an IOC that exits at once", async () => {
  const project = await tempProject(`good:
  autostart: true
  command: ${iocScript("ioc.sh")} good {dir}
broken:
  autostart: true
  command: /bin/false
  startsecs: 1
`);
  const opts = ["--config", project.settings];
  try {
    const started = await runCli(["start-daemon", ...opts]);
    assert.equal(started.code, 1);
    assert.match(started.stdout, /broken\s+FATAL/);
    assert.match(started.stdout, /good\s+RUNNING/);
    const json = JSON.parse((await runCli(["status", "--json", ...opts])).stdout);
    const broken = json.iocs.find((i: { name: string }) => i.name === "broken");
    assert.equal(broken.state, "FATAL");
  } finally {
    await runCli(["stop", ...opts]);
    await project.cleanup();
  }
});

Deno.test("an env value containing % and quotes reaches the IOC literally", async () => {
  const value = `50% "quoted", a=b $HOME \\ back %(here)s`;
  const project = await tempProject(`envy:
  autostart: true
  command: ${iocScript("env_dump.sh")} {dir}/envy.out
  env:
    IOC_VALUE: ${JSON.stringify(value)}
`);
  const opts = ["--config", project.settings];
  try {
    const started = await runCli(["start-daemon", ...opts]);
    assert.equal(started.code, 0, started.stderr + started.stdout);
    const seen = await waitFor(
      "envy.out",
      () => Deno.readTextFile(join(project.dir, "envy.out")).catch(() => undefined),
    );
    assert.equal(seen, value);
  } finally {
    await runCli(["stop", ...opts]);
    await project.cleanup();
  }
});
