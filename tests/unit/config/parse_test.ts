import assert from "node:assert/strict";
import { ConfigError, formatIssue } from "../../../mod/errors.ts";
import { parseSettings, type Settings } from "../../../mod/config/mod.ts";
import { GENERAL, issuesOf as issuesOfRun, parseText } from "./_settings.ts";

const FIXTURE = new URL("../../fixtures/settings/python_tool.yaml", import.meta.url);

/** Parse text that must be valid. */
function parse(text: string): Settings {
  return parseText(text);
}

/** Parse text that must be invalid; return its issues as `file:line:col: message` lines. */
function issuesOf(text: string): string[] {
  return issuesOfRun(() => parse(text));
}

Deno.test("parseSettings() loads the Python tool's file once general.command is added", async () => {
  const text = (await Deno.readTextFile(FIXTURE)).replace(
    "  delay: 0.5\n",
    "  delay: 0.5\n  command: python master_ioc.py -i {name}\n",
  );
  const settings = parse(text);
  assert.equal(settings.general.prefix, "TGT:TEST");
  assert.equal(settings.general.epicsAddrList, "127.0.0.1");
  assert.equal(settings.general.delay, 0.5);
  assert.deepEqual(
    settings.iocs.map((ioc) => [ioc.name, ioc.autostart, ioc.command]),
    [
      ["gauge-26x_1", true, "python master_ioc.py -i gauge-26x_1"],
      ["thermo_218", true, "python master_ioc.py -i thermo_218"],
      ["power_supply", false, "python master_ioc.py -i power_supply"],
      ["pid_loop", true, "python master_ioc.py -i pid_loop"],
    ],
  );
  // Device keys (module, ip, channels, records …) are neither rejected nor carried along.
  assert.deepEqual(Object.keys(settings.iocs[0] ?? {}).sort(), [
    "autorestart",
    "autostart",
    "command",
    "console",
    "description",
    "directory",
    "env",
    "heartbeatPv",
    "name",
    "position",
    "startsecs",
    "stopsignal",
    "stopwaitsecs",
    "timestamps",
  ]);
  assert.deepEqual(settings.iocs[0]?.position, { line: 11, col: 1 });
});

Deno.test("parseSettings() names every IOC of the Python tool's file that has no command", async () => {
  const text = await Deno.readTextFile(FIXTURE);
  const message = (name: string) =>
    `IOC "${name}" has no command: set "command" on it or "general.command" ` +
    `(e.g. "python master_ioc.py -i {name}")`;
  assert.deepEqual(issuesOf(text), [
    `settings.yaml:10:1: ${message("gauge-26x_1")}`,
    `settings.yaml:29:1: ${message("thermo_218")}`,
    `settings.yaml:45:1: ${message("power_supply")}`,
    `settings.yaml:54:1: ${message("pid_loop")}`,
  ]);
});

Deno.test("parseSettings() applies defaults", () => {
  const settings = parse("general:\n  prefix: P\nioc1:\n  command: ./st.cmd\n");
  assert.deepEqual(settings, {
    file: "/srv/iocs/settings.yaml",
    dir: "/srv/iocs",
    general: {
      prefix: "P",
      logDir: "logs",
      epicsAddrList: undefined,
      epicsBeaconAddrList: undefined,
      delay: 0.5,
      command: undefined,
      heartbeatPv: undefined,
      ca: { interfaces: [], port: undefined, beacons: [], autoBeacons: undefined },
      pva: {
        interfaces: [],
        port: undefined,
        udpPort: undefined,
        beacons: [],
        autoBeacons: undefined,
      },
      web: { listen: "127.0.0.1:9001", username: "iocsup", password: undefined },
      logMaxBytes: 10 * 1024 * 1024,
      logBackups: 5,
      logLines: 20,
      timestamps: true,
      console: false,
      consoleGroup: undefined,
      access: undefined,
    },
    iocs: [{
      name: "ioc1",
      command: "./st.cmd",
      directory: "/srv/iocs",
      env: {},
      autostart: false,
      autorestart: "unexpected",
      startsecs: 1,
      stopsignal: "TERM",
      stopwaitsecs: 10,
      description: "",
      heartbeatPv: undefined,
      timestamps: true,
      console: false,
      position: { line: 3, col: 1 },
    }],
    warnings: [],
  });
});

