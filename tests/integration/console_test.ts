/**
 * Console IOCs under real supervisord and Debian's procServ (2.7.0 here): the stand-in IOC
 * (tests/fixtures/iocs/readline_ioc.py) has a readline prompt; tests talk to it over the console
 * socket and read the manager's PVs with pyepics.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { pidAlive, runCli } from "../helpers/cli.ts";
import { ConsoleClient } from "../helpers/console_client.ts";
import { findOnPath } from "../helpers/epics_base.ts";
import { iocScript, tempProject } from "../helpers/settings.ts";
import { waitFor } from "../helpers/wait.ts";
import { type RunningIocsup, startIocsup } from "./manager_helpers.ts";

const PROCSERV = findOnPath("procServ");
const SKIP = PROCSERV === undefined ? " — skipped: procServ is not on PATH" : "";
const IOC = `/usr/bin/python3 ${iocScript("readline_ioc.py")}`;
const P = "TEST:MAN:";
/** `_status` index of RUNNING and EXITED; `_control` Stop. */
const RUNNING = 2;
const EXITED = 5;
const STOP = 0;
/** What a pty brings and the log must not keep: CR, ESC (colours, bracketed paste), backspace. */
// deno-lint-ignore no-control-regex
const TERMINAL_NOISE = /[\r\x1b\x08]/;

function socketOf(stateDir: string, ioc: string, readOnly = false): string {
  return join(stateDir, "run", "console", `${ioc}${readOnly ? ".ro" : ""}.sock`);
}

function cmdline(pid: number): string {
  return Deno.readTextFileSync(`/proc/${pid}/cmdline`).replaceAll("\0", " ");
}

async function pidOf(running: RunningIocsup, ioc: string): Promise<number> {
  return Number((await running.get(`${P}${ioc}_pid`)).value);
}

async function logOf(running: RunningIocsup, ioc: string): Promise<string> {
  return await Deno.readTextFile(join(running.stateDir, "logs", `${ioc}.log`));
}

