import assert from "node:assert/strict";
import { ConfigError } from "../../../mod/errors.ts";
import { join } from "node:path";
import { loadSettings, type Settings } from "../../../mod/config/mod.ts";
import { GENERAL, issuesOf as issuesOfRun, parseText } from "./_settings.ts";
import {
  decodeSettingsBytes,
  invalidUtf8Offset,
  MAX_SETTINGS_BYTES,
} from "../../../mod/config/_file_text.ts";

const BOMB = new URL("../../fixtures/settings/merge_bomb.yaml", import.meta.url);

function parse(text: string): Settings {
  return parseText(text);
}

function issuesOf(text: string): string[] {
  return issuesOfRun(() => parse(text));
}

async function loadError(path: string): Promise<ConfigError> {
  const error = await loadSettings(path).then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${error}`);
  return error;
}

Deno.test("parseSettings() refuses a merge bomb at the merge key that passes the budget", async () => {
  // Ten levels of ten aliases: 10^10 entries. Without a budget this test never ends.
  const text = await Deno.readTextFile(BOMB);
  assert.deepEqual(issuesOf(text), [
    `settings.yaml:10:10: Cannot expand the merge key "<<": it expands to more than 100000 ` +
    `entries (nested merges that repeat an alias grow exponentially)`,
  ]);
});

Deno.test("loadSettings() refuses the merge bomb file with its position", async () => {
  const path = BOMB.pathname;
  const error = await loadError(path);
  assert.equal(error.issues.length, 1);
  assert.match(error.message, new RegExp(`^${path}:10:10: Cannot expand the merge key "<<"`));
});

Deno.test("parseSettings() refuses a map merged into itself at the alias", () => {
  assert.deepEqual(issuesOf(`${GENERAL}x: &x\n  <<: *x\n  autostart: true\n`), [
    `settings.yaml:5:7: Cannot merge alias *x here: it names a map that contains it`,
  ]);
  // Through a list and a map merged on the way: the alias names the map being expanded.
  assert.deepEqual(issuesOf(`${GENERAL}x: &x {<<: [{<<: *x}], autostart: true}\ny: {<<: *x}\n`), [
    `settings.yaml:4:18: Cannot merge alias *x here: it names a map that contains it`,
  ]);
});

Deno.test("parseSettings() refuses merges nested deeper than 64", () => {
  let text = `${GENERAL}m0: &m0 {autostart: true}\n`;
  for (let i = 1; i <= 70; i++) text += `m${i}: &m${i} {<<: *m${i - 1}}\n`;
  const issues = issuesOf(text);
  assert.equal(issues.length, 1);
  // m64 (line 68) is the first map whose expansion would open a 65th map.
  assert.equal(
    issues[0],
    `settings.yaml:68:12: Cannot expand the merge key "<<": merges nest more than 64 deep`,
  );
});

Deno.test("parseSettings() refuses merge values that are not maps and unresolved aliases", () => {
  assert.deepEqual(
    issuesOf(`${GENERAL}x:\n  <<: 3\ny:\n  <<: [{autostart: true}, 4]\nz: *nope\n`),
    [
      `settings.yaml:5:7: The merge key "<<" needs a map or a list of maps, got 3`,
      `settings.yaml:7:27: The merge key "<<" needs a map or a list of maps, got 4`,
      `settings.yaml:8:1: IOC "z" must be a map of settings, got nothing`,
      `settings.yaml:8:4: Cannot resolve alias *nope: no anchor &nope before it`,
    ],
  );
});

Deno.test("parseSettings() merges a shared map into many IOCs within the budget", () => {
  let text =
    `${GENERAL}defaults: &d {autostart: true, stopsignal: INT, startsecs: 3, stopwaitsecs: 5}\n`;
  for (let i = 0; i < 2000; i++) text += `ioc${i}: {<<: *d, description: "n${i}"}\n`;
  const settings = parse(text);
  assert.equal(settings.iocs.length, 2001);
  assert.deepEqual(
    [
      settings.iocs[2000]?.autostart,
      settings.iocs[2000]?.stopsignal,
      settings.iocs[2000]?.startsecs,
    ],
    [true, "INT", 3],
  );
});

Deno.test("parseSettings() reports a map's repeated keys itself, and at most 100 issues", () => {
  const text = `${GENERAL}x: {${"a: 1, ".repeat(150)}}\n`;
  const issues = issuesOf(text);
  assert.equal(issues.length, 101);
  assert.equal(issues[0], `settings.yaml:4:11: Duplicate key "a"`);
  assert.equal(issues[99], `settings.yaml:4:605: Duplicate key "a"`);
  assert.equal(issues[100], `settings.yaml:4:611: 49 more problems not shown`);
});

Deno.test("parseSettings() reads a file of many aliases", () => {
  // yaml's Alias.resolve walks the whole document per alias: 20,000 aliases were 4·10^8 steps.
  const text = `${GENERAL}  epics_addr_list: [${
    "*a, ".repeat(20000)
  }*a]\nx: {env: {A: &a 127.0.0.1}}\n`
    .replace("  epics_addr_list", "  epics_beacon_addr_list");
  // The anchor comes after the aliases here: every alias is unresolved, reported once each.
  assert.equal(issuesOf(text).length, 101);
  const ok = `a0: &a {description: x}\n${GENERAL}` +
    Array.from({ length: 20000 }, (_, i) => `i${i}: *a\n`).join("");
  assert.equal(parse(ok).iocs.length, 20001);
});

Deno.test("parseSettings() turns a nesting overflow into one positioned message", () => {
  const issues = issuesOf(`${GENERAL}x: ${"[".repeat(5000)}${"]".repeat(5000)}\n`);
  assert.ok(issues.length >= 1);
  for (const issue of issues) {
    assert.match(
      issue,
      /^settings\.yaml:4:\d+: Cannot parse YAML: collections are nested too deeply$/,
    );
  }
});

Deno.test("decodeSettingsBytes() refuses more than 1 MiB at 1:1", () => {
  assert.equal(typeof decodeSettingsBytes(new Uint8Array(MAX_SETTINGS_BYTES).fill(0x20)), "string");
  assert.deepEqual(decodeSettingsBytes(new Uint8Array(MAX_SETTINGS_BYTES + 1).fill(0x20)), {
    line: 1,
    col: 1,
    message: "Cannot read settings file: larger than 1048576 bytes (1 MiB)",
  });
});

Deno.test("invalidUtf8Offset() finds the first bad sequence as the WHATWG decoder would", () => {
  const cases: [number[], number][] = [
    [[0x61, 0x62], 2],
    [[0x61, 0xc3, 0xa9, 0x62], 4], // é
    [[0xf0, 0x9f, 0x98, 0x80], 4], // 😀
    [[0x61, 0xe9, 0x62], 1], // Latin-1 é
    [[0xc0, 0xaf], 0], // overlong "/"
    [[0xe0, 0x80, 0xaf], 0], // overlong
    [[0xed, 0xa0, 0x80], 0], // surrogate
    [[0xf4, 0x90, 0x80, 0x80], 0], // past U+10FFFF
    [[0x61, 0xe2, 0x82], 1], // cut short
    [[0x80], 0], // continuation alone
    [[0xff], 0],
  ];
  for (const [bytes, offset] of cases) {
    const data = new Uint8Array(bytes);
    assert.equal(invalidUtf8Offset(data), offset, JSON.stringify(bytes));
    const decodes = (() => {
      try {
        new TextDecoder("utf-8", { fatal: true }).decode(data);
        return true;
      } catch {
        return false;
      }
    })();
    assert.equal(decodes, offset === data.length, `decoder agrees on ${JSON.stringify(bytes)}`);
  }
});

Deno.test("loadSettings() refuses invalid UTF-8 with its byte offset and position", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "settings.yaml");
    const head = new TextEncoder().encode("general:\n  prefix: P\nioc1:\n  description: caf");
    await Deno.writeFile(path, new Uint8Array([...head, 0xe9, 0x0a]));
    const error = await loadError(path);
    assert.deepEqual(error.issues, [
      {
        file: path,
        line: 4,
        col: 19,
        message: `Cannot read settings file: invalid UTF-8 at byte ${head.length}`,
      },
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadSettings() refuses a file over 1 MiB without parsing it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "settings.yaml");
    await Deno.writeTextFile(path, `general:\n  prefix: P\n#${"x".repeat(MAX_SETTINGS_BYTES)}\n`);
    const error = await loadError(path);
    assert.equal(
      error.message,
      `${path}:1:1: Cannot read settings file: larger than 1048576 bytes (1 MiB)`,
    );
    const folder = await loadError(dir);
    assert.equal(folder.message, `${dir}:1:1: Cannot read settings file: it is a directory`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
