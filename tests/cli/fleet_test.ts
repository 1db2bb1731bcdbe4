/**
 * `iocsup fleet` against two real iocsup instances (supervisord, manager, stand-in IOCs) on
 * loopback, each on its own CA port, found through fleet.yaml's `addr`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli, spawnCli, TextCollector } from "../helpers/cli.ts";
import { type FakeHost, fakeHost } from "../helpers/fleet_hosts.ts";
import { freeCaPort } from "../helpers/ports.ts";
import { waitFor } from "../helpers/wait.ts";
import { runPyScript } from "../helpers/pyepics.ts";
import { iocScript, type TempProject, tempProject } from "../helpers/settings.ts";

interface Doc {
  hosts: {
    prefix: string;
    answering: boolean;
    heartbeat: number | null;
    iocs: { name: string; status: string; hb: number; uptime: number; restarts: number }[];
  }[];
}

function iocs(...names: string[]): string {
  return names.map((name) =>
    `${name}:\n  autostart: true\n  command: ${iocScript("ioc.sh")} ${name} {dir}\n`
  ).join("");
}

async function fleetJson(file: string, timeout = "3"): Promise<{ code: number; doc: Doc }> {
  const r = await runCli(["fleet", "--json", "-w", timeout, "--config", file]);
  assert.equal(r.stderr, "");
  return { code: r.code, doc: JSON.parse(r.stdout) as Doc };
}

Deno.test("fleet shows two hosts' IOCs, a stopped host as not answering, and controls one host", async () => {
  const a = await tempProject(iocs("alpha", "beta"), { prefix: "FLEETA" });
  // FLEETB lets no one of ours write: fleet control must meet its access rules.
  const b = await tempProject(iocs("alpha", "gamma"), {
    prefix: "FLEETB",
    generalExtra: "  web: false\n  access:\n    write_users: [nobody-fleet-test]",
  });
  const projects: TempProject[] = [a, b];
  const fleetFile = join(a.dir, "fleet.yaml");
  await Deno.writeTextFile(
    fleetFile,
    `hosts:\n  - prefix: FLEETA\n    addr: 127.0.0.1:${a.caPort}\n` +
      `  - prefix: FLEETB\n    addr: 127.0.0.1:${b.caPort}\n`,
  );
  try {
    for (const p of projects) {
      const started = await runCli(["start-daemon", "--config", p.settings]);
      assert.equal(started.code, 0, started.stderr);
    }

    const both = await fleetJson(fleetFile);
    assert.equal(both.code, 0);
    assert.deepEqual(both.doc.hosts.map((h) => [h.prefix, h.answering]), [
      ["FLEETA", true],
      ["FLEETB", true],
    ]);
    assert.deepEqual(both.doc.hosts[0]!.iocs.map((i) => [i.name, i.status]), [
      ["alpha", "RUNNING"],
      ["beta", "RUNNING"],
    ]);
    assert.deepEqual(both.doc.hosts[1]!.iocs.map((i) => [i.name, i.status]), [
      ["alpha", "RUNNING"],
      ["gamma", "RUNNING"],
    ]);
    assert.ok(both.doc.hosts.every((h) => typeof h.heartbeat === "number"));
    assert.ok(both.doc.hosts[0]!.iocs.every((i) => i.restarts === 0 && i.uptime >= 0));

    // MAN:iocs, the list fleet reads, is text to libca as well (caget -S).
    const py = await runPyScript<{ results: { value?: unknown; error?: string }[] }>("ca_ops.py", {
      port: a.caPort,
      args: [JSON.stringify({
        timeout: 5,
        ops: [{ op: "pvget", pv: "FLEETA:MAN:iocs", asString: true }],
      })],
    });
    assert.deepEqual(py.results.map((r) => r.value ?? r.error), ["alpha beta"]);

    const table = await runCli(["fleet", "-w", "3", "--config", fleetFile]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^HOST\s+IOC\s+STATUS\s+HB\s+UPTIME\s+RESTARTS$/m);
    assert.match(table.stdout, /^FLEETB\s+gamma\s+RUNNING\s/m);

    // Same IOC name on both hosts: only FLEETA's alpha may stop.
    const stop = await runCli([
      "fleet",
      "control",
      "FLEETA/alpha",
      "stop",
      "--wait",
      "--config",
      fleetFile,
    ]);
    assert.equal(stop.code, 0, stop.stderr);
    assert.equal(stop.stdout, "FLEETA/alpha: Stop done\n");
    const after = await fleetJson(fleetFile);
    assert.equal(after.doc.hosts[0]!.iocs.find((i) => i.name === "alpha")?.status, "STOPPED");
    assert.equal(after.doc.hosts[1]!.iocs.find((i) => i.name === "alpha")?.status, "RUNNING");

    const refused = await runCli([
      "fleet",
      "control",
      "FLEETB/gamma",
      "stop",
      "--config",
      fleetFile,
    ]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /Cannot put "FLEETB:MAN:gamma_control": ECA_NOWTACCESS/);
    const still = await fleetJson(fleetFile);
    assert.equal(still.doc.hosts[1]!.iocs.find((i) => i.name === "gamma")?.status, "RUNNING");

    const unknown = await runCli(["fleet", "control", "NOPE/alpha", "stop", "--config", fleetFile]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Cannot find host "NOPE".*FLEETA, FLEETB/);

    // A reload that adds an IOC changes MAN:iocs, so the fleet view follows without edits.
    await Deno.writeTextFile(a.settings, (await Deno.readTextFile(a.settings)) + iocs("delta"));
    const reloaded = await runCli(["reload", "--config", a.settings]);
    assert.equal(reloaded.code, 0, reloaded.stderr);
    await waitFor("delta in the fleet view", async () => {
      const grown = await fleetJson(fleetFile);
      return grown.doc.hosts[0]!.iocs.map((i) => i.name).join(" ") === "alpha beta delta";
    });

    const stopped = await runCli(["stop", "--config", b.settings]);
    assert.equal(stopped.code, 0, stopped.stderr);
    const one = await fleetJson(fleetFile, "1.5");
    assert.equal(one.code, 1);
    assert.deepEqual(one.doc.hosts.map((h) => [h.prefix, h.answering]), [
      ["FLEETA", true],
      ["FLEETB", false],
    ]);
    const down = await runCli(["fleet", "-w", "1.5", "--config", fleetFile]);
    assert.equal(down.code, 1);
    assert.match(down.stdout, /^FLEETB\s+-\s+not answering/m);
  } finally {
    for (const p of projects) {
      await runCli(["stop", "--config", p.settings]);
      await p.cleanup();
    }
  }
});

Deno.test("fleet reports fleet.yaml errors at file:line:col with exit code 2", async () => {
  const dir = await Deno.makeTempDir({ prefix: "iocsup-fleet-" });
  try {
    const file = join(dir, "fleet.yaml");
    await Deno.writeTextFile(file, "hosts:\n  - prefix: A\n    adr: x\n  - addr: h:99999\n");
    const r = await runCli(["fleet", "--json", "--config", file]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /fleet\.yaml:3:5: Unknown key "adr"/);
    assert.match(r.stderr, /fleet\.yaml:4:11: hosts\[1\]\.addr must be host or host:port/);
    assert.match(r.stderr, /fleet\.yaml:4:5: hosts\[1\] needs "prefix"/);
    const help = await runCli(["fleet", "--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /USAGE\n {2}iocsup fleet /);
    assert.match((await runCli(["--help"])).stdout, /\n {2}fleet /);
    const both = await runCli(["fleet", "--watch", "--json", "--config", file]);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--watch and --json cannot be combined/);
    const missing = await runCli(["fleet", "--config", join(dir, "none.yaml")]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /none\.yaml:1:1: Cannot read fleet file: no such file/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("fleet --watch redraws as a host goes away and comes back, and ends on SIGTERM", async () => {
  const dir = await Deno.makeTempDir({ prefix: "iocsup-fleet-" });
  const port = await freeCaPort();
  let host: FakeHost | undefined = await fakeHost(port, "WATCH", ["w1"]);
  const file = join(dir, "fleet.yaml");
  await Deno.writeTextFile(file, `hosts:\n  - prefix: WATCH\n    addr: 127.0.0.1:${port}\n`);
  const child = spawnCli(["fleet", "--watch", "-w", "1", "--config", file]);
  const stdout = new TextCollector(child.stdout);
  const stderr = new TextCollector(child.stderr);
  // Off a terminal every redraw is a whole table followed by a blank line.
  const lastTable = () => stdout.text.split("\n\n").at(-2) ?? "";
  try {
    await waitFor("w1 RUNNING", () => /^WATCH\s+w1\s+RUNNING\s/m.test(lastTable()));
    host.iocPvs.get("w1")!.uptime.post(3725);
    await waitFor(
      "the new uptime",
      () => /^WATCH\s+w1\s+RUNNING\s+0\s+01:02:05\s+0$/m.test(lastTable()),
    );
    await host.server.close();
    host = undefined;
    await waitFor("not answering", () => /^WATCH\s+-\s+not answering/m.test(lastTable()));
    host = await fakeHost(port, "WATCH", ["w1"]);
    await waitFor(
      "answering again",
      () => /^WATCH\s+w1\s+RUNNING\s+0\s+00:00:00/m.test(lastTable()),
      {
        timeoutMs: 30_000,
      },
    );
    child.kill("SIGTERM");
    assert.equal((await child.status).code, 0);
  } finally {
    try {
      child.kill("SIGKILL");
    } catch { /* already ended */ }
    await child.status;
    await stdout.done;
    await stderr.done;
    await host?.server.close();
    await Deno.remove(dir, { recursive: true });
  }
});
