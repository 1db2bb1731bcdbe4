import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "../helpers/cli.ts";
import { iocScript, tempProject } from "../helpers/settings.ts";

const BOMB = new URL("../fixtures/settings/merge_bomb.yaml", import.meta.url).pathname;

/** A temp folder holding settings.yaml with `text`; removed by the returned function. */
async function settingsFile(text: string): Promise<{ dir: string; file: string }> {
  const dir = await Deno.makeTempDir({ prefix: "iocsup-validate-" });
  const file = join(dir, "settings.yaml");
  await Deno.writeTextFile(file, text);
  return { dir, file };
}

function entries(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name).sort();
}

Deno.test("validate refuses the merge bomb with its position and exit 2", async () => {
  // Without the merge budget this never returns (10^10 entries).
  const r = await runCli(["validate", "--config", BOMB]);
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stdout, "");
  assert.equal(
    r.stderr,
    `iocsup validate: ${BOMB}:10:10: Cannot expand the merge key "<<": it expands to more than ` +
      `100000 entries (nested merges that repeat an alias grow exponentially)\n`,
  );
});

Deno.test("validate refuses what start would fail on, and start-daemon creates nothing", async () => {
  const head = "general:\n  prefix: T\n  command: /bin/true\n";
  const cases: [string, string, RegExp][] = [
    [
      "missing directory",
      `${head}a:\n  directory: nope\n`,
      /:5:14: IOC "a": directory ".*\/nope" does not exist/,
    ],
    [
      "unbalanced quote",
      `${head}a:\n  command: "sh -c 'x"\n`,
      /:5:12: IOC "a": command cannot be split into arguments .*: a ' quote is never closed/,
    ],
    [
      "comment in a directory",
      `${head}a:\n  directory: "/tmp/a ;b"\n`,
      /:5:14: IOC "a": directory "\/tmp\/a ;b" cannot be written to supervisord.conf/,
    ],
    [
      "comment in the web password",
      `${head}  web: { password: "pass ;word" }\na: {}\n`,
      /:4:20: general.web.password cannot be written to supervisord.conf: whitespace before/,
    ],
  ];
  for (const [what, text, expected] of cases) {
    const { dir, file } = await settingsFile(text);
    try {
      for (const command of ["validate", "start-daemon"]) {
        const r = await runCli([command, "--config", file]);
        assert.equal(r.code, 2, `${what} (${command}): ${r.stderr}`);
        assert.match(r.stderr, expected, `${what} (${command})`);
      }
      assert.deepEqual(entries(dir), ["settings.yaml"], `${what}: nothing may be written`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }
});

Deno.test("validate prints warnings on stderr, in --json, and fails on them with --strict", async () => {
  const { dir, file } = await settingsFile(
    "general:\n  prefix: T\n  colour: blue\nioc1:\n  command: /bin/true\n  autostrat: true\n",
  );
  const warnings = [
    `${file}:3:3: warning: general: unknown key "colour" is ignored`,
    `${file}:6:3: warning: IOC "ioc1": "autostrat" is not an iocsup key (iocsup ignores it); ` +
    `did you mean "autostart"?`,
  ];
  try {
    const text = await runCli(["validate", "--config", file]);
    assert.equal(text.code, 0, text.stderr);
    assert.equal(text.stderr, warnings.join("\n") + "\n");
    assert.match(text.stdout, /: OK, 1 IOCs, PV prefix T:MAN:/);

    const json = await runCli(["validate", "--json", "--config", file]);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout).warnings, [
      { file, line: 3, col: 3, message: `general: unknown key "colour" is ignored` },
      {
        file,
        line: 6,
        col: 3,
        message: `IOC "ioc1": "autostrat" is not an iocsup key (iocsup ignores it); did you ` +
          `mean "autostart"?`,
      },
    ]);

    const strict = await runCli(["validate", "--strict", "--config", file]);
    assert.equal(strict.code, 2);
    assert.equal(strict.stdout, "");
    assert.equal(
      strict.stderr,
      `iocsup validate: ${warnings.map((w) => w.replace(": warning: ", ": ")).join("\n")}\n`,
    );

    // Without warnings, --strict passes and stderr stays empty.
    await Deno.writeTextFile(file, "general:\n  prefix: T\nioc1:\n  command: /bin/true\n");
    const clean = await runCli(["validate", "--strict", "--json", "--config", file]);
    assert.equal(clean.code, 0, clean.stderr);
    assert.equal(clean.stderr, "");
    assert.deepEqual(JSON.parse(clean.stdout).warnings, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("validate warns about a unicast heartbeat search on the manager's port", async () => {
  const { dir, file } = await settingsFile(`general:
  prefix: T
  epics_addr_list: 127.0.0.1
  heartbeat_pv: "{prefix}:{name}_time"
ioc1:
  command: /bin/true
`);
  try {
    // The environment the manager and IOCs would inherit: no port set, so both use 5064.
    const env = { EPICS_CAS_SERVER_PORT: "", EPICS_CA_SERVER_PORT: "", EPICS_CA_ADDR_LIST: "" };
    const r = await runCli(["validate", "--config", file], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stderr,
      `${file}:3:20: warning: heartbeat search list entry "127.0.0.1" is a unicast address of ` +
        `this host, and IOC "ioc1" serves CA on the manager's port 5064: a unicast search ` +
        `reaches only one of them; use the broadcast address (127.255.255.255 on loopback, or ` +
        `the subnet broadcast)\n`,
    );
    await Deno.writeTextFile(
      file,
      (await Deno.readTextFile(file)).replace("127.0.0.1", "127.255.255.255"),
    );
    const fixed = await runCli(["validate", "--config", file], { env });
    assert.equal(fixed.code, 0, fixed.stderr);
    assert.equal(fixed.stderr, "");
    // reload loads settings the same way start does: the warning comes before "not running".
    await Deno.writeTextFile(
      file,
      (await Deno.readTextFile(file)).replace("ioc1:", "ioc1:\n  comand: x"),
    );
    const reload = await runCli(["reload", "--config", file], { env });
    assert.equal(reload.code, 3, reload.stderr);
    assert.match(
      reload.stderr,
      /^.*settings\.yaml:6:3: warning: IOC "ioc1": "comand" .*\niocsup reload: supervisord is not running/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("start-daemon prints settings warnings on stderr and still starts", async () => {
  const project = await tempProject(`ioc1:
  autostart: true
  command: ${iocScript("ioc.sh")} ioc1 {dir}
  descripton: typo
`);
  const opts = ["--config", project.settings];
  try {
    const started = await runCli(["start-daemon", ...opts]);
    assert.equal(started.code, 0, started.stderr);
    assert.match(started.stdout, /ioc1\s+RUNNING/);
    assert.match(
      started.stderr,
      /settings\.yaml:\d+:3: warning: IOC "ioc1": "descripton" is not an iocsup key .*did you mean "description"\?/,
    );
  } finally {
    const stopped = await runCli(["stop", ...opts]);
    assert.equal(stopped.code, 0, stopped.stderr);
    await project.cleanup();
  }
});
