import assert from "node:assert/strict";
import { formatIssue } from "../../../mod/errors.ts";
import type { HostFacts, Settings } from "../../../mod/config/mod.ts";
import { GENERAL, issuesOf as issuesOfRun, parseText } from "./_settings.ts";

/** A host with every program and the groups "adm" and "iocs". */
const HOST: HostFacts = {
  env: {},
  localAddresses: ["127.0.0.1"],
  directoryProblem: () => undefined,
  hasProgram: () => true,
  groupExists: (name) => ["adm", "iocs"].includes(name),
};

function parse(text: string, host: HostFacts | undefined = HOST): Settings {
  return parseText(text, host, "/srv/settings.yaml");
}

function issuesOf(text: string, host: HostFacts = HOST): string[] {
  return issuesOfRun(() => parse(text, host));
}

Deno.test("parseSettings() reads console per IOC, defaulting to general.console (false)", () => {
  const off = parse(`${GENERAL}a: {}\nb:\n  console: true\n`);
  assert.deepEqual(off.iocs.map((ioc) => ioc.console), [false, true]);
  assert.equal(off.general.consoleGroup, undefined);
  const on = parse(
    `general:\n  prefix: P\n  command: run\n  console: yes\n  console_group: iocs\n` +
      `a: {}\nb:\n  console: false\n`,
  );
  assert.deepEqual(on.iocs.map((ioc) => ioc.console), [true, false]);
  assert.equal(on.general.consoleGroup, "iocs");
  assert.deepEqual(on.warnings, []);
});

Deno.test("parseSettings() refuses a console without procServ, with the install hint", () => {
  const noProcServ: HostFacts = { ...HOST, hasProgram: (p) => p !== "procServ" };
  assert.deepEqual(issuesOf(`${GENERAL}plain: {}\nioc1:\n  console: true\n`, noProcServ), [
    `settings.yaml:5:1: IOC "ioc1": a console needs procServ on this host: install it ` +
    `(Debian: apt-get install procserv), or set "console: false"`,
  ]);
  // Without consoles procServ is not needed; without a host nothing is checked.
  assert.equal(parse(`${GENERAL}plain: {}\n`, noProcServ).iocs.length, 1);
  assert.equal(parse(`${GENERAL}ioc1:\n  console: true\n`, undefined).iocs.length, 1);
});

Deno.test("parseSettings() refuses a console_group that does not exist or cannot be a group", () => {
  assert.deepEqual(issuesOf(`${GENERAL}  console_group: operators\n`), [
    `settings.yaml:4:18: general.console_group "operators" is not a group on this host: ` +
    `create it (groupadd operators) or name an existing one`,
  ]);
  assert.deepEqual(issuesOf(`${GENERAL}  console_group: "a:b"\n`), [
    `settings.yaml:4:18: general.console_group must be a group name (letters, digits, "_", ` +
    `"." and "-"), got "a:b"`,
  ]);
  assert.deepEqual(issuesOf(`${GENERAL}  console: 1\n`), [
    `settings.yaml:4:12: general.console must be true or false, got 1`,
  ]);
});

Deno.test("parseSettings() warns about misspelt console keys", () => {
  const settings = parse(`${GENERAL}  consol_group: adm\nioc1:\n  consle: true\n`);
  assert.deepEqual(settings.warnings?.map(formatIssue), [
    `settings.yaml:4:3: general: unknown key "consol_group" is ignored; did you mean ` +
    `"console_group"?`,
    `settings.yaml:6:3: IOC "ioc1": "consle" is not an iocsup key (iocsup ignores it); ` +
    `did you mean "console"?`,
  ]);
});

Deno.test("parseSettings() needs no perl for console IOCs: procServ stamps their lines", () => {
  const noPerl: HostFacts = { ...HOST, hasProgram: (p) => p !== "perl" };
  assert.equal(parse(`${GENERAL}ioc1:\n  console: true\n`, noPerl).iocs.length, 1);
  assert.equal(issuesOf(`${GENERAL}ioc1: {}\n`, noPerl).length, 1);
});
