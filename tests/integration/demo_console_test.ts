/**
 * The demo's console IOC end to end: the embedded demo's settings (on free ports, web UI off, so
 * the test runs beside others and beside a running demo) under a real `iocsup start-daemon` and
 * Debian's procServ; `iocsup attach counter1` reaches demo/ioc_counter.ts's `epics> ` shell, piped
 * and on a real pty (Up-arrow history), and `exit` ends the IOC with status 0.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { demoSettingsYaml } from "../../demo/settings.ts";
import { consoleSocketPath } from "../../mod/console/paths.ts";
import { cliArgv, runCli, TextCollector } from "../helpers/cli.ts";
import { findOnPath } from "../helpers/epics_base.ts";
import { freeCaPort, freeTcpPort } from "../helpers/ports.ts";
import { waitFor } from "../helpers/wait.ts";

const SKIP = findOnPath("procServ") === undefined ? " — skipped: procServ is not on PATH" : "";
/** Runs a command on a pty, types keys when text appears, reports terminal modes (JSON). */
const PTY_RUN = new URL("../helpers/py/pty_run.py", import.meta.url).pathname;
const HEARTBEAT = "DEMO:counter1:HEARTBEAT";
/** How many lines of `dbl`'s answer (the heartbeat PV alone on its line) a text holds. */
function dblAnswers(text: string): number {
  return text.match(new RegExp(`^${HEARTBEAT}\\r*$`, "gm"))?.length ?? 0;
}

interface IocStatus {
  name: string;
  state: string;
  exitstatus: number | null;
}

async function statusOf(opts: string[], ioc: string): Promise<IocStatus | undefined> {
  const status = JSON.parse((await runCli(["status", "--json", ...opts])).stdout);
  return status.iocs.find((i: IocStatus) => i.name === ioc);
}

Deno.test({
  name: `demo: iocsup attach counter1 reaches the demo IOC's epics> shell${SKIP}`,
  ignore: SKIP !== "",
  async fn(t) {
    const dir = await Deno.makeTempDir({ prefix: "iocsup-demo-console-" });
    const settings = join(dir, "settings.yaml");
    await Deno.writeTextFile(
      settings,
      demoSettingsYaml({
        caPort: await freeCaPort(),
        pvaPort: freeTcpPort(),
        pvaUdpPort: await freeCaPort(),
        web: false,
      }),
    );
    const opts = ["--config", settings];
    const stateDir = join(dir, "ioc-supervisor");
    const iocLog = join(stateDir, "logs", "counter1.log");
    const attached: Deno.ChildProcess[] = [];
    try {
      const started = await runCli(["start-daemon", ...opts]);
      assert.equal(started.code, 0, started.stderr);
      await waitFor("counter1's console socket", async () => {
        return (await Deno.stat(consoleSocketPath(stateDir, "counter1"))).isSocket;
      });
      await waitFor(
        "counter1's ticks in its log",
        async () => /demo IOC counter1: tick \d+/.test(await Deno.readTextFile(iocLog)),
        { timeoutMs: 30_000 },
      );

      await t.step(
        "piped: the last log lines, then dbl answered with the heartbeat PV",
        async () => {
          const child = new Deno.Command(Deno.execPath(), {
            args: cliArgv(["attach", "counter1", "-n", "5", ...opts]),
            env: { NO_COLOR: "1" },
            stdin: "piped",
            stdout: "piped",
            stderr: "piped",
          }).spawn();
          attached.push(child);
          const out = new TextCollector(child.stdout);
          const err = new TextCollector(child.stderr);
          await waitFor("the attach banner", () => /Attached to counter1's console/.test(err.text));
          await waitFor("the last log lines", () => /demo IOC counter1: tick \d+\n/.test(out.text));
          assert.doesNotMatch(
            out.text.slice(0, out.text.indexOf("demo IOC counter1: tick")),
            /@@@ Welcome/,
            "the log lines come before the console",
          );
          const writer = child.stdin.getWriter();
          await writer.write(new TextEncoder().encode("dbl\n"));
          await waitFor("dbl's answer", () => dblAnswers(out.text) === 1);
          await writer.close();
          assert.equal((await child.status).code, 0);
          await Promise.all([out.done, err.done]);
          assert.match(err.text, /Detached from counter1 \(end of input\)/);
        },
      );

      await t.step("on a pty: the prompt, and Up-arrow recalls dbl", async () => {
        // dbl, Enter; Up, Enter; then help, whose answer comes after the second dbl's.
        const steps = [
          ["epics> ", "dbl\r"],
          [`${HEARTBEAT}\r`, "\x1b[A\r"],
          ["epics> ", "help\r"],
          // help's last line: its commands, in columns of 12.
          ["exit        help", "\x1d"],
          ["keeps running", ""],
        ];
        const output = await new Deno.Command("/usr/bin/python3", {
          args: [
            PTY_RUN,
            JSON.stringify(steps),
            Deno.execPath(),
            ...cliArgv(["attach", "counter1", "-n", "0", ...opts]),
          ],
          env: { NO_COLOR: "1" },
          stdout: "piped",
        }).output();
        const run = JSON.parse(new TextDecoder().decode(output.stdout));
        assert.equal(run.steps.length, steps.length, run.output);
        for (const step of run.steps) assert.ok(!("missing" in step), run.output);
        assert.equal(run.code, 0, run.output);
        assert.equal(dblAnswers(run.output), 2, `dbl ran twice:\n${run.output}`);
        assert.match(run.output, /dbgf +dbl +dbpr +exit +help/);
      });

      await t.step(
        "the log holds the commands as they ran and ticks without the prompt",
        async () => {
          // Three dbl: piped, typed, recalled; the help typed last is in the log once all are.
          const log = await waitFor(
            "help in the log",
            async () => {
              const text = await Deno.readTextFile(iocLog);
              return /epics> help$/m.test(text) && text;
            },
          );
          assert.equal(log.match(/epics> dbl$/gm)?.length, 3, log);
          assert.match(log, /^(\[[^\]]*\] )?demo IOC counter1: tick \d+$/m);
          assert.doesNotMatch(log, /epics> (epics> |demo IOC)/);
        },
      );

      await t.step("exit typed at the console ends the IOC with status 0", async () => {
        const child = new Deno.Command(Deno.execPath(), {
          args: cliArgv(["attach", "counter1", "-n", "0", ...opts]),
          env: { NO_COLOR: "1" },
          stdin: "piped",
          stdout: "null",
          stderr: "piped",
        }).spawn();
        attached.push(child);
        const err = new TextCollector(child.stderr);
        await waitFor("the attach banner", () => /Attached to counter1's console/.test(err.text));
        const writer = child.stdin.getWriter();
        await writer.write(new TextEncoder().encode("exit\n"));
        assert.equal((await child.status).code, 1, "attach ends: the console closed");
        await writer.close().catch(() => {});
        await err.done;
        assert.match(err.text, /The console closed: counter1 exited/);
        const status = await waitFor("counter1 EXITED", async () => {
          const ioc = await statusOf(opts, "counter1");
          return ioc?.state === "EXITED" ? ioc : undefined;
        });
        assert.equal(status.exitstatus, 0, JSON.stringify(status));
      });
    } finally {
      for (const child of attached) {
        try {
          child.kill("SIGKILL");
        } catch { /* exited */ }
        await child.status;
      }
      await runCli(["stop", ...opts]);
      await Deno.remove(dir, { recursive: true });
    }
  },
});