Deno.test("parseSettings() reads every general and IOC key", () => {
  const settings = parse(`general:
  prefix: TGT:MEOP
  log_dir: /var/log/iocs
  epics_addr_list: [127.0.0.1, 127.0.0.2]
  epics_beacon_addr_list: 127.255.255.255
  delay: 2
  command: python {dir}/master_ioc.py -i {name} -p {prefix}
  heartbeat_pv: "{prefix}:{name}_time"
  ca: { interfaces: 127.0.0.1 127.0.0.2, port: 5070, beacons: [127.0.0.1:5065, localhost], auto_beacons: false }
  pva: { interfaces: [127.0.0.1], port: 5085, udp_port: 5086, beacons: 127.0.0.1, auto_beacons: false }
  web: { listen: "localhost:9002", username: admin, password: 1234 }
  log_maxbytes: 512KB
  log_backups: 0
  log_lines: 50
  timestamps: false
  console: true
  console_group: adm
  access: { write_hosts: [opi1, opi2], write_users: operator }
  unknown_key: whatever
ioc1:
  autostart: yes
  command: ./st.cmd {name}
  directory: sub/dir
  env: { EPICS_CA_MAX_ARRAY_BYTES: 1000000, RATIO: 1.50, FLAG: True, _X: "" }
  autorestart: false
  startsecs: 0
  stopsignal: sigint
  stopwaitsecs: 30
  description: Pfeiffer TPG 26x gauge controller
  heartbeat_pv: OTHER:PV
  timestamps: true
  console: false
ioc2:
  autorestart: true
  directory: /abs
  heartbeat_pv: false
ioc3: {}
`);
  assert.deepEqual(settings.general, {
    prefix: "TGT:MEOP",
    logDir: "/var/log/iocs",
    epicsAddrList: "127.0.0.1 127.0.0.2",
    epicsBeaconAddrList: "127.255.255.255",
    delay: 2,
    command: "python {dir}/master_ioc.py -i {name} -p {prefix}",
    heartbeatPv: "{prefix}:{name}_time",
    ca: {
      interfaces: ["127.0.0.1", "127.0.0.2"],
      port: 5070,
      beacons: ["127.0.0.1:5065", "localhost"],
      autoBeacons: false,
    },
    pva: {
      interfaces: ["127.0.0.1"],
      port: 5085,
      udpPort: 5086,
      beacons: ["127.0.0.1"],
      autoBeacons: false,
    },
    web: { listen: "localhost:9002", username: "admin", password: "1234" },
    logMaxBytes: 512 * 1024,
    logBackups: 0,
    logLines: 50,
    timestamps: false,
    console: true,
    consoleGroup: "adm",
    access: { writeHosts: ["opi1", "opi2"], writeUsers: ["operator"] },
  });
  const [ioc1, ioc2, ioc3] = settings.iocs;
  assert.deepEqual(ioc1, {
    name: "ioc1",
    command: "./st.cmd ioc1",
    directory: "/srv/iocs/sub/dir",
    env: { EPICS_CA_MAX_ARRAY_BYTES: "1000000", RATIO: "1.50", FLAG: "True", _X: "" },
    autostart: true,
    autorestart: "false",
    startsecs: 0,
    stopsignal: "INT",
    stopwaitsecs: 30,
    description: "Pfeiffer TPG 26x gauge controller",
    heartbeatPv: "OTHER:PV",
    timestamps: true,
    console: false,
    position: { line: 20, col: 1 },
  });
  assert.equal(ioc2?.autorestart, "true");
  assert.equal(ioc2?.directory, "/abs");
  assert.equal(ioc2?.heartbeatPv, undefined);
  // general.timestamps: false is the default of IOCs that do not set their own.
  assert.equal(ioc2?.timestamps, false);
  // general.console: true likewise.
  assert.equal(ioc2?.console, true);
  assert.equal(ioc3?.command, "python /srv/iocs/master_ioc.py -i ioc3 -p TGT:MEOP");
  assert.equal(ioc3?.heartbeatPv, "TGT:MEOP:ioc3_time");
  // Every key above is known, except the one meant to be unknown.
  assert.deepEqual(settings.warnings?.map(formatIssue), [
    `settings.yaml:19:3: general: unknown key "unknown_key" is ignored`,
  ]);
});

