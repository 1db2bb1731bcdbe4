import assert from "node:assert/strict";
import { cliArgv, runCli, TextCollector } from "../helpers/cli.ts";
import { iocScript, tempProject } from "../helpers/settings.ts";
import { waitFor } from "../helpers/wait.ts";

Deno.test("attach --line sends typed lines to the IOC's stdin, refuses control keys, detaches on EOF", async () => {
  const project = await tempProject(`echoer:
  autostart: true
  command: ${iocScript("stdin_echo.sh")} echoer
`);
  const opts = ["--config", project.settings];
  let attach: Deno.ChildProcess | undefined;
  try {
    assert.equal((await runCli(["start-daemon", ...opts])).code, 0);
    const noLine = await runCli(["attach", "echoer", ...opts]);
    assert.equal(noLine.code, 2);
    assert.match(noLine.stderr, /IOC "echoer" has no console \(set "console: true" for it/);
    assert.match(noLine.stderr, /use "iocsup attach echoer --line"/);
    assert.match(noLine.stderr, /control keys cannot be sent/);
    const unknown = await runCli(["attach", "nosuch", ...opts]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Cannot attach to unknown IOC "nosuch": known are echoer/);

    attach = new Deno.Command(Deno.execPath(), {
      args: cliArgv(["attach", "echoer", "--line", "-n", "5", ...opts]),
      env: { NO_COLOR: "1", SUDO_USER: "bob" },
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const shown = new TextCollector(attach.stdout);
    const errors = new TextCollector(attach.stderr);
    // The log's history comes first.
    await waitFor("the log history", () => /\] pid \d+\n/.test(shown.text));
    const writer = attach.stdin.getWriter();
    const encoder = new TextEncoder();
    await writer.write(encoder.encode("hello ioc\n"));
    await waitFor("the IOC's echo in its log", () => /\] stdin: hello ioc\n/.test(shown.text));
    await writer.write(encoder.encode("bad\x03key\n"));
    await waitFor("the refusal", () => /control keys cannot be sent/.test(errors.text));
    // A line after the refused one: once it is echoed, the refused one would have been too.
    await writer.write(encoder.encode("after\n"));
    await waitFor("the next echo", () => /\] stdin: after\n/.test(shown.text));
    await writer.close();
    assert.equal((await attach.status).code, 0);
    await Promise.all([shown.done, errors.done]);
    assert.match(errors.text, /detached from "echoer"; it keeps running/);
    assert.doesNotMatch(shown.text, /bad/, "the refused line never reached the IOC");

    // The audit trail in the manager's log: attach, each line sent, detach.
    const log = await Deno.readTextFile(`${project.stateDir}/logs/manager.log`);
    const who = `user "bob" on host ${JSON.stringify(Deno.hostname())}`;
    assert.match(log, new RegExp(` INFO  attach: ${who} attached to IOC "echoer" \\(mode line\\)`));
    assert.match(log, new RegExp(`attach: ${who} sent a line to IOC "echoer": "hello ioc"`));
    assert.match(log, new RegExp(`attach: ${who} sent a line to IOC "echoer": "after"`));
    assert.doesNotMatch(log, /bad/, "refused lines are not sent, so not logged as sent");
    assert.match(log, new RegExp(`attach: ${who} detached from IOC "echoer" \\(mode line\\)`));

    const status = JSON.parse((await runCli(["status", "--json", ...opts])).stdout);
    assert.equal(status.iocs.find((i: { name: string }) => i.name === "echoer").state, "RUNNING");
  } finally {
    try {
      attach?.kill("SIGKILL");
    } catch { /* exited */ }
    await attach?.status;
    await runCli(["stop", ...opts]);
    await project.cleanup();
  }
});