Deno.test({
  name: `console IOC: round trip, shared sessions, control keys, pid, crash and stop${SKIP}`,
  ignore: SKIP !== "",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const running = await startIocsup(
      `con:\n  command: ${IOC}\n  console: true\n  autostart: true\n  autorestart: true\n` +
        `  stopsignal: TERM\n` +
        `quitter:\n  command: ${IOC}\n  console: true\n  autostart: true\n` +
        `  autorestart: unexpected\n`,
    );
    const clients: ConsoleClient[] = [];
    try {
      const socket = socketOf(running.stateDir, "con");
      await waitFor("the console socket", async () => {
        try {
          return (await Deno.lstat(socket)).isSocket;
        } catch {
          return false;
        }
      });

      await t.step(
        "the socket is the owner's alone (0600) and nothing listens on TCP",
        async () => {
          assert.equal((await Deno.lstat(socket)).mode! & 0o777, 0o600);
          assert.equal(
            (await Deno.lstat(socketOf(running.stateDir, "con", true))).mode! & 0o777,
            0o600,
          );
          const conf = await Deno.readTextFile(join(running.stateDir, "supervisord.conf"));
          const command = /^\[program:con\][^]*?^command=(.*)$/m.exec(conf)?.[1] ?? "";
          assert.match(command, /--port unix:::0600:\S+\/run\/console\/con\.sock /);
          assert.doesNotMatch(command, /--port \d|--logport \d/);
        },
      );

      await t.step("_pid is the IOC's own pid, not procServ's or the wrapper's", async () => {
        const pid = await waitFor("a pid", async () => (await pidOf(running, "con")) || false);
        assert.match(cmdline(pid), /readline_ioc\.py/);
        const status = (await runCli(["status", "--json", ...running.opts])).stdout;
        const con = JSON.parse(status).iocs.find((ioc: { name: string }) => ioc.name === "con");
        assert.equal(con.pid, pid);
        assert.match(con.detail, new RegExp(`^pid ${pid}, uptime `));
      });

      await t.step("a command typed reaches the IOC and its answer comes back", async () => {
        const client = await ConsoleClient.connect(socket);
        clients.push(client);
        await client.waitFor("@@@ Use ^D to logout");
        await client.send("dbl\r");
        const after = await client.waitFor("TST:ai1\r\nTST:bo1\r\n");
        await client.waitFor("epics> ", after);
      });

      await t.step("two clients see each other's commands and answers", async () => {
        const [first] = clients;
        const second = await ConsoleClient.connect(socket);
        clients.push(second);
        await second.waitFor("@@@ Use ^D to logout");
        const from1 = first!.text.length;
        const from2 = second.text.length;
        await second.send("echo from the second client\r");
        await first!.waitFor("from the second client\r\n", from1);
        await second.waitFor("from the second client\r\n", from2);
        const reader = await ConsoleClient.connect(socketOf(running.stateDir, "con", true));
        clients.push(reader);
        await reader.waitFor("@@@");
        const fromReader = reader.text.length;
        await first!.send("echo from the first client\r");
        await reader.waitFor("from the first client\r\n", fromReader);
      });

      await t.step("^C, ^X and ^T neither kill nor restart the IOC", async () => {
        const [client] = clients;
        const pid = await pidOf(running, "con");
        await client!.send("\x03\x18\x14");
        const from = client!.text.length;
        // ^X reaching readline would eat the next key ("dbl" would run as "bl").
        await client!.send("pid\r");
        await client!.waitFor(`pid ${pid}\r\n`, from);
        assert.equal(await pidOf(running, "con"), pid);
        assert.equal((await running.get(`${P}con_status`)).value, RUNNING);
        assert.equal((await running.get(`${P}con_restarts`)).value, 0);
      });

      await t.step("the log is stamped, without CR or escape sequences", async () => {
        const log = await waitFor("the echoed line in the log", async () => {
          const text = await logOf(running, "con");
          return text.includes("from the first client\n") && text;
        });
        assert.doesNotMatch(log, TERMINAL_NOISE);
        assert.doesNotMatch(log, /@@@/);
        for (const line of log.trimEnd().split("\n")) {
          assert.match(line, /^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}\] /);
        }
        assert.match(log, /\] epics> dbl\n/);
      });

      await t.step("`exit` typed ends the IOC with status 0: EXITED, _control Stop", async () => {
        const client = await ConsoleClient.connect(socketOf(running.stateDir, "quitter"));
        clients.push(client);
        await client.waitFor("@@@ Use ^D to logout");
        await client.send("exit\r");
        await waitFor(
          "quitter EXITED",
          async () => (await running.get(`${P}quitter_status`)).value === EXITED,
        );
        assert.equal((await running.get(`${P}quitter_exitcode`)).value, 0);
        assert.equal((await running.get(`${P}quitter_control`)).value, STOP);
        assert.equal((await running.get(`${P}quitter_restarts`)).value, 0);
        assert.equal((await running.get(`${P}quitter_pid`)).value, 0);
      });

      await t.step(
        "SIGSEGV: _exitcode 139, counted, and autorestart brings a new IOC",
        async () => {
          const [client] = clients;
          const before = await pidOf(running, "con");
          await client!.send("crash\r");
          const after = await waitFor("con RUNNING again with a new IOC pid", async () => {
            const pid = await pidOf(running, "con");
            const state = (await running.get(`${P}con_status`)).value;
            return state === RUNNING && pid !== 0 && pid !== before && pid;
          });
          assert.match(cmdline(after), /readline_ioc\.py/);
          assert.equal((await running.get(`${P}con_exitcode`)).value, 139);
          assert.equal((await running.get(`${P}con_restarts`)).value, 1);
          const supervisordLog = await Deno.readTextFile(
            join(running.stateDir, "logs", "supervisord.log"),
          );
          assert.match(supervisordLog, /exited: con \(terminated by SIGSEGV; not expected\)/);
          const status = await runCli(["status", "--json", ...running.opts]);
          const con = JSON.parse(status.stdout).iocs.find((i: { name: string }) =>
            i.name === "con"
          );
          assert.equal(con.lastexit, "SIGSEGV");
          assert.equal(con.pid, after);
        },
      );

      await t.step("a stop sends the IOC its own stopsignal and waits for it", async () => {
        const pid = await pidOf(running, "con");
        const stopped = await runCli(["control", "con", "stop", "--wait", ...running.opts]);
        assert.equal(stopped.code, 0, stopped.stderr);
        assert.equal(pidAlive(pid), false);
        assert.match(await logOf(running, "con"), /epics> got SIGTERM\n/);
        const supervisordLog = await Deno.readTextFile(
          join(running.stateDir, "logs", "supervisord.log"),
        );
        assert.match(supervisordLog, /stopped: con \(exit status 0\)/);
        assert.equal((await running.get(`${P}con_pid`)).value, 0);
      });

      await t.step("iocsup stop ends every process of the console IOCs", async () => {
        const started = await runCli(["control", "all", "run", "--wait", ...running.opts]);
        assert.equal(started.code, 0, started.stderr);
        const pids = [
          ...markedPids(running.stateDir, "con"),
          ...markedPids(running.stateDir, "quitter"),
        ];
        assert.ok(pids.length >= 10, `processes: ${pids}`);
        const stopped = await runCli(["stop", ...running.opts]);
        assert.equal(stopped.code, 0, stopped.stderr);
        await waitFor("every console process gone", () => pids.every((p) => !pidAlive(p)));
        assert.match(await logOf(running, "con"), /epics> got SIGTERM\n[^]*epics> got SIGTERM\n/);
      });
    } finally {
      for (const client of clients) await client.close();
      await running.close();
    }
  },
});