Deno.test("parseSettings() turns web off with false and on with true", () => {
  assert.equal(parse("general:\n  prefix: P\n  web: false\n").general.web, false);
  assert.deepEqual(parse("general:\n  prefix: P\n  web: true\n").general.web, {
    listen: "127.0.0.1:9001",
    username: "iocsup",
    password: undefined,
  });
});

Deno.test("parseSettings() rejects hostile IOC names at the name's position", () => {
  const cases: [string, string][] = [
    ["a]b: {}", `"a]b"`],
    [`"a\\nb": {}`, `"a\\nb"`],
    ["a b: {}", `"a b"`],
    ["50%: {}", `"50%"`],
    ["a:b: {}", `"a:b"`],
    ["a/b: {}", `"a/b"`],
    ["gaüge: {}", `"gaüge"`],
    ["-x: {}", `"-x"`],
  ];
  for (const [line, quoted] of cases) {
    assert.deepEqual(issuesOf(`${GENERAL}${line}\n`), [
      `settings.yaml:4:1: Cannot use IOC name ${quoted}: only letters, digits, "_", "." and "-" ` +
      `are allowed, starting with a letter or digit`,
    ], line);
  }
});

Deno.test("parseSettings() rejects names reserved for iocsup's own logs", () => {
  assert.deepEqual(issuesOf(`${GENERAL}ok: {}\nsupervisord: {}\n  \nmanager: {}\n`), [
    `settings.yaml:5:1: Cannot use IOC name "supervisord": the name is reserved by iocsup`,
    `settings.yaml:7:1: Cannot use IOC name "manager": the name is reserved by iocsup`,
  ]);
  assert.deepEqual(issuesOf(`${GENERAL}x_error: {}\nx: {}\n`), [
    `settings.yaml:4:1: Cannot use IOC name "x_error": its log file would be the error log of IOC "x"`,
  ]);
});

Deno.test("parseSettings() allows IOC names that differ only in case", () => {
  assert.deepEqual(parse(`${GENERAL}Gauge: {}\ngauge: {}\n`).iocs.map((i) => i.name), [
    "Gauge",
    "gauge",
  ]);
});

Deno.test("parseSettings() reports duplicate keys at the repeated key", () => {
  assert.deepEqual(
    issuesOf(`${GENERAL}ioc1:\n  autostart: true\n  autostart: false\nioc1: {}\n`),
    [
      `settings.yaml:6:3: Duplicate key "autostart"`,
      `settings.yaml:7:1: Duplicate key "ioc1"`,
    ],
  );
});

