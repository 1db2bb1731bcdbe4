import assert from "node:assert/strict";
import { ConfigError, formatIssue } from "../../../mod/errors.ts";
import { join } from "node:path";
import {
  type HostFacts,
  hostFacts,
  loadSettings,
  parseSettings,
  type Settings,
  shellSplit,
} from "../../../mod/config/mod.ts";
import { loadTemplates, renderConf } from "../../../mod/supervisor/conf_render.ts";
import { statePaths } from "../../../mod/state_dir.ts";

import { GENERAL, issuesOf as issuesOfRun, parseText } from "./_settings.ts";

/** A host where only /srv/iocs and /data/100% are directories and /etc/hosts is a file. */
const HOST: HostFacts = {
  env: {},
  localAddresses: ["127.0.0.1"],
  directoryProblem: (path) =>
    path === "/etc/hosts"
      ? "is not a directory"
      : ["/srv/iocs", "/data/100%"].includes(path)
      ? undefined
      : "does not exist",
  hasProgram: () => true,
};

/** Parse with a host (null: pure, no host checks). */
function parse(text: string, host: HostFacts | null = HOST): Settings {
  return parseText(text, host ?? undefined);
}

function issuesOf(text: string, host: HostFacts | null = HOST): string[] {
  return issuesOfRun(() => parse(text, host));
}

Deno.test("parseSettings() with a host refuses a directory that is missing or not a directory", () => {
  assert.deepEqual(
    issuesOf(
      `${GENERAL}a:\n  directory: /nope\nb:\n  directory: /etc/hosts\nc:\n  directory: sub\n`,
    ),
    [
      `settings.yaml:5:14: IOC "a": directory "/nope" does not exist`,
      `settings.yaml:7:14: IOC "b": directory "/etc/hosts" is not a directory`,
      `settings.yaml:9:14: IOC "c": directory "/srv/iocs/sub" does not exist`,
    ],
  );
  // The default (the settings folder) and existing folders pass; without a host nothing is
  // looked up.
  assert.deepEqual(parse(`${GENERAL}a: {}\nb:\n  directory: /srv/iocs\n`).iocs.length, 2);
  assert.equal(parse(`${GENERAL}a:\n  directory: /nope\n`, null).iocs[0]?.directory, "/nope");
});

Deno.test("loadSettings() with hostFacts() checks directories on this machine", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "settings.yaml");
    await Deno.mkdir(join(dir, "here"));
    await Deno.writeTextFile(join(dir, "file"), "");
    await Deno.writeTextFile(
      path,
      `${GENERAL}a:\n  directory: here\nb:\n  directory: gone\nc:\n  directory: file\n`,
    );
    const error = await loadSettings(path, { host: hostFacts() }).catch((e: unknown) => e);
    assert.ok(error instanceof ConfigError);
    assert.deepEqual(error.issues.map(formatIssue), [
      `${path}:7:14: IOC "b": directory "${join(dir, "gone")}" does not exist`,
      `${path}:9:14: IOC "c": directory "${join(dir, "file")}" is not a directory`,
    ]);
    // The manager loads without a host: a folder removed after start must not stop it.
    assert.equal((await loadSettings(path)).iocs.length, 3);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("parseSettings() refuses a command that supervisord cannot split", () => {
  assert.deepEqual(
    issuesOf(
      `${GENERAL}a:\n  command: "sh -c 'echo hi"\nb:\n  command: './x "y'\nc:\n  command: run\\\nd: {}\n`,
    ),
    [
      `settings.yaml:5:12: IOC "a": command cannot be split into arguments as supervisord ` +
      `splits it: a ' quote is never closed`,
      `settings.yaml:7:12: IOC "b": command cannot be split into arguments as supervisord ` +
      `splits it: a " quote is never closed`,
      `settings.yaml:9:12: IOC "c": command cannot be split into arguments as supervisord ` +
      `splits it: ends with a backslash that escapes nothing`,
    ],
  );
  // general.command is reported once, at its own position, however many IOCs use it.
  assert.deepEqual(issuesOf(`general:\n  prefix: P\n  command: "run '{name}"\na: {}\nb: {}\n`), [
    `settings.yaml:3:12: general.command cannot be split into arguments as supervisord splits ` +
    `it: a ' quote is never closed`,
  ]);
});

