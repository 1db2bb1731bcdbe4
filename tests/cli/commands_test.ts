import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "../helpers/cli.ts";
import { iocScript, tempProject } from "../helpers/settings.ts";
import { COMMANDS as ALL_COMMANDS } from "../../main.ts";

// Every command main.ts knows, so a new one is covered without editing this list.
const COMMANDS = Object.keys(ALL_COMMANDS);

Deno.test("every command prints --help on stdout and exits 0", async () => {
  for (const command of COMMANDS) {
    const r = await runCli([command, "--help"]);
    assert.equal(r.code, 0, `${command}: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`USAGE\\n  iocsup ${command}`), command);
    assert.equal(r.stderr, "");
  }
  const top = await runCli(["--help"]);
  assert.equal(top.code, 0);
  for (const command of COMMANDS) assert.match(top.stdout, new RegExp(`\\n  ${command} `));
});

Deno.test("an unknown flag or command is a usage error with exit code 2", async () => {
  const flag = await runCli(["status", "--bogus"]);
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /bogus/);
  assert.match(flag.stderr, /Run "iocsup status --help"/);
  const command = await runCli(["frobnicate"]);
  assert.equal(command.code, 2);
  assert.match(command.stderr, /unknown command "frobnicate"/);
  const none = await runCli([]);
  assert.equal(none.code, 2);
});

Deno.test("version prints the version", async () => {
  const r = await runCli(["version", "--json"]);
  assert.equal(r.code, 0);
  assert.match(JSON.parse(r.stdout).version, /^\d+\.\d+\.\d+/);
});

Deno.test("install-service --print renders a unit that systemd-analyze verify accepts", async () => {
  const project = await tempProject(`ioc1:
  autostart: true
  command: ${iocScript("ioc.sh")} ioc1 {dir}
  stopwaitsecs: 120
`);
  try {
    const r = await runCli(["install-service", "--print", "--config", project.settings]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Type=simple$/m);
    assert.match(r.stdout, /^Restart=on-failure$/m);
    assert.match(r.stdout, /^ExecStart=\/\S+ .* start --config \S*settings\.yaml --state-dir /m);
    assert.match(r.stdout, /^ExecStop=\/\S+ .* stop --config /m);
    const timeout = Number(r.stdout.match(/^TimeoutStopSec=(\d+)$/m)?.[1]);
    assert.ok(timeout > 120, `stop timeout ${timeout} must cover stopwaitsecs 120`);
    const unit = join(project.dir, "ioc-supervisor.service");
    await Deno.writeTextFile(unit, r.stdout);
    const verify = await new Deno.Command("systemd-analyze", {
      args: ["verify", unit],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const messages = new TextDecoder().decode(verify.stderr);
    assert.equal(verify.code, 0, messages);
    assert.doesNotMatch(messages, /ioc-supervisor\.service:/, messages);

    const dry = await runCli([
      "install-service",
      "--user",
      "--dry-run",
      "--config",
      project.settings,
    ]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /would write .*\.config\/systemd\/user\/ioc-supervisor\.service/);
    assert.match(dry.stdout, /would run systemctl --user enable ioc-supervisor\.service/);
  } finally {
    await project.cleanup();
  }
});

Deno.test("a settings file shaped like the Python tool's loads with device keys ignored", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // A copy of shared/fixtures/settings-python-tool.yaml.
    const fixture = await Deno.readTextFile(
      new URL("../fixtures/settings-python-tool.yaml", import.meta.url),
    );
    const withCommand = fixture.replace(
      "general:\n",
      "general:\n  command: python master_ioc.py -i {name}\n",
    );
    await Deno.writeTextFile(join(dir, "settings.yaml"), withCommand);
    const r = await runCli(["validate", "--json", "--config", join(dir, "settings.yaml")]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.prefix, "TGT:TEST");
    assert.deepEqual(
      report.iocs.map((i: { name: string; autostart: boolean }) => [i.name, i.autostart]),
      [["gauge-26x_1", true], ["thermo_218", true], ["power_supply", false], ["pid_loop", true]],
    );
    assert.equal(report.iocs[0].command, "python master_ioc.py -i gauge-26x_1");

    await Deno.writeTextFile(join(dir, "settings.yaml"), fixture);
    const missing = await runCli(["validate", "--config", join(dir, "settings.yaml")]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /settings\.yaml:10:1: .*"gauge-26x_1" has no command/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// The IOC keys start on line 3, after "general:" and its prefix.
const HOSTILE: [string, string, RegExp][] = [
  ["name with ]", `"bad]name":\n  command: /bin/true\n`, /:3:1: .*"bad\]name"/],
  ["name with newline", `"bad\\nname":\n  command: /bin/true\n`, /:3:1: .*name/],
  ["name with space", `"bad name":\n  command: /bin/true\n`, /:3:1: .*"bad name"/],
  ["name with %", `"50%":\n  command: /bin/true\n`, /:3:1: .*"50%"/],
  ["unicode name", `"café":\n  command: /bin/true\n`, /:3:1: .*"café"/],
  ["duplicate key", `a:\n  command: /bin/true\na:\n  command: /bin/true\n`, /:5:1: .*[Dd]uplicate/],
  ["missing command", `lonely:\n  autostart: true\n`, /:3:1: .*"lonely" has no command/],
  [
    "autostart of the wrong type",
    `a:\n  command: /bin/true\n  autostart: "yes please"\n`,
    /:5:14: .*autostart/,
  ],
  [
    "env value supervisord cannot carry",
    `a:\n  command: /bin/true\n  env:\n    X: "it's \\"q\\" ok"\n`,
    /:6:8: .*env\.X.*both/,
  ],
  ["newline in a command", `a:\n  command: "/bin/true\\n[program:evil]"\n`, /:4:12: .*command/],
];

Deno.test("hostile settings give file:line:col errors, exit 2 and write nothing", async () => {
  for (const [what, iocs, expected] of HOSTILE) {
    const dir = await Deno.makeTempDir();
    try {
      const file = join(dir, "settings.yaml");
      await Deno.writeTextFile(file, `general:\n  prefix: T\n${iocs}`);
      for (const command of ["validate", "start-daemon"]) {
        const r = await runCli([command, "--config", file]);
        assert.equal(r.code, 2, `${what} (${command}): ${r.stderr}`);
        assert.match(r.stderr, /settings\.yaml:\d+:\d+: /, what);
        assert.match(r.stderr, expected, `${what}: ${r.stderr}`);
      }
      const entries = [...Deno.readDirSync(dir)].map((e) => e.name);
      assert.deepEqual(entries, ["settings.yaml"], `${what}: nothing may be written`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }
});

Deno.test("pvs lists every PV with type and access", async () => {
  const project = await tempProject(`ioc1:
  autostart: true
  command: /bin/true
`);
  try {
    const text = await runCli(["pvs", "--config", project.settings]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^PV\s+TYPE\s+ACCESS\s+SERVED\s+MEANING/);
    assert.match(text.stdout, /TEST:MAN:ioc1_control\s+enum Stop\/Run\/Reset\s+rw\s+CA\+PVA\s/);
    assert.match(text.stdout, /TEST:MAN:ioc1_hb\s+long\s+ro/);
    assert.match(text.stdout, /TEST:MAN:all\s+enum Stop\/Run\/Reset\s+rw/);
    const json = JSON.parse((await runCli(["pvs", "--json", "--config", project.settings])).stdout);
    assert.match(text.stdout, /TEST:MAN:ioc1_log\s+char\[2560\]\s+ro/);
    assert.match(text.stdout, /TEST:MAN:ioc1_lastline\s+string\s+ro/);
    assert.equal(json.pvs.length, 6 + 10);
    assert.deepEqual(json.protocols, ["CA", "PVA"]);
  } finally {
    await project.cleanup();
  }
});