Deno.test("parseSettings() reports wrong types at the value", () => {
  const text = `${GENERAL}x:
  autostart: "yes please"
  startsecs: -1
  env: [1, 2]
  stopsignal: BOGUS
  stopwaitsecs: 0
  autorestart: sometimes
  description: [a]
  directory: ~/iocs
y: just a string
`;
  assert.deepEqual(issuesOf(text), [
    `settings.yaml:5:14: IOC "x": autostart must be true or false, got "yes please"`,
    `settings.yaml:6:14: IOC "x": startsecs must be an integer >= 0, got -1`,
    `settings.yaml:7:8: IOC "x": env must be a map of NAME: value, got a list`,
    `settings.yaml:8:15: IOC "x": stopsignal must be one of TERM, INT, QUIT, KILL, HUP, USR1, ` +
    `USR2, got "BOGUS"`,
    `settings.yaml:9:17: IOC "x": stopwaitsecs must be an integer >= 1, got 0`,
    `settings.yaml:10:16: IOC "x": autorestart must be true, false or "unexpected", got "sometimes"`,
    `settings.yaml:11:16: IOC "x": description must be a string, got a list`,
    `settings.yaml:12:14: IOC "x": directory must be absolute or relative to the settings file: ` +
    `"~" is not expanded`,
    `settings.yaml:13:4: IOC "y" must be a map of settings, got "just a string"`,
  ]);
});

Deno.test("parseSettings() rejects values that would break supervisord.conf", () => {
  const text = `${GENERAL}x:
  command: "run\\n[program:evil]"
  description: "two\\nlines"
  env: { "BAD KEY": 1, 9LIVES: 2, OK: "a\\rb" }
  directory: "/tmp/a\\tb"
`;
  assert.deepEqual(issuesOf(text), [
    `settings.yaml:5:12: IOC "x": command must not contain newlines or other control characters`,
    `settings.yaml:6:16: IOC "x": description must not contain newlines or other control characters`,
    `settings.yaml:7:10: IOC "x": env: cannot use variable name "BAD KEY": only letters, digits ` +
    `and "_" are allowed, not starting with a digit`,
    `settings.yaml:7:24: IOC "x": env: cannot use variable name "9LIVES": only letters, digits ` +
    `and "_" are allowed, not starting with a digit`,
    `settings.yaml:7:39: IOC "x": env.OK must not contain newlines or other control characters`,
    `settings.yaml:8:14: IOC "x": directory must not contain newlines or other control characters`,
  ]);
});

Deno.test("parseSettings() requires a password to serve the web UI beyond loopback", () => {
  assert.deepEqual(issuesOf("general:\n  prefix: P\n  web:\n    listen: 0.0.0.0:9001\n"), [
    `settings.yaml:4:13: Cannot serve the web UI on "0.0.0.0:9001" without a password: set ` +
    `"general.web.password" or listen on 127.0.0.1`,
  ]);
  assert.equal(issuesOf("general:\n  prefix: P\n  web: { listen: ':9001' }\n").length, 1);
  for (const listen of ["127.0.0.5:9001", "localhost:1", "[::1]:9001"]) {
    const web = parse(`general:\n  prefix: P\n  web: { listen: "${listen}" }\n`).general.web;
    assert.equal(web && web.listen, listen);
  }
  const web = parse("general:\n  prefix: P\n  web: { listen: 0.0.0.0:9001, password: s3cret }\n")
    .general.web;
  assert.equal(web && web.password, "s3cret");
  assert.deepEqual(issuesOf("general:\n  prefix: P\n  web: { listen: 9001 }\n"), [
    `settings.yaml:3:18: general.web.listen must be "host:port" with a port from 1 to 65535, got "9001"`,
  ]);
});

Deno.test("parseSettings() checks general values", () => {
  const text = `general:
  prefix: "TGT MEOP"
  delay: 0
  log_maxbytes: 10 parsecs
  log_backups: -2
  ca: { interfaces: [127.0.0.1, 300.1.1.1], port: 70000, beacons: "a:b" }
  access: [x]
  command: ""
`;
  assert.deepEqual(issuesOf(text), [
    `settings.yaml:2:11: Cannot use prefix "TGT MEOP": only letters, digits, "_", ":", "." and ` +
    `"-" are allowed`,
    `settings.yaml:3:10: general.delay must be a number greater than 0, got 0`,
    `settings.yaml:4:17: general.log_maxbytes must be a byte count such as 10485760 or "10MB" ` +
    `(KB, MB, GB), got "10 parsecs"`,
    `settings.yaml:5:16: general.log_backups must be an integer >= 0, got -2`,
    `settings.yaml:6:33: general.ca.interfaces must hold IPv4 addresses, got "300.1.1.1"`,
    `settings.yaml:6:51: general.ca.port must be an integer from 1 to 65535, got 70000`,
    `settings.yaml:6:67: general.ca.beacons must hold "host" or "host:port" entries, got "a:b"`,
    `settings.yaml:7:11: general.access must be a map, got a list`,
    `settings.yaml:8:12: general.command must not be empty`,
  ]);
});

