import assert from "node:assert/strict";
import { ConfigError, formatIssue } from "../../../mod/errors.ts";
import { type HostFacts, parseSettings, type Settings } from "../../../mod/config/mod.ts";
import { editDistance, likelyMeant } from "../../../mod/config/_keys.ts";

const FIXTURE = new URL("../../fixtures/settings/python_tool.yaml", import.meta.url);
import { GENERAL, parseText } from "./_settings.ts";

/** A host with one LAN address and no EPICS variables, where every directory exists. */
function host(env: Record<string, string> = {}): HostFacts {
  return {
    env,
    localAddresses: ["127.0.0.1", "10.1.2.3"],
    directoryProblem: () => undefined,
    hasProgram: () => true,
  };
}

function parse(text: string, facts?: HostFacts): Settings {
  return parseText(text, facts);
}

function warningsOf(text: string, facts?: HostFacts): string[] {
  return (parse(text, facts).warnings ?? []).map(formatIssue);
}

Deno.test("editDistance() counts a swap of neighbours as one edit", () => {
  assert.equal(editDistance("autostrat", "autostart"), 1);
  assert.equal(editDistance("comand", "command"), 1);
  assert.equal(editDistance("descripton", "description"), 1);
  assert.equal(editDistance("stopsecs", "startsecs"), 3);
  assert.equal(editDistance("", "env"), 3);
  assert.equal(editDistance("abc", "abc"), 0);
});

Deno.test("likelyMeant() allows one edit on short keys and two on longer ones", () => {
  const known = ["command", "env", "autostart", "autorestart"];
  assert.equal(likelyMeant("comand", known), "command");
  assert.equal(likelyMeant("Command", known), "command");
  assert.equal(likelyMeant("commnad", known), "command");
  assert.equal(likelyMeant("autostrat", known), "autostart");
  assert.equal(likelyMeant("autorestrat", known), "autorestart");
  assert.equal(likelyMeant("envs", known), "env");
  assert.equal(likelyMeant("ip", known), undefined);
  assert.equal(likelyMeant("dev", known), undefined);
  assert.equal(likelyMeant("command", known), undefined);
});

Deno.test("parseSettings() warns about likely typos of iocsup keys in an IOC", () => {
  const text = `${GENERAL}ioc1:
  comand: ./st.cmd
  autostrat: true
  descripton: Gauge
  Autostart: true
  module: devices.tpg
  channels: [a, b]
`;
  const hint = (key: string, meant: string) =>
    `IOC "ioc1": "${key}" is not an iocsup key (iocsup ignores it); did you mean "${meant}"?`;
  assert.deepEqual(warningsOf(text), [
    `settings.yaml:5:3: ${hint("comand", "command")}`,
    `settings.yaml:6:3: ${hint("autostrat", "autostart")}`,
    `settings.yaml:7:3: ${hint("descripton", "description")}`,
    `settings.yaml:8:3: ${hint("Autostart", "autostart")}`,
  ]);
  // The misspelt keys are ignored, so the IOC keeps its defaults.
  assert.equal(parse(text).iocs[0]?.autostart, false);
});

Deno.test("parseSettings() warns about every unknown key in general and its maps", () => {
  const text = `general:
  prefix: P
  prefx: Q
  epics_adr_list: 127.255.255.255
  colour: blue
  ca: { prot: 5070 }
  web: { user: me }
  access: { write_host: [opi1] }
`;
  assert.deepEqual(warningsOf(text), [
    `settings.yaml:3:3: general: unknown key "prefx" is ignored; did you mean "prefix"?`,
    `settings.yaml:4:3: general: unknown key "epics_adr_list" is ignored; did you mean ` +
    `"epics_addr_list"?`,
    `settings.yaml:5:3: general: unknown key "colour" is ignored`,
    `settings.yaml:6:9: general.ca: unknown key "prot" is ignored; did you mean "port"?`,
    `settings.yaml:7:10: general.web: unknown key "user" is ignored`,
    `settings.yaml:8:13: general.access: unknown key "write_host" is ignored; did you mean ` +
    `"write_hosts"?`,
  ]);
});

Deno.test("parseSettings() gives no warning for the Python tool's file", async () => {
  const text = (await Deno.readTextFile(FIXTURE)).replace(
    "  delay: 0.5\n",
    "  delay: 0.5\n  command: python master_ioc.py -i {name}\n",
  );
  assert.deepEqual(parse(text).warnings, []);
});

Deno.test("parseSettings() lists warnings after errors, labelled, when it fails", () => {
  try {
    parse(`general:\n  prefix: P\nioc1:\n  comand: ./st.cmd\n`);
    assert.fail("expected a ConfigError");
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    assert.deepEqual(error.issues.map(formatIssue), [
      `settings.yaml:3:1: IOC "ioc1" has no command: set "command" on it or "general.command" ` +
      `(e.g. "python master_ioc.py -i {name}")`,
      `settings.yaml:4:3: warning: IOC "ioc1": "comand" is not an iocsup key (iocsup ignores ` +
      `it); did you mean "command"?`,
    ]);
  }
});

