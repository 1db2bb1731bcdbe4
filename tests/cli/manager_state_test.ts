/**
 * A manager that is not RUNNING makes `status` fail with the way back, and `start-daemon` brings
 * it back; a supervisord that does not answer (SIGSTOP) makes commands fail with a clear message
 * instead of hanging. Real supervisord through the CLI.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { SupervisorClient } from "../../mod/supervisor/mod.ts";
import { pidAlive, runCli } from "../helpers/cli.ts";
import { iocScript, tempProject } from "../helpers/settings.ts";

const ONE_IOC = `alpha:
  autostart: true
  command: ${iocScript("ioc.sh")} alpha {dir}
`;

Deno.test("status exits 1 with the way back while the manager is STOPPED; start-daemon starts it again", async () => {
  const project = await tempProject(ONE_IOC);
  const opts = ["--config", project.settings];
  try {
    assert.equal((await runCli(["start-daemon", ...opts])).code, 0);
    const client = new SupervisorClient(join(project.stateDir, "supervisor.sock"), {
      timeoutMs: 30_000,
    });
    assert.equal(await client.stopProcess("iocsup-manager", true), true);

    const status = await runCli(["status", ...opts]);
    assert.equal(status.code, 1, status.stderr);
    assert.match(status.stdout, /manager\s+STOPPED/);
    assert.match(status.stdout, /alpha\s+RUNNING/);
    assert.match(
      status.stderr,
      /The manager \(iocsup-manager\) is STOPPED: no PVs are served\. "iocsup start-daemon" starts it again/,
    );
    const json = await runCli(["status", "--json", ...opts]);
    assert.equal(json.code, 1);
    assert.equal(JSON.parse(json.stdout).manager.state, "STOPPED");

    const alphaPid = (await client.getProcessInfo("alpha")).pid;
    const started = await runCli(["start-daemon", ...opts]);
    assert.equal(started.code, 0, started.stderr);
    assert.match(started.stderr, /The manager \(iocsup-manager\) was STOPPED: starting it again/);
    assert.match(started.stdout, /already running .*; manager RUNNING/);
    assert.equal((await client.getProcessInfo("iocsup-manager")).statename, "RUNNING");
    assert.equal((await client.getProcessInfo("alpha")).pid, alphaPid, "IOCs are left alone");

    const healthy = await runCli(["status", ...opts]);
    assert.equal(healthy.code, 0, healthy.stderr);
    assert.match(healthy.stdout, /manager\s+RUNNING/);
    const again = await runCli(["start-daemon", ...opts]);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /already running .*; nothing changed/);
  } finally {
    await runCli(["stop", ...opts]);
    await project.cleanup();
  }
});

Deno.test("status, start-daemon and stop fail with a clear message when supervisord does not answer", async () => {
  const project = await tempProject(ONE_IOC);
  const opts = ["--config", project.settings];
  const socket = join(project.stateDir, "supervisor.sock");
  let pid = 0;
  try {
    assert.equal((await runCli(["start-daemon", ...opts])).code, 0);
    pid = Number((await Deno.readTextFile(join(project.stateDir, "supervisord.pid"))).trim());
    Deno.kill(pid, "SIGSTOP");
    const noAnswer = new RegExp(
      `supervisord does not answer on ${socket.replaceAll(".", "\\.")} \\(after 5 s\\)`,
    );
    for (const command of ["status", "start-daemon", "stop"]) {
      const result = await runCli([command, ...opts]);
      assert.equal(result.code, 1, `${command}: ${result.stderr}`);
      assert.match(result.stderr, noAnswer, command);
    }
    Deno.kill(pid, "SIGCONT");
    assert.equal((await runCli(["status", ...opts])).code, 0);
  } finally {
    if (pid > 0) Deno.kill(pid, "SIGCONT");
    await runCli(["stop", ...opts]);
    assert.equal(pid === 0 || !pidAlive(pid), true);
    await project.cleanup();
  }
});