Deno.test("parseSettings() checks general.log_lines", () => {
  assert.deepEqual(issuesOf("general:\n  prefix: P\n  log_lines: -1\n"), [
    `settings.yaml:3:14: general.log_lines must be an integer from 0 to 1000, got -1`,
  ]);
  assert.deepEqual(issuesOf("general:\n  prefix: P\n  log_lines: many\n"), [
    `settings.yaml:3:14: general.log_lines must be an integer from 0 to 1000, got "many"`,
  ]);
  assert.equal(parse("general:\n  prefix: P\n  log_lines: 0\n").general.logLines, 0);
});

Deno.test("parseSettings() reads general.ca: false and general.pva: false, not both", () => {
  const caOff = parse("general:\n  prefix: P\n  ca: false\n").general;
  assert.equal(caOff.ca, false);
  assert.notEqual(caOff.pva, false);
  const pvaOff = parse("general:\n  prefix: P\n  pva: false\n").general;
  assert.equal(pvaOff.pva, false);
  assert.notEqual(pvaOff.ca, false);
  assert.notEqual(parse("general:\n  prefix: P\n  pva: true\n").general.pva, false);
  assert.deepEqual(issuesOf("general:\n  prefix: P\n  ca: false\n  pva: false\n"), [
    `settings.yaml:4:8: Cannot turn off both "general.ca" and "general.pva": the manager would ` +
    `serve no PVs`,
  ]);
  assert.deepEqual(issuesOf("general:\n  prefix: P\n  pva: { udp_port: 0, interfaces: x }\n"), [
    `settings.yaml:3:20: general.pva.udp_port must be an integer from 1 to 65535, got 0`,
    `settings.yaml:3:35: general.pva.interfaces must hold IPv4 addresses, got "x"`,
  ]);
  assert.deepEqual(issuesOf("general:\n  prefix: P\n  pva: yes please\n"), [
    `settings.yaml:3:8: general.pva must be a map or false, got "yes please"`,
  ]);
});

Deno.test("parseSettings() reads byte sizes as supervisord does", () => {
  const sizes: [string, number][] = [["1024", 1024], ["10MB", 10485760], ["2kb", 2048], [
    "1GB",
    1073741824,
  ], ["0", 0]];
  for (const [text, bytes] of sizes) {
    assert.equal(
      parse(`general:\n  prefix: P\n  log_maxbytes: ${text}\n`).general.logMaxBytes,
      bytes,
    );
  }
});

Deno.test("parseSettings() asks for general and its prefix", () => {
  assert.deepEqual(issuesOf("ioc1:\n  command: x\n"), [
    `settings.yaml:1:1: Missing "general" map: set at least "general.prefix"`,
  ]);
  assert.deepEqual(issuesOf("general:\n  delay: 1\n"), [
    `settings.yaml:1:1: Missing "general.prefix": PVs are named "<prefix>:MAN:…"`,
  ]);
  assert.deepEqual(issuesOf("general: 3\n"), [`settings.yaml:1:10: general must be a map, got 3`]);
  assert.deepEqual(issuesOf(""), [
    `settings.yaml:1:1: Settings file is empty: it needs a "general" map with "prefix"`,
  ]);
  assert.deepEqual(issuesOf("- a\n- b\n"), [
    `settings.yaml:1:1: Settings must be a map of "general" and IOC names, got a list`,
  ]);
});