const TRAP = `heartbeat search list entry "127.0.0.1" is a unicast address of this host, and IOC ` +
  `"ioc1" serves CA on the manager's port 5064: a unicast search reaches only one of them; use ` +
  `the broadcast address (127.255.255.255 on loopback, or the subnet broadcast)`;

Deno.test("parseSettings() warns when heartbeats are searched by unicast on a shared port", () => {
  const text = `general:
  prefix: P
  command: run {name}
  heartbeat_pv: "{prefix}:{name}_time"
  epics_addr_list: 127.0.0.1
ioc1: {}
`;
  assert.deepEqual(warningsOf(text, host()), [`settings.yaml:5:20: ${TRAP}`]);
  // Without a host (the manager's own load) nothing is said.
  assert.deepEqual(warningsOf(text), []);
  // A list item is pointed at itself; other loopback addresses and this host's LAN address too.
  const list = text.replace("127.0.0.1", "[127.255.255.255, 127.0.0.2, 10.1.2.3:5064, 10.1.2.255]");
  assert.deepEqual(warningsOf(list, host()), [
    `settings.yaml:5:38: ${TRAP.replace('"127.0.0.1"', '"127.0.0.2"')}`,
    `settings.yaml:5:49: ${TRAP.replace('"127.0.0.1"', '"10.1.2.3:5064"')}`,
  ]);
});

Deno.test("parseSettings() says nothing when the heartbeat search cannot miss", () => {
  const base = `general:
  prefix: P
  command: run {name}
  epics_addr_list: 127.0.0.1
`;
  const quiet: [string, string, Record<string, string>][] = [
    ["broadcast", base.replace("127.0.0.1", "127.255.255.255") + "a: {heartbeat_pv: X}\n", {}],
    ["no heartbeat PV", `${base}a: {}\n`, {}],
    [
      "IOC on its own port",
      `${base}a: {heartbeat_pv: X, env: {EPICS_CAS_SERVER_PORT: 5070}}\n`,
      {},
    ],
    ["manager on another port", `${base}  ca: { port: 5070 }\na: {heartbeat_pv: X}\n`, {}],
    [
      "entry aimed at the IOC's port",
      base.replace("127.0.0.1", "127.0.0.1:5070") +
      "a: {heartbeat_pv: X, env: {EPICS_CA_SERVER_PORT: 5070}}\n",
      {},
    ],
    ["remote address", base.replace("127.0.0.1", "10.9.9.9") + "a: {heartbeat_pv: X}\n", {}],
  ];
  for (const [what, text, env] of quiet) assert.deepEqual(warningsOf(text, host(env)), [], what);
});

Deno.test("parseSettings() follows the EPICS environment for the search list and ports", () => {
  const text = `general:
  prefix: P
  command: run {name}
  heartbeat_pv: "{prefix}:{name}_time"
ioc1: {}
ioc2: {}
ioc3: { env: { EPICS_CAS_SERVER_PORT: "6000" } }
`;
  // No general.epics_addr_list: EPICS_CA_ADDR_LIST is the list; the warning sits at the first IOC.
  assert.deepEqual(warningsOf(text, host({ EPICS_CA_ADDR_LIST: "localhost" })), [
    `settings.yaml:5:1: EPICS_CA_ADDR_LIST entry "localhost" (the heartbeat search list, as ` +
    `general.epics_addr_list is not set) is a unicast address of this host, and IOCs "ioc1" and ` +
    `"ioc2" serve CA on the manager's port 5064: a unicast search reaches only one of them; use ` +
    `the broadcast address (127.255.255.255 on loopback, or the subnet broadcast)`,
  ]);
  assert.deepEqual(warningsOf(text, host()), [], "no list at all: searches are broadcast");
  // Every server inherits EPICS_CAS_SERVER_PORT; ioc3 sets its own, and two IOCs on one port
  // are a trap even without the manager.
  const env = { EPICS_CA_ADDR_LIST: "127.0.0.1:6000", EPICS_CAS_SERVER_PORT: "7000" };
  const shared = text.replace(
    "ioc3: {",
    'ioc4: { env: { EPICS_CA_SERVER_PORT: "1", ' +
      'EPICS_CAS_SERVER_PORT: "6000" } }\nioc3: {',
  );
  assert.deepEqual(warningsOf(shared, host(env)), [
    `settings.yaml:7:1: EPICS_CA_ADDR_LIST entry "127.0.0.1:6000" (the heartbeat search list, ` +
    `as general.epics_addr_list is not set) is a unicast address of this host, and IOCs "ioc4" ` +
    `and "ioc3" serve CA on the same port 6000: a unicast search reaches only one of them; use ` +
    `the broadcast address (127.255.255.255 on loopback, or the subnet broadcast)`,
  ]);
});
