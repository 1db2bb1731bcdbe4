/**
 * `iocsup get | put | monitor` as users run them, against our CaServer in this process on
 * 127.0.0.1 with a free port, the CLI finding it through the EPICS_CA_* environment.
 */
import assert from "node:assert/strict";
import { CaServer, ECA_PUTFAIL, WriteRefused } from "../../mod/ca/mod.ts";
import { parseSettings } from "../../mod/config/mod.ts";
import { searchOptions } from "../../cmd/_ca.ts";
import { caLoopbackEnv } from "../helpers/ca_env.ts";
import { runCli, spawnCli, TextCollector } from "../helpers/cli.ts";
import { freeCaPort } from "../helpers/ports.ts";
import { waitFor } from "../helpers/wait.ts";

async function setup(): Promise<{ env: Record<string, string>; server: CaServer }> {
  const env = caLoopbackEnv(await freeCaPort());
  return { env, server: await CaServer.start({ env }) };
}

Deno.test("get, put, monitor and control print --help on stdout and exit 0", async () => {
  for (const command of ["get", "put", "monitor", "control"]) {
    const r = await runCli([command, "--help"]);
    assert.equal(r.code, 0, `${command}: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`USAGE\\n  iocsup ${command}`), command);
    assert.equal(r.stderr, "");
  }
  const top = await runCli(["--help"]);
  for (const command of ["get", "put", "monitor", "control"]) {
    assert.match(top.stdout, new RegExp(`\\n  ${command} `));
  }
});

Deno.test("get prints aligned NAME VALUE lines, enums as strings, -n and --json", async () => {
  const { env, server } = await setup();
  try {
    server.addPv({ name: "CLI:TEMPERATURE", type: "double", value: 21.5 });
    server.addPv({ name: "CLI:MODE", type: "enum", value: 1, enumStrings: ["Off", "On"] });
    server.addPv({ name: "CLI:WF", type: "long", count: 4, value: [1, 2, 3] });
    server.addPv({
      name: "CLI:TEXT",
      type: "string",
      value: "two words",
      severity: 2,
      status: 3,
    });
    const names = ["CLI:TEMPERATURE", "CLI:MODE", "CLI:WF", "CLI:TEXT"];
    const plain = await runCli(["get", ...names], { env });
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(plain.stderr, "");
    assert.equal(
      plain.stdout,
      "CLI:TEMPERATURE 21.5\n" +
        "CLI:MODE        On\n" +
        "CLI:WF          3 1 2 3\n" +
        "CLI:TEXT        two words\n",
    );
    const numeric = await runCli(["get", "-n", "CLI:MODE"], { env });
    assert.equal(numeric.stdout, "CLI:MODE 1\n");
    const json = await runCli(["get", "--json", "CLI:MODE", "CLI:TEXT"], { env });
    assert.equal(json.code, 0, json.stderr);
    const doc = JSON.parse(json.stdout);
    assert.deepEqual(doc.pvs.map((p: { value: unknown }) => p.value), ["On", "two words"]);
    assert.equal(doc.pvs[1].severity, "MAJOR");
    assert.equal(doc.pvs[1].status, "HIHI");
    assert.ok(!Number.isNaN(Date.parse(doc.pvs[0].timestamp)));
  } finally {
    await server.close();
  }
});

Deno.test("get exits 1 naming a PV nobody serves and still prints the others", async () => {
  const { env, server } = await setup();
  try {
    server.addPv({ name: "CLI:HERE", type: "long", value: 7 });
    const r = await runCli(["get", "-w", "0.5", "CLI:HERE", "CLI:NOWHERE"], { env });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "CLI:HERE 7\n");
    assert.match(r.stderr, /Cannot get "CLI:NOWHERE": no server answered the search within 500 ms/);
    const usage = await runCli(["get", "-w", "soon", "CLI:HERE"], { env });
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /Cannot use timeout "soon"/);
    const none = await runCli(["get"], { env });
    assert.equal(none.code, 2);
    assert.match(none.stderr, /Missing PV name/);
  } finally {
    await server.close();
  }
});

Deno.test("put prints old and new values, writes enums by name and reports refusals", async () => {
  const { env, server } = await setup();
  try {
    const mode = server.addPv({
      name: "CLI:MODE",
      type: "enum",
      value: 0,
      enumStrings: ["Off", "On"],
    });
    const picky = server.addPv({
      name: "CLI:PICKY",
      type: "long",
      value: 1,
      onWrite: (v) => {
        if (v !== 2) throw new WriteRefused(ECA_PUTFAIL, "only 2");
        return undefined;
      },
    });
    server.addPv({ name: "CLI:RO", type: "long", value: 1, access: "ro" });
    const r = await runCli(["put", "CLI:MODE", "On"], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "Old : CLI:MODE Off\nNew : CLI:MODE On\n");
    assert.equal(mode.value, 1);
    const json = await runCli(["put", "--wait", "--json", "-n", "CLI:MODE", "0"], { env });
    assert.equal(json.code, 0, json.stderr);
    const doc = JSON.parse(json.stdout);
    assert.deepEqual([doc.old.value, doc.new.value], [1, 0]);
    for (const wait of [[], ["--wait"]]) {
      const refused = await runCli(["put", ...wait, "CLI:PICKY", "3"], { env });
      assert.equal(refused.code, 1, wait.join(""));
      assert.equal(refused.stdout, "");
      assert.match(refused.stderr, /Cannot put "CLI:PICKY": ECA_PUTFAIL/);
    }
    assert.equal(picky.value, 1);
    const ro = await runCli(["put", "CLI:RO", "5"], { env });
    assert.equal(ro.code, 1);
    assert.match(ro.stderr, /Cannot put "CLI:RO": ECA_NOWTACCESS/);
    const notNumber = await runCli(["put", "-n", "CLI:PICKY", "two"], { env });
    assert.equal(notNumber.code, 2);
    assert.match(notNumber.stderr, /Cannot send "two" as a number/);
  } finally {
    await server.close();
  }
});

Deno.test("monitor prints NAME TIMESTAMP VALUE lines until SIGTERM", async () => {
  const { env, server } = await setup();
  const counter = server.addPv({ name: "CLI:COUNT", type: "long", value: 0 });
  const mode = server.addPv({ name: "CLI:M", type: "enum", value: 0, enumStrings: ["Off", "On"] });
  const child = spawnCli(["monitor", "CLI:COUNT", "CLI:M"], { env });
  const stdout = new TextCollector(child.stdout);
  const stderr = new TextCollector(child.stderr);
  try {
    const line = (name: string, value: string, alarm = "") =>
      new RegExp(
        `^${name} +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{6} ${value}${alarm}$`,
        "m",
      );
    await waitFor("the first values", () => line("CLI:COUNT", "0").test(stdout.text), {
      timeoutMs: 20_000,
    });
    await waitFor("the enum", () => line("CLI:M    ", "Off").test(stdout.text));
    counter.post(1);
    mode.post(1);
    await waitFor("the updates", () => line("CLI:M    ", "On").test(stdout.text));
    counter.post(2, { severity: 1, status: 4 });
    await waitFor("an alarm", () => line("CLI:COUNT", "2", " MINOR HIGH").test(stdout.text));
    server.removePv("CLI:M");
    await waitFor("the disconnection", () => /^CLI:M +\*\*\* disconnected$/m.test(stdout.text));
    assert.ok(line("CLI:COUNT", "1").test(stdout.text));
  } finally {
    child.kill("SIGTERM");
    const status = await child.status;
    await Promise.all([stdout.done, stderr.done]);
    await server.close();
    assert.equal(status.code, 0, stderr.text);
  }
});

Deno.test("monitor exits 1 when none of its PVs is found", async () => {
  const { env, server } = await setup();
  try {
    const r = await runCli(["monitor", "-w", "0.5", "CLI:NOWHERE"], { env });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /"CLI:NOWHERE" not found within 0.5 s/);
  } finally {
    await server.close();
  }
});

Deno.test("searchOptions() prefers EPICS_CA_ADDR_LIST, else searches where the manager listens", () => {
  const settings = (ca: string, extra = "") =>
    parseSettings(`general:\n  prefix: P\n  ca:\n${ca}${extra}`, { file: "s.yaml", dir: "/tmp" });
  const env = { EPICS_CA_ADDR_LIST: "10.1.1.1" };
  const shared = settings("    interfaces: [0.0.0.0]\n    port: 5070\n");
  assert.deepEqual(searchOptions(shared, env), { env });
  assert.deepEqual(searchOptions(undefined, {}), { env: {} });
  assert.deepEqual(searchOptions(shared, {}), {
    env: {},
    addrList: "127.255.255.255:5070",
    autoAddrList: false,
  });
  const pinned = settings(
    "    interfaces: [127.0.0.1]\n",
    "  epics_addr_list: 127.255.255.255 10.0.0.9:5080\n",
  );
  assert.equal(
    searchOptions(pinned, {}).addrList,
    "127.255.255.255:5064 127.255.255.255 10.0.0.9:5080",
  );
});
