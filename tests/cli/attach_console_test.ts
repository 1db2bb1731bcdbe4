import assert from "node:assert/strict";
import { join } from "node:path";
import { consoleSocketPath } from "../../mod/console/paths.ts";
import { cliArgv, runCli, TextCollector } from "../helpers/cli.ts";
import { tempProject } from "../helpers/settings.ts";
import { waitFor } from "../helpers/wait.ts";

/**
 * A stand-in IOC shell: a boot log of 80 numbered lines, then an `epics> ` prompt that answers
 * `dbl` with two record names and any other command with "unknown command: …".
 */
const STAND_IN = `
import os
print("pid", os.getpid(), flush=True)
for i in range(80):
    print(f"boot line {i}", flush=True)
while True:
    try:
        line = input("epics> ")
    except EOFError:
        break
    command = line.strip()
    if command == "dbl":
        print("DEMO:REC:ONE\\nDEMO:REC:TWO", flush=True)
    elif command == "exit":
        break
    elif command:
        print(f"unknown command: {command}", flush=True)
`;

/** Runs a command on a pty, types keys when text appears, reports terminal modes (JSON). */
const PTY_RUN = new URL("../helpers/py/pty_run.py", import.meta.url).pathname;

/** An `iocsup attach` running with piped stdin, its output collected. */
interface Attached {
  child: Deno.ChildProcess;
  out: TextCollector;
  err: TextCollector;
  type(text: string): Promise<void>;
  closeInput(): Promise<void>;
}

