import assert from "node:assert/strict";
import { join } from "node:path";
import { NotRunningError } from "../../mod/errors.ts";
import {
  isRunning,
  type ProcessInfo,
  shutdownAndWait,
  SupervisorClient,
  SupervisorFault,
} from "../../mod/supervisor/mod.ts";
import { iocSettings } from "../unit/supervisor/settings_fixture.ts";
import { waitFor } from "../helpers/wait.ts";
import { processAlive, WEB_PASSWORD, withSupervisord } from "./supervisor_fixture.ts";

function byName(list: ProcessInfo[]): Record<string, ProcessInfo> {
  return Object.fromEntries(list.map((p) => [p.name, p]));
}

async function stateOf(client: SupervisorClient, name: string): Promise<string> {
  return (await client.getProcessInfo(name)).statename;
}

Deno.test("startDaemon() runs the programs; stopProcess() and startProcess() round-trip", async () => {
  await withSupervisord((dir) => [
    iocSettings("ioc-a", { command: "sh -c 'echo hi; exec sleep 1000'", directory: dir }),
    iocSettings("ioc_b.2", { command: "sleep 1000", directory: dir }),
  ], async ({ client, paths }) => {
    const all = await waitFor("both IOCs RUNNING", async () => {
      const info = byName(await client.getAllProcessInfo());
      return info["ioc-a"]?.statename === "RUNNING" && info["ioc_b.2"]?.statename === "RUNNING"
        ? info
        : undefined;
    });
    const a = all["ioc-a"] as ProcessInfo;
    assert.equal(a.group, "ioc-a");
    assert.equal(a.state, 20);
    assert.ok(a.pid > 0 && await processAlive(a.pid));
    assert.equal(a.stdout_logfile, join(paths.logDir, "ioc-a.log"));
    assert.equal(a.stderr_logfile, join(paths.logDir, "ioc-a_error.log"));
    assert.equal(await client.getPID(), Number((await Deno.readTextFile(paths.pidFile)).trim()));

    assert.equal(await client.stopProcess("ioc-a", true), true);
    const stopped = await client.getProcessInfo("ioc-a");
    assert.equal(stopped.statename, "STOPPED");
    assert.equal(stopped.pid, 0);
    assert.equal(await processAlive(a.pid), false);
    assert.equal(await stateOf(client, "ioc_b.2"), "RUNNING");

    assert.equal(await client.startProcess("ioc-a", true), true);
    assert.equal(await stateOf(client, "ioc-a"), "RUNNING");
    const log = await Deno.readTextFile(join(paths.logDir, "ioc-a.log"));
    // Each line stamped by the timestamp filter (log_stamp.ts), the default.
    assert.match(log, /^\[[^\]]+\] hi\n\[[^\]]+\] hi\n$/);
  });
});

Deno.test("SupervisorClient faults carry supervisord's code and name", async () => {
  await withSupervisord((dir) => [
    iocSettings("up", { command: "sleep 1000", directory: dir }),
    iocSettings("down", { command: "sleep 1000", directory: dir, autostart: false }),
  ], async ({ client }) => {
    await waitFor("up RUNNING", async () => await stateOf(client, "up") === "RUNNING");
    const already = await client.startProcess("up").then(() => undefined, (e: unknown) => e);
    assert.ok(already instanceof SupervisorFault);
    assert.equal(already.code, 60);
    assert.equal(already.faultName, "ALREADY_STARTED");
    assert.match(already.message, /^Cannot call supervisor\.startProcess: ALREADY_STARTED: up$/);

    await assert.rejects(client.getProcessInfo("no-such-ioc"), (e: unknown) => {
      assert.ok(e instanceof SupervisorFault);
      assert.equal(e.faultName, "BAD_NAME");
      assert.equal(e.code, 10);
      return true;
    });
    await assert.rejects(client.stopProcess("down"), (e: unknown) => {
      assert.ok(e instanceof SupervisorFault);
      assert.equal(e.faultName, "NOT_RUNNING");
      return true;
    });
    assert.equal(await stateOf(client, "down"), "STOPPED");
  });
});

Deno.test("renderConf() gets % and quotes in env and command to the IOC literally", async () => {
  const env = {
    PERCENT: "100%(ENV_HOME)s %%",
    DOUBLE: `say "hi", then bye`,
    SINGLE: "it's mine",
    SPACES: "a b,c=d",
    HASH: "a#b;c",
  };
  await withSupervisord((dir) => [
    iocSettings("envdump", {
      command: 'sh -c \'env > env.txt; printf "%s\\n" "50% done ;x #y" > arg.txt; ' +
        "exec sleep 1000'",
      directory: dir,
      env,
    }),
  ], async ({ client, dir }) => {
    await waitFor("envdump RUNNING", async () => await stateOf(client, "envdump") === "RUNNING");
    const lines = (await Deno.readTextFile(join(dir, "env.txt"))).split("\n");
    for (const [name, value] of Object.entries(env)) {
      assert.ok(lines.includes(`${name}=${value}`), `${name} in:\n${lines.join("\n")}`);
    }
    assert.equal(await Deno.readTextFile(join(dir, "arg.txt")), "50% done ;x #y\n");
  });
});

