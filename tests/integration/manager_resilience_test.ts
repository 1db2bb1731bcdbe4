import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "../helpers/cli.ts";
import { iocScript } from "../helpers/settings.ts";
import { waitFor } from "../helpers/wait.ts";
import { MANAGER_LISTENER_NAME, SupervisorClient } from "../../mod/supervisor/mod.ts";
import { type RunningIocsup, startIocsup } from "./manager_helpers.ts";

const P = "TEST:MAN:";
const IOCS = `a:
  autostart: true
  command: ${iocScript("ioc.sh")} a {dir}
`;

function supervisor(ioc: RunningIocsup): SupervisorClient {
  return new SupervisorClient(join(ioc.stateDir, "supervisor.sock"));
}

/** Wait for a manager process whose pid is not in `old`, in one of `states`. */
function newManager(
  ioc: RunningIocsup,
  old: number[],
  states: string[],
  timeoutMs = 30_000,
): Promise<number> {
  return waitFor(`a manager other than ${old.join(", ")} in ${states.join("/")}`, async () => {
    const info = await supervisor(ioc).getProcessInfo(MANAGER_LISTENER_NAME);
    if (info.statename === "FATAL") throw new Error("the manager went FATAL");
    return info.pid > 0 && !old.includes(info.pid) && states.includes(info.statename)
      ? info.pid
      : undefined;
  }, { timeoutMs, intervalMs: 20 });
}

async function controlValue(ioc: RunningIocsup, name: string): Promise<unknown> {
  return await waitFor(`${P}${name}_control answering`, async () => {
    return (await ioc.get(`${P}${name}_control`)).value;
  }, { timeoutMs: 20_000 });
}

Deno.test("the manager SIGKILLed five times in a row comes back RUNNING and serves its PVs", async () => {
  const ioc = await startIocsup(IOCS);
  try {
    const killed: number[] = [];
    let pid = await newManager(ioc, [], ["RUNNING"]);
    for (let i = 0; i < 5; i++) {
      Deno.kill(pid, "SIGKILL");
      killed.push(pid);
      // Kill the next one as soon as it exists (STARTING): the harshest case for supervisord's
      // start retries, which only a run past startsecs resets.
      pid = await newManager(ioc, killed, ["STARTING", "RUNNING"]);
    }
    await newManager(ioc, killed, ["RUNNING"]);
    assert.equal(await controlValue(ioc, "a"), 1);
    const log = await Deno.readTextFile(join(ioc.stateDir, "logs", "supervisord.log"));
    assert.doesNotMatch(log, /iocsup-manager entered FATAL/);
  } finally {
    await ioc.close();
  }
});

Deno.test("a manager restarted while settings.yaml is invalid serves the last applied settings", async () => {
  const ioc = await startIocsup(IOCS);
  try {
    const snapshot = join(ioc.stateDir, "manager-settings.yaml");
    const pid = await newManager(ioc, [], ["RUNNING"]);
    const applied = await Deno.readTextFile(ioc.settings);
    await waitFor("the snapshot of the applied settings", async () => {
      return await Deno.readTextFile(snapshot).catch(() => "") === applied;
    });
    assert.equal((await Deno.stat(snapshot)).mode! & 0o777, 0o600);

    // Half-way through an edit: a new IOC whose command has no closing quote yet.
    const brokenLine = applied.split("\n").length + 1;
    await Deno.writeTextFile(ioc.settings, applied + `half:\n  command: "unfinished\n`);
    Deno.kill(pid, "SIGKILL");
    await newManager(ioc, [pid], ["RUNNING"]);
    assert.equal(await controlValue(ioc, "a"), 1);
    const [half] = await ioc.ops([{ op: "get", pv: `${P}half_control` }], 1);
    assert.ok(half!.error, "an IOC of the invalid file must not be served");

    const log = await Deno.readTextFile(join(ioc.stateDir, "logs", "manager.log"));
    assert.match(log, /serving the last applied settings/);
    assert.ok(
      log.includes(`${ioc.settings}:${brokenLine}:12: Cannot parse YAML: missing closing quote`),
      log,
    );
    assert.equal(await Deno.readTextFile(snapshot), applied, "the snapshot keeps what applies");

    // Once the file is valid again, reload applies it to the manager.
    await Deno.writeTextFile(
      ioc.settings,
      applied + `half:\n  command: "${iocScript("ioc.sh")} half {dir}"\n`,
    );
    const r = await runCli(["reload", "--json", ...ioc.opts]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).added, ["half"]);
    assert.equal(await controlValue(ioc, "half"), 0);
  } finally {
    await ioc.close();
  }
});

Deno.test("reload starts a manager that was stopped through supervisord", async () => {
  const ioc = await startIocsup(IOCS);
  try {
    const pid = await newManager(ioc, [], ["RUNNING"]);
    await supervisor(ioc).stopProcess(MANAGER_LISTENER_NAME, true);
    const [gone] = await ioc.ops([{ op: "get", pv: `${P}a_control` }], 1);
    assert.ok(gone!.error, "a stopped manager serves nothing");
    const r = await runCli(["reload", "--json", ...ioc.opts]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).manager.action, "started");
    await newManager(ioc, [pid], ["RUNNING"]);
    assert.equal(await controlValue(ioc, "a"), 1);
    const text = await runCli(["reload", ...ioc.opts]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^manager: reloaded$/m);
  } finally {
    await ioc.close();
  }
});