Deno.test("parseSettings() reports several problems at once in file order", () => {
  const text = `${GENERAL}bad name: {}
ioc1:
  autostart: maybe
ioc2:
  env: { A: [1] }
ioc3: 3
`;
  assert.deepEqual(issuesOf(text), [
    `settings.yaml:4:1: Cannot use IOC name "bad name": only letters, digits, "_", "." and "-" ` +
    `are allowed, starting with a letter or digit`,
    `settings.yaml:6:14: IOC "ioc1": autostart must be true or false, got "maybe"`,
    `settings.yaml:8:13: IOC "ioc2": env.A must be a string, got a list`,
    `settings.yaml:9:7: IOC "ioc3" must be a map of settings, got 3`,
  ]);
});

Deno.test("parseSettings() reports YAML syntax errors with their position", () => {
  assert.deepEqual(issuesOf(`${GENERAL}ioc1:\n  command: "unterminated\n  autostart: true\n`), [
    "settings.yaml:5:12: Cannot parse YAML: missing closing quote for the string that starts here",
  ]);
  assert.deepEqual(issuesOf(`${GENERAL}ioc1: a: b\n`), [
    "settings.yaml:4:7: Cannot parse YAML: Nested mappings are not allowed in compact mappings",
  ]);
  assert.deepEqual(issuesOf(`${GENERAL}ioc1: [1,\n`).map((l) => l.split(": ")[0]), [
    "settings.yaml:5:1",
  ]);
});

Deno.test("parseSettings() follows aliases and merge keys", () => {
  const settings = parse(`${GENERAL}ioc1: &base
  autostart: true
  stopsignal: INT
ioc2:
  <<: *base
  stopsignal: KILL
`);
  assert.deepEqual(settings.iocs.map((i) => [i.name, i.autostart, i.stopsignal]), [
    ["ioc1", true, "INT"],
    ["ioc2", true, "KILL"],
  ]);
});

Deno.test("parseSettings() quotes a settings folder with spaces for {dir}", () => {
  const settings = parseSettings(
    "general:\n  prefix: P\n  command: python {dir}/ioc.py {name}\nx: {}\n",
    {
      file: "/srv/my iocs/settings.yaml",
    },
  );
  assert.equal(settings.iocs[0]?.command, "python '/srv/my iocs'/ioc.py x");
  assert.equal(settings.iocs[0]?.directory, "/srv/my iocs");
});

Deno.test("parseSettings() keeps file as a label when dir is given", () => {
  const settings = parseSettings("general:\n  prefix: P\n", { file: "(demo)", dir: "/tmp/demo" });
  assert.equal(settings.file, "(demo)");
  assert.equal(settings.dir, "/tmp/demo");
  try {
    parseSettings("general: {}\n", { file: "(demo)", dir: "/tmp" });
    assert.fail("expected a ConfigError");
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    assert.match(error.message, /^\(demo\):1:1: /);
  }
});

Deno.test("parseSettings() rejects an empty IOC command and a bad heartbeat PV", () => {
  assert.deepEqual(
    issuesOf(`${GENERAL}ioc1:\n  command: "  "\nioc2:\n  heartbeat_pv: "{prefix}: {name}"\n`),
    [
      `settings.yaml:5:12: IOC "ioc1": command must not be empty`,
      `settings.yaml:7:17: IOC "ioc2": heartbeat PV "P: ioc2" must not contain spaces or control ` +
      `characters`,
    ],
  );
});

Deno.test("parseSettings() reports every marked line of the hostile fixture", async () => {
  const url = new URL("../../fixtures/settings/hostile.yaml", import.meta.url);
  const text = await Deno.readTextFile(url);
  const marked = text.split("\n").flatMap((line, index) =>
    /#\s*error/.test(line) ? [index + 1] : []
  );
  const lines = issuesOf(text).map((issue) => Number(issue.split(":")[1]));
  assert.deepEqual(lines, marked);
});