Deno.test("stopProcess() also ends the IOC's own children (stopasgroup)", async () => {
  await withSupervisord((dir) => [
    iocSettings("parent", {
      command: "sh -c 'sleep 1001 & echo $! > child.pid; wait'",
      directory: dir,
    }),
  ], async ({ client, dir }) => {
    await waitFor("parent RUNNING", async () => await stateOf(client, "parent") === "RUNNING");
    const child = Number((await Deno.readTextFile(join(dir, "child.pid"))).trim());
    assert.ok(child > 0 && await processAlive(child));
    await client.stopProcess("parent", true);
    await waitFor("the IOC's child to exit", async () => !await processAlive(child));
  });
});

Deno.test("an IOC that exits at once ends FATAL", async () => {
  await withSupervisord((dir) => [
    iocSettings("dies", { command: "sh -c 'exit 3'", directory: dir, startsecs: 1 }),
  ], async ({ client }) => {
    const info = await waitFor(
      "dies FATAL",
      async () => {
        const info = await client.getProcessInfo("dies");
        return info.statename === "FATAL" ? info : undefined;
      },
      { timeoutMs: 30_000 },
    );
    assert.equal(info.state, 200);
    assert.equal(info.pid, 0);
  });
});

Deno.test("shutdownAndWait() leaves no supervisord, pid file or socket", async () => {
  let iocPid = 0;
  await withSupervisord((dir) => [
    iocSettings("ioc", { command: "sleep 1000", directory: dir }),
  ], async ({ client, paths }) => {
    iocPid = await waitFor("ioc RUNNING", async () => {
      const info = await client.getProcessInfo("ioc");
      return info.statename === "RUNNING" ? info.pid : undefined;
    });
    const pid = await shutdownAndWait(client, paths.pidFile);
    assert.equal(await processAlive(pid), false);
    assert.equal(await processAlive(iocPid), false);
    await assert.rejects(Deno.stat(paths.socket), Deno.errors.NotFound);
    await assert.rejects(Deno.stat(paths.pidFile), Deno.errors.NotFound);
    assert.equal(await isRunning(paths), false);
    await assert.rejects(client.getState(), NotRunningError);
  });
});

Deno.test("SupervisorClient throws NotRunningError when nothing listens", async () => {
  const dir = await Deno.makeTempDir({ prefix: "iocsup-sup-" });
  try {
    const socket = join(dir, "supervisor.sock");
    await assert.rejects(new SupervisorClient(socket).getState(), NotRunningError);
    assert.equal(await isRunning({ socket }), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the web UI listens where settings say and wants the password", async () => {
  await withSupervisord(() => [], async ({ webListen }) => {
    const url = `http://${webListen}/`;
    const anonymous = await fetch(url);
    await anonymous.body?.cancel();
    assert.equal(anonymous.status, 401);
    const authorization = `Basic ${btoa(`iocsup:${WEB_PASSWORD}`)}`;
    const ok = await fetch(url, { headers: { authorization } });
    await ok.body?.cancel();
    assert.equal(ok.status, 200);
  });
});

Deno.test("the manager event listener sees every IOC transition from the first", async () => {
  const script = new URL("./supervisor_listener_script.ts", import.meta.url).pathname;
  await withSupervisord(
    (dir) => [iocSettings("watched", { command: "sleep 1000", directory: dir })],
    async ({ client, dir }) => {
      const events = join(dir, "events.txt");
      const read = () => Deno.readTextFile(events).catch(() => "");
      await waitFor(
        "the RUNNING event",
        async () => (await read()).includes("watched STARTING->RUNNING"),
      );
      await client.stopProcess("watched", true);
      await waitFor("the STOPPED event", async () => (await read()).includes("STOPPING->STOPPED"));
      const lines = (await read()).trim().split("\n");
      // The listener also hears about itself; the manager must ignore its own group.
      assert.deepEqual(lines.filter((line) => line.startsWith("watched ")), [
        "watched STOPPED->STARTING",
        "watched STARTING->RUNNING",
        "watched RUNNING->STOPPING",
        "watched STOPPING->STOPPED",
      ]);
      const listener = await client.getProcessInfo("iocsup-manager");
      assert.equal(listener.statename, "RUNNING");
    },
    {
      managerCommand: (dir) => [
        Deno.execPath(),
        "run",
        "--allow-write",
        "--allow-env",
        script,
        join(dir, "events.txt"),
      ],
    },
  );
});
