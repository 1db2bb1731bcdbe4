import assert from "node:assert/strict";
import { join } from "node:path";
import { MANAGER_LISTENER_NAME, SupervisorClient } from "../../mod/supervisor/mod.ts";
import { runCli } from "../helpers/cli.ts";
import { freeCaPort, freeTcpPort } from "../helpers/ports.ts";
import { runPyScript } from "../helpers/pyepics.ts";
import { iocScript } from "../helpers/settings.ts";
import { waitFor } from "../helpers/wait.ts";
import { type OpResult, startIocsup } from "../integration/manager_helpers.ts";

const P = "TEST:MAN:";

async function caGet(port: number, pv: string, timeout = 5): Promise<OpResult> {
  const { results } = await runPyScript<{ results: OpResult[] }>("ca_ops.py", {
    port,
    args: [JSON.stringify({ timeout, ops: [{ op: "get", pv }] })],
  });
  return results[0]!;
}

async function replaceInFile(path: string, from: string, to: string): Promise<void> {
  const text = await Deno.readTextFile(path);
  assert.ok(text.includes(from), `${path} has no "${from}"`);
  await Deno.writeTextFile(path, text.replace(from, to));
}

Deno.test("reload restarts the manager to apply a new general.ca.port", async () => {
  const ioc = await startIocsup(
    `a:\n  autostart: true\n  command: ${iocScript("ioc.sh")} a {dir}\n`,
  );
  try {
    assert.equal(((await caGet(ioc.caPort, `${P}a_control`)).value as { value: number }).value, 1);
    const newPort = await freeCaPort();
    await replaceInFile(ioc.settings, `port: ${ioc.caPort}`, `port: ${newPort}`);
    const r = await runCli(["reload", "--json", ...ioc.opts]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.deepEqual(report.manager, { action: "restarted", reasons: ["general.ca.port"] });
    assert.deepEqual(report.restartNeeded, []);
    const moved = await waitFor("the manager on the new port", async () => {
      const result = await caGet(newPort, `${P}a_control`, 2);
      return result.error === undefined ? result : undefined;
    }, { timeoutMs: 20_000 });
    assert.equal((moved.value as { value: number }).value, 1);
    assert.ok((await caGet(ioc.caPort, `${P}a_control`, 1)).error, "the old port is closed");

    // The text output says so, and a reload with nothing new only signals the manager.
    const again = await runCli(["reload", ...ioc.opts]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^manager: reloaded$/m);
    await replaceInFile(ioc.settings, `port: ${newPort}`, `port: ${ioc.caPort}`);
    const back = await runCli(["reload", ...ioc.opts]);
    assert.equal(back.code, 0, back.stderr);
    assert.match(back.stdout, /^manager: restarted to apply general\.ca\.port$/m);

    // A SIGHUP sent by hand cannot move the CA server either: the manager exits and
    // supervisord starts one that binds the new port.
    const thirdPort = await freeCaPort();
    await replaceInFile(ioc.settings, `port: ${ioc.caPort}`, `port: ${thirdPort}`);
    const client = new SupervisorClient(join(ioc.stateDir, "supervisor.sock"));
    await client.signalProcess(MANAGER_LISTENER_NAME, "HUP");
    await waitFor("the manager on the port given before SIGHUP", async () => {
      return (await caGet(thirdPort, `${P}a_control`, 2)).error === undefined;
    }, { timeoutMs: 20_000 });
  } finally {
    await ioc.close();
  }
});

Deno.test("reload keeps the web UI in force and says a restart is needed", async () => {
  const webPort = freeTcpPort();
  const ioc = await startIocsup(
    `a:\n  autostart: true\n  command: ${iocScript("ioc.sh")} a {dir}\n`,
    { generalExtra: `  web: { listen: "127.0.0.1:${webPort}", password: old-secret }` },
  );
  const login = async (password: string) => {
    const response = await fetch(`http://127.0.0.1:${webPort}/`, {
      headers: { Authorization: `Basic ${btoa(`iocsup:${password}`)}` },
    });
    await response.body?.cancel();
    return response.status;
  };
  const statusWeb = async () => {
    const s = await runCli(["status", "--json", ...ioc.opts]);
    assert.equal(s.code, 0, s.stderr);
    return JSON.parse(s.stdout).web;
  };
  try {
    assert.equal(await login("old-secret"), 200);
    await replaceInFile(ioc.settings, "password: old-secret", "password: new-secret");
    const r = await runCli(["reload", ...ioc.opts]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^not applied: general\.web\.password: .*iocsup restart/m);
    assert.doesNotMatch(r.stdout, /new-secret/);
    assert.equal(await login("old-secret"), 200, "the login in force still works");
    assert.equal(await login("new-secret"), 401);
    assert.equal((await statusWeb()).password, "old-secret");
    const text = await runCli(["status", ...ioc.opts]);
    assert.match(text.stdout, /old-secret/);
    assert.doesNotMatch(text.stdout, /new-secret/);

    await replaceInFile(
      ioc.settings,
      `web: { listen: "127.0.0.1:${webPort}", password: new-secret }`,
      "web: false",
    );
    const off = await runCli(["reload", "--json", ...ioc.opts]);
    assert.equal(off.code, 0, off.stderr);
    assert.deepEqual(JSON.parse(off.stdout).restartNeeded, ["general.web"]);
    assert.equal(await login("old-secret"), 200);
    assert.deepEqual(await statusWeb(), {
      listen: `127.0.0.1:${webPort}`,
      username: "iocsup",
      password: "old-secret",
      url: `http://127.0.0.1:${webPort}/`,
    });
    const conf = await Deno.readTextFile(join(ioc.stateDir, "supervisord.conf"));
    assert.match(conf, /^password=old-secret$/m);

    // supervisord's own log settings wait for a restart too; the IOCs' logs follow at once.
    await replaceInFile(ioc.settings, "general:\n", "general:\n  log_backups: 2\n");
    const logs = await runCli(["reload", "--json", ...ioc.opts]);
    assert.equal(logs.code, 0, logs.stderr);
    assert.deepEqual(JSON.parse(logs.stdout).restartNeeded, ["general.web", "general.log_backups"]);
    const after = await Deno.readTextFile(join(ioc.stateDir, "supervisord.conf"));
    const daemon = after.slice(after.indexOf("[supervisord]"), after.indexOf("[rpcinterface"));
    assert.match(daemon, /^logfile_backups=5$/m, "the [supervisord] section in force stays");
    assert.match(after, /^stdout_logfile_backups=2$/m);
  } finally {
    await ioc.close();
  }
});

Deno.test("reload runs a changed IOC again when it ran before, whatever its autostart", async () => {
  const manual = (description: string) =>
    `manual:\n  autostart: false\n  command: ${iocScript("ioc.sh")} manual {dir}\n` +
    `  description: ${description}\n  stopwaitsecs: ${description.length}\n`;
  const idle = (description: string) =>
    `idle:\n  autostart: false\n  command: ${iocScript("ioc.sh")} idle {dir}\n` +
    `  description: ${description}\n  stopwaitsecs: ${description.length}\n`;
  const ioc = await startIocsup(manual("one") + idle("one"));
  const state = async (name: string) => (await ioc.status()).find((i) => i.name === name)!;
  try {
    const [put] = await ioc.ops([{ op: "put", pv: `${P}manual_control`, value: 1, wait: true }]);
    assert.equal(put!.error, undefined);
    const before = await waitFor("manual RUNNING", async () => {
      const s = await state("manual");
      return s.state === "RUNNING" ? s : undefined;
    });
    const text = await Deno.readTextFile(ioc.settings);
    await Deno.writeTextFile(
      ioc.settings,
      text.slice(0, text.indexOf("manual:")) + manual("second") + idle("second"),
    );
    const r = await runCli(["reload", "--json", ...ioc.opts]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.deepEqual(report.changed.toSorted(), ["idle", "manual"]);
    assert.deepEqual(report.startedAgain, ["manual"]);
    await waitFor("manual RUNNING after the reload", async () => {
      const s = await state("manual");
      return s.state === "RUNNING" && s.pid !== before.pid;
    });
    assert.equal((await state("idle")).state, "STOPPED", "an IOC that did not run stays stopped");
    await waitFor("manual_desc updated", async () => {
      const [desc] = await ioc.ops([{ op: "get", pv: `${P}manual_desc` }]);
      return (desc!.value as { value?: unknown } | undefined)?.value === "second";
    });
  } finally {
    await ioc.close();
  }
});