Deno.test({
  name:
    `console IOC: console_group sockets 0660; an IOC deaf to its stopsignal is killed in time${SKIP}`,
  ignore: SKIP !== "",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const running = await startIocsup(
      `deaf:\n  command: ${IOC}\n  console: true\n  autostart: true\n  stopwaitsecs: 2\n`,
      { generalExtra: "  web: false\n  console_group: adm" },
    );
    const clients: ConsoleClient[] = [];
    let pids: number[] = [];
    try {
      const socket = socketOf(running.stateDir, "deaf");
      const pid = await waitFor("the IOC pid", async () => (await pidOf(running, "deaf")) || false);

      await t.step("sockets are 0660 with the group, the way to them 0710", async () => {
        const adm = Number(
          (await Deno.readTextFile("/etc/group")).split("\n").find((l) => l.startsWith("adm:"))
            ?.split(":")[2],
        );
        for (const path of [socket, socketOf(running.stateDir, "deaf", true)]) {
          const stat = await Deno.lstat(path);
          assert.equal(stat.mode! & 0o777, 0o660, path);
          assert.equal(stat.gid, adm, path);
        }
        for (const dir of [running.stateDir, join(running.stateDir, "run", "console")]) {
          const stat = await Deno.stat(dir);
          assert.equal(stat.mode! & 0o777, 0o710, dir);
          assert.equal(stat.gid, adm, dir);
        }
      });

      await t.step("stop: SIGKILL before supervisord's deadline, nothing left behind", async () => {
        const client = await ConsoleClient.connect(socket);
        clients.push(client);
        await client.waitFor("@@@ Use ^D to logout");
        await client.send("deaf\r");
        await client.waitFor("deaf to stop signals\r\n");
        // procServ and the wrapper: every process that carries this IOC's marker.
        pids = markedPids(running.stateDir, "deaf");
        assert.ok(pids.includes(pid) && pids.length >= 4, `processes: ${pids}`);
        const stopped = await runCli(["control", "deaf", "stop", "--wait", ...running.opts]);
        assert.equal(stopped.code, 0, stopped.stderr);
        const log = await Deno.readTextFile(join(running.stateDir, "logs", "supervisord.log"));
        assert.match(log, /stopped: deaf \(terminated by SIGKILL\)/);
        // The wrapper killed it, not supervisord (which would have left procServ's session).
        assert.doesNotMatch(log, /killing 'deaf'/);
        await waitFor("every process of the IOC gone", () => pids.every((p) => !pidAlive(p)));
      });
    } finally {
      for (const client of clients) await client.close();
      await running.close();
    }
  },
});