Deno.test("shellSplit() splits as Python's shlex.split does", () => {
  // Expected values from /usr/bin/python3 -c 'import shlex; print(shlex.split(...))'.
  const cases: [string, string[]][] = [
    [`sh -c 'echo "a b"' x\\ y ''`, ["sh", "-c", 'echo "a b"', "x y", ""]],
    [`a"b c"d`, ["ab cd"]],
    [`"a\\"b\\x"`, ['a"b\\x']],
    [`a\\'b`, ["a'b"]],
    [`  a \t b  `, ["a", "b"]],
    [`a#b # c`, ["a#b", "#", "c"]],
    [`"\\\\"`, ["\\"]],
  ];
  for (const [command, argv] of cases) assert.deepEqual(shellSplit(command), argv, command);
  for (const bad of [`'a`, `"a`, `a\\`, `"a\\`]) assert.throws(() => shellSplit(bad), SyntaxError);
});

Deno.test("parseSettings() refuses every value supervisord.conf cannot hold, at the value", () => {
  const text = `general:
  prefix: P
  command: run {name}
  log_dir: "logs ;old"
  web: { listen: 127.0.0.1:9001, username: " admin", password: "pass ;word" }
a:
  directory: "/srv/a ;b"
b:
  directory: "/srv/b #c"
c:
  directory: "/srv/c "
`;
  assert.deepEqual(issuesOf(text, null), [
    `settings.yaml:4:12: general.log_dir cannot be written to supervisord.conf: whitespace ` +
    `before ";" or "#" starts a comment`,
    `settings.yaml:5:44: general.web.username cannot be written to supervisord.conf: leading ` +
    `or trailing whitespace is dropped`,
    `settings.yaml:5:64: general.web.password cannot be written to supervisord.conf: whitespace ` +
    `before ";" or "#" starts a comment`,
    `settings.yaml:7:14: IOC "a": directory "/srv/a ;b" cannot be written to supervisord.conf: ` +
    `whitespace before ";" or "#" starts a comment`,
    `settings.yaml:9:14: IOC "b": directory "/srv/b #c" cannot be written to supervisord.conf: ` +
    `whitespace before ";" or "#" starts a comment`,
    `settings.yaml:11:14: IOC "c": directory "/srv/c " cannot be written to supervisord.conf: ` +
    `leading or trailing whitespace is dropped`,
  ]);
  const folder = parseSettings.bind(undefined, `${GENERAL}a: {}\n`);
  assert.throws(
    () => folder({ file: "/srv/x ;y/settings.yaml", displayName: "settings.yaml" }),
    (error: unknown) =>
      error instanceof ConfigError &&
      error.message ===
        `settings.yaml:1:1: Cannot use settings folder "/srv/x ;y": supervisord.conf cannot ` +
          `hold its path (whitespace before ";" or "#" starts a comment)`,
  );
});

Deno.test("parseSettings() accepts what the conf writer escapes: % and ; in commands", async () => {
  const settings = parse(`general:
  prefix: P
  web: { password: "50%;x" }
a:
  command: "sh -c 'echo 100% ;done'"
  directory: /data/100%
  env: { RATIO: "5%" }
`);
  const text = renderConf(settings, {
    templates: await loadTemplates(),
    paths: statePaths("/srv/iocs/ioc-supervisor"),
  });
  assert.match(text, /^password=50%%;x$/m);
  assert.match(text, /^directory=\/data\/100%%$/m);
  // After the timestamp wrapper (log_stamp.ts), whose own `%` are doubled too.
  assert.match(
    text,
    /^command=\/bin\/bash -c '.*%%04d.*' a \S+\/a.log \S+\/a_error.log \d+ \d+ sh -c 'echo 100%% '';done'$/m,
  );
  assert.match(text, /^environment=RATIO="5%%",/m);
});

Deno.test("parseSettings() refuses stamped IOCs on a host without perl, at the first such IOC", () => {
  const noPerl: HostFacts = { ...HOST, hasProgram: (p) => p !== "perl" };
  const text = `${GENERAL}plain:\n  timestamps: false\nstamped:\n  autostart: true\n`;
  assert.throws(() => parse(text, noPerl), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.equal(error.issues.length, 1);
    const issue = error.issues[0]!;
    assert.equal([issue.line, issue.col].join(":"), "6:1");
    assert.match(issue.message, /"stamped": timestamps .* need perl .*timestamps: false/);
    return true;
  });
  // Without stamps nothing needs perl.
  const off = parse(
    `general:\n  prefix: P\n  command: run {name}\n  timestamps: false\na: {}\n`,
    noPerl,
  );
  assert.equal(off.iocs.length, 1);
});