function spawnAttach(args: string[], env: Record<string, string> = {}): Attached {
  const child = new Deno.Command(Deno.execPath(), {
    args: cliArgv(["attach", ...args]),
    env: { NO_COLOR: "1", ...env },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  return {
    child,
    out: new TextCollector(child.stdout),
    err: new TextCollector(child.stderr),
    type: (text) => writer.write(new TextEncoder().encode(text)),
    closeInput: () => writer.close(),
  };
}

async function finish(attached: Attached): Promise<number> {
  const { code } = await attached.child.status;
  await Promise.all([attached.out.done, attached.err.done]);
  return code;
}

async function iocPid(opts: string[], name: string): Promise<number> {
  const status = JSON.parse((await runCli(["status", "--json", ...opts])).stdout);
  return status.iocs.find((i: { name: string }) => i.name === name).pid;
}

Deno.test("attach connects to an IOC's console: scrollback, shared sessions, read-only, detach, audit", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "iocsup-attach-" });
  const standIn = join(dir, "standin_ioc.py");
  await Deno.writeTextFile(standIn, STAND_IN);
  const project = await tempProject(
    `con:\n  command: /usr/bin/python3 ${standIn}\n  console: true\n  autostart: true\n`,
  );
  const stateDir = project.stateDir;
  const socket = consoleSocketPath(stateDir, "con");
  const opts = ["--config", project.settings];
  const managerLog = join(stateDir, "logs", "manager.log");
  const iocLog = join(stateDir, "logs", "con.log");
  const started: Attached[] = [];
  const attach = (args: string[], env?: Record<string, string>) => {
    const attached = spawnAttach([...args, ...opts], env);
    started.push(attached);
    return attached;
  };
  try {
    assert.equal((await runCli(["start-daemon", ...opts])).code, 0);
    await waitFor("the console socket", async () => (await Deno.stat(socket)).isSocket);
    await waitFor(
      "the stand-in's prompt in its log",
      async () => /boot line 79\r?\n/.test(await Deno.readTextFile(iocLog)),
    );
    const pid = await iocPid(opts, "con");

    const a = attach(["con", "-n", "5"], { SUDO_USER: "alice" });
    await t.step("scrollback shows the last N log lines, then the console", async () => {
      await waitFor("the attach banner", () => /Attached to con's console/.test(a.err.text));
      assert.match(a.err.text, /Detach with Ctrl-\]; the IOC keeps running\./);
      await waitFor("procServ's welcome", () => a.out.text.includes("@@@ Welcome to procServ"));
      const history = a.out.text.slice(0, a.out.text.indexOf("@@@ Welcome"));
      // The last 5 lines: boot lines 75…79, or 76…79 and the prompt once it reached the log.
      assert.equal(history.split("\n").filter((l) => l !== "").length, 5, history);
      assert.match(history, /boot line 78\n(.*boot line 79\n)?/);
      assert.doesNotMatch(history, /boot line 74\b|\r/, "5 lines only, without their CR");
      assert.doesNotMatch(a.out.text, /\xff/, "telnet commands are stripped");
    });

    await t.step("a piped command reaches the IOC and its answer is printed", async () => {
      await a.type("dbl\n");
      await waitFor("the answer to dbl", () => /DEMO:REC:TWO/.test(a.out.text));
    });

    await t.step("input that ends at once still shows the answers before detaching", async () => {
      // `printf 'dbl\n' | iocsup attach con`: stdin is closed right after the command.
      const child = new Deno.Command(Deno.execPath(), {
        args: cliArgv(["attach", "con", "-n", "0", ...opts]),
        env: { NO_COLOR: "1" },
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode("dbl\n"));
      await writer.close();
      const result = await child.output();
      const out = new TextDecoder().decode(result.stdout);
      assert.equal(result.code, 0, new TextDecoder().decode(result.stderr));
      assert.match(out, /DEMO:REC:TWO/);
    });

    const b = attach(["con", "-n", "0"]);
    const ro = attach(["con", "--read-only", "-n", "0"]);
    await t.step("two attaches see each other's keys and output", async () => {
      await waitFor("the second banner", () => /Attached to con's console/.test(b.err.text));
      await b.type("hello_from_b\n");
      await waitFor(
        "b's command answered, seen by a",
        () => /unknown command: hello_from_b/.test(a.out.text),
      );
      assert.match(b.out.text, /unknown command: hello_from_b/);
    });

    await t.step("--read-only follows the console but its keys never reach the IOC", async () => {
      await waitFor(
        "the read-only banner",
        () => /Following con's console read-only .*keys are not sent/.test(ro.err.text),
      );
      await ro.type("ro_secret\n");
      await waitFor("the read-only notice", () => /Read-only: keys are not sent/.test(ro.err.text));
      // A command typed after it: once its answer is seen, the typed line would have been too.
      await a.type("after_ro\n");
      await waitFor(
        "a's next command, seen read-only",
        () => /unknown command: after_ro/.test(ro.out.text),
      );
      await waitFor(
        "a's next command answered",
        () => /unknown command: after_ro/.test(a.out.text),
      );
      for (const text of [a.out.text, b.out.text, ro.out.text, await Deno.readTextFile(iocLog)]) {
        assert.doesNotMatch(text, /ro_secret/);
      }
    });

    await t.step(
      "detaching (Ctrl-], end of input, SIGTERM, Ctrl-D) leaves the IOC running",
      async () => {
        await a.type("\x1d");
        assert.equal(await finish(a), 0);
        assert.match(a.err.text, /Detached from con \(detach key Ctrl-\]\); it keeps running/);
        await b.closeInput();
        assert.equal(await finish(b), 0);
        assert.match(b.err.text, /Detached from con \(end of input\)/);
        ro.child.kill("SIGTERM");
        assert.equal(await finish(ro), 0);
        assert.match(ro.err.text, /Detached from con \(signal SIGTERM\)/);
        const d = attach(["con", "-n", "0"]);
        await waitFor("the banner", () => /Attached to con's console/.test(d.err.text));
        await d.type("\x04");
        assert.equal(await finish(d), 0);
        assert.match(
          d.err.text,
          /Detached from con \(procServ logged out the session \(Ctrl-D\)\); it keeps running/,
        );
        assert.equal(await iocPid(opts, "con"), pid, "the same IOC process");
      },
    );

    await t.step(
      "on a terminal: raw mode while attached, Ctrl-C passed on, terminal restored",
      async () => {
        // Ctrl-C in raw mode is a byte for procServ (which ignores it), not a signal for attach.
        const steps = [
          ["Detach with", "dbl\r"],
          ["DEMO:REC:TWO", "\x03tty_line\r"],
          ["unknown command: tty_line", "\x1d"],
          ["keeps running", ""],
        ];
        const argv = cliArgv(["attach", "con", "-n", "0", ...opts]);
        const output = await new Deno.Command("/usr/bin/python3", {
          args: [PTY_RUN, JSON.stringify(steps), Deno.execPath(), ...argv],
          env: { NO_COLOR: "1" },
          stdout: "piped",
        }).output();
        const run = JSON.parse(new TextDecoder().decode(output.stdout));
        const cooked = { icanon: true, echo: true };
        const raw = { icanon: false, echo: false };
        assert.deepEqual(run.before, cooked, run.output);
        // (At the banner the terminal may still be cooked: raw mode comes right after it; at the
        // goodbye it may already be restored.)
        assert.deepEqual(run.steps.slice(1, -1), [raw, raw], run.output);
        assert.deepEqual(run.after, cooked, "the terminal is restored");
        assert.equal(run.code, 0);
        assert.match(run.output, /Detached from con \(detach key Ctrl-\]\); it keeps running/);

        // Read-only on a terminal: keys are dropped at once, with a notice; Ctrl-] still detaches.
        const roSteps = [
          ["Detach with", "ro_tty\r"],
          ["Read-only: keys are not sent", "\x1d"],
          ["keeps running", ""],
        ];
        const roArgv = cliArgv(["attach", "con", "--read-only", "-n", "0", ...opts]);
        const roOutput = await new Deno.Command("/usr/bin/python3", {
          args: [PTY_RUN, JSON.stringify(roSteps), Deno.execPath(), ...roArgv],
          env: { NO_COLOR: "1" },
          stdout: "piped",
        }).output();
        const roRun = JSON.parse(new TextDecoder().decode(roOutput.stdout));
        assert.deepEqual(roRun.steps.slice(1, -1), [raw], roRun.output);
        assert.deepEqual(roRun.after, cooked, "the terminal is restored");
        assert.equal(roRun.code, 0);
        assert.doesNotMatch(await Deno.readTextFile(iocLog), /ro_tty/);
      },
    );

    await t.step(
      "every attach and detach is in the manager's log with user, host and IOC",
      async () => {
        const log = await Deno.readTextFile(managerLog);
        const host = Deno.hostname();
        const who = (user: string) => `user "${user}" on host ${JSON.stringify(host)}`;
        const me = Deno.env.get("SUDO_USER") || Deno.env.get("USER") || Deno.env.get("LOGNAME") ||
          `uid ${Deno.uid()}`;
        const line = (text: string) =>
          new RegExp(
            `^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z INFO  attach: ${
              text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
            }`,
            "m",
          );
        assert.match(log, line(`${who("alice")} attached to IOC "con" (mode rw)`));
        assert.match(log, line(`${who("alice")} detached from IOC "con" (mode rw): detach key`));
        assert.match(log, line(`${who(me)} detached from IOC "con" (mode rw): end of input`));
        assert.match(log, line(`${who(me)} attached to IOC "con" (mode ro)`));
        assert.match(log, line(`${who(me)} detached from IOC "con" (mode ro): signal SIGTERM`));
        // Six sessions of the steps above, and the one whose input ended at once.
        assert.equal(log.match(/ attached to IOC "con"/g)?.length, 7);
        assert.equal(log.match(/ detached from IOC "con"/g)?.length, 7);
      },
    );

    await t.step("--line is refused for an IOC with a console, and with --read-only", async () => {
      const line = await runCli(["attach", "con", "--line", ...opts]);
      assert.equal(line.code, 2);
      assert.match(
        line.stderr,
        /Cannot use --line with "con": it has a console; use "iocsup attach con"/,
      );
      const both = await runCli(["attach", "con", "--line", "--read-only", ...opts]);
      assert.equal(both.code, 2);
      assert.match(both.stderr, /Cannot use --line with --read-only/);
    });

    await t.step("the IOC exiting ends every session with exit code 1", async () => {
      const e = attach(["con", "-n", "0"]);
      const watcher = attach(["con", "--read-only", "-n", "0"]);
      await waitFor(
        "the banners",
        () => /Attached to/.test(e.err.text) && /Following/.test(watcher.err.text),
      );
      await e.type("exit\n");
      assert.equal(await finish(e), 1);
      assert.match(e.err.text, /The console closed: con exited/);
      assert.equal(await finish(watcher), 1);
      assert.match(watcher.err.text, /The console closed: con exited/);
      const log = await Deno.readTextFile(managerLog);
      assert.match(log, /detached from IOC "con" \(mode ro\): the console closed: the IOC exited/);
      await waitFor("supervisord to see the exit", async () => {
        const status = JSON.parse((await runCli(["status", "--json", ...opts])).stdout);
        return status.iocs.find((i: { name: string }) => i.name === "con").state === "EXITED";
      });
      const notRunning = await runCli(["attach", "con", ...opts]);
      assert.equal(notRunning.code, 1);
      assert.match(notRunning.stderr, /Cannot attach to "con": it is EXITED, not RUNNING/);
    });
  } finally {
    for (const attached of started) {
      try {
        attached.child.kill("SIGKILL");
      } catch { /* exited */ }
      await attached.child.status;
      await Promise.allSettled([attached.out.done, attached.err.done]);
    }
    await runCli(["stop", ...opts]);
    await project.cleanup();
    await Deno.remove(dir, { recursive: true });
  }
});