/** Processes whose environment names this state directory and program (process_marker.ts). */
function markedPids(stateDir: string, program: string): number[] {
  const pids: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const env = Deno.readTextFileSync(`/proc/${entry.name}/environ`).split("\0");
      if (
        env.includes(`IOCSUP_STATE_DIR=${stateDir}`) && env.includes(`IOCSUP_PROGRAM=${program}`)
      ) {
        pids.push(Number(entry.name));
      }
    } catch {
      // Gone, or not ours.
    }
  }
  return pids;
}

Deno.test("validate refuses a console without procServ and an unknown console_group (exit 2)", async () => {
  const project = await tempProject(`ioc1:\n  command: ${IOC}\n  console: true\n`, {
    generalExtra: "  web: false\n  timestamps: false\n  console_group: no-such-group-here",
  });
  try {
    // PATH without procServ (the test's deno is run by its absolute path).
    const empty = await Deno.makeTempDir({ dir: project.dir });
    const result = await runCli(["validate", "--config", project.settings], {
      env: { PATH: empty },
    });
    assert.equal(result.code, 2, result.stderr);
    assert.match(
      result.stderr,
      /settings\.yaml:\d+:18: general\.console_group "no-such-group-here" is not a group on this host/,
    );
    assert.match(
      result.stderr,
      /settings\.yaml:\d+:1: IOC "ioc1": a console needs procServ on this host: install it \(Debian: apt-get install procserv\)/,
    );
  } finally {
    await project.cleanup();
  }
});

const SOFTIOC = findOnPath("softIoc");
const SOFTIOC_SKIP = SKIP !== ""
  ? SKIP
  : SOFTIOC === undefined
  ? " — skipped: softIoc is not on PATH"
  : "";

Deno.test({
  name:
    `console IOC: EPICS softIoc's iocsh over the console, line editing applied in the log${SOFTIOC_SKIP}`,
  ignore: SOFTIOC_SKIP !== "",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dbDir = await Deno.makeTempDir({ prefix: "iocsup-console-db-" });
    const db = join(dbDir, "test.db");
    await Deno.writeTextFile(db, 'record(ai, "CON:ai1") {}\nrecord(bo, "CON:bo1") {}\n');
    const running = await startIocsup(
      `sioc:\n  command: ${SOFTIOC} -d ${db}\n  console: true\n  autostart: true\n` +
        `  env: { EPICS_CA_SERVER_PORT: "0", EPICS_CAS_INTF_ADDR_LIST: 127.0.0.1 }\n`,
    ).catch(async (error) => {
      await Deno.remove(dbDir, { recursive: true });
      throw error;
    });
    const client = await ConsoleClient.connect(socketOf(running.stateDir, "sioc"));
    try {
      await client.waitFor("@@@ Use ^D to logout");
      await client.send("dbl\r");
      await client.waitFor("CON:ai1\r\nCON:bo1\r\n");
      // DEL edits the line before it runs: "dbgx<DEL>f" runs dbgf.
      await client.send("dbgx\x7ff CON:ai1\r");
      await client.waitFor("DBF_DOUBLE:");
      const log = await waitFor("dbgf in the log", async () => {
        const text = await logOf(running, "sioc");
        return text.includes("epics> dbgf CON:ai1\n") && text;
      });
      assert.doesNotMatch(log, TERMINAL_NOISE);
    } finally {
      await client.close();
      await running.close();
      await Deno.remove(dbDir, { recursive: true });
    }
  },
});
