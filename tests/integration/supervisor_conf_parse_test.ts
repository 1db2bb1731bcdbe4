/**
 * Feeds rendered confs to supervisor's own config parser (the installed Python package) and
 * checks that every argv element and environment value comes back literally.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { statePaths } from "../../mod/state_dir.ts";
import {
  loadTemplates,
  MANAGER_V8_FLAGS,
  renderConf,
  writeConf,
} from "../../mod/supervisor/mod.ts";
import { STAMP_SCRIPT } from "../../mod/supervisor/log_stamp.ts";
import { iocSettings, settingsWith } from "../unit/supervisor/settings_fixture.ts";

const PARSE = `
import json, shlex, sys
from supervisor.options import ServerOptions
o = ServerOptions()
o.configfile = sys.argv[1]
o.process_config(do_usage=False)
out = {}
for g in o.process_group_configs:
    for p in g.process_configs:
        out[p.name] = {"argv": shlex.split(p.command), "env": p.environment,
                       "directory": p.directory, "stdout": p.stdout_logfile}
print(json.dumps(out))
`;

interface Parsed {
  argv: string[];
  env: Record<string, string> | null;
  directory: string | null;
  stdout: string;
}

async function parseWithSupervisor(conf: string): Promise<Record<string, Parsed>> {
  const result = await new Deno.Command("/usr/bin/python3", {
    args: ["-c", PARSE, conf],
    stdin: "null",
  }).output();
  const stderr = new TextDecoder().decode(result.stderr);
  assert.ok(result.success, stderr);
  return JSON.parse(new TextDecoder().decode(result.stdout));
}

const NASTY_ARGS = [
  "plain",
  "two words",
  "50%",
  "%(ENV_HOME)s",
  "it's",
  `say "hi"`,
  "x ;y",
  "x #y",
  ";lead",
  "#lead",
  "back\\slash",
  "",
  "tab\there",
  "ünïcode",
  "$HOME",
];

const NASTY_ENV = {
  A: "two words",
  B: "x,y=z",
  C: `say "hi" now`,
  D: "it's mine",
  E: "",
  F: "50%(ENV_HOME)s",
  G: "back\\slash",
  H: "a#b;c",
  I: " padded ",
  J: "ünïcode",
};

Deno.test("renderConf() output parses back literally with supervisor's own parser", async () => {
  const dir = await Deno.makeTempDir({ prefix: "iocsup-conf-" });
  try {
    // The state directory lands in every program's marker variable (process_marker.ts).
    const paths = statePaths(join(dir, "state it's"));
    await Deno.mkdir(paths.logDir, { recursive: true });
    const ioc = iocSettings("nasty", {
      command: `sh -c 'echo "a ;b" #c' x\\ ;y "q #r" 5%`,
      directory: dir,
      env: NASTY_ENV,
    });
    const manager = [Deno.execPath(), ...NASTY_ARGS];
    const text = renderConf(settingsWith([ioc], { dir }), {
      templates: await loadTemplates(),
      paths,
      managerCommand: manager,
    });
    await writeConf(paths.conf, text);
    const parsed = await parseWithSupervisor(paths.conf);
    assert.deepEqual(parsed["iocsup-manager"]?.argv, manager);
    // Behind the timestamp wrapper (log_stamp.ts), which must come back literally too.
    assert.deepEqual(parsed.nasty?.argv, [
      "/bin/bash",
      "-c",
      STAMP_SCRIPT,
      "nasty",
      join(paths.logDir, "nasty.log"),
      join(paths.logDir, "nasty_error.log"),
      "1048576",
      "3",
      ...["sh", "-c", `echo "a ;b" #c`, "x ;y", "q #r", "5%"],
    ]);
    assert.deepEqual(parsed.nasty?.env, {
      ...NASTY_ENV,
      IOCSUP_STATE_DIR: paths.dir,
      IOCSUP_PROGRAM: "nasty",
    });
    assert.deepEqual(parsed["iocsup-manager"]?.env, {
      IOCSUP_STATE_DIR: paths.dir,
      IOCSUP_PROGRAM: "iocsup-manager",
      DENO_V8_FLAGS: MANAGER_V8_FLAGS,
    });
    assert.equal(parsed.nasty?.directory, dir);
    assert.equal(parsed.nasty?.stdout, join(paths.logDir, "nasty.log"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
