import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "../helpers/cli.ts";
import { parseXmlStrict } from "../unit/screen/_bob.ts";

const FIXTURES = new URL("../fixtures/screen/", import.meta.url).pathname;
const SETTINGS = join(FIXTURES, "settings.yaml");
const FLEET = join(FIXTURES, "fleet.yaml");
/** Set to rewrite the golden files from the current output (then review the diff). */
const UPDATE = Deno.env.get("UPDATE_GOLDEN") === "1";

/** Compare with a golden file, or rewrite it under UPDATE_GOLDEN=1. */
async function assertGolden(name: string, actual: string): Promise<void> {
  const path = join(FIXTURES, name);
  if (UPDATE) await Deno.writeTextFile(path, actual);
  assert.equal(actual, await Deno.readTextFile(path), `${name} (UPDATE_GOLDEN=1 rewrites it)`);
}

async function screen(...args: string[]) {
  return await runCli(["screen", ...args]);
}

Deno.test("screen: the fixed settings give the golden display, the same bytes every run", async () => {
  const first = await screen("--config", SETTINGS);
  assert.equal(first.code, 0, first.stderr);
  await parseXmlStrict(first.stdout);
  await assertGolden("settings.bob", first.stdout);
  const second = await screen("--config", SETTINGS);
  assert.equal(second.stdout, first.stdout);
});

Deno.test("screen --protocol pva: every PV is pva://, nothing else changes", async () => {
  const ca = await screen("--config", SETTINGS, "--protocol", "ca");
  const pva = await screen("--config", SETTINGS, "--protocol", "pva");
  assert.equal(pva.code, 0, pva.stderr);
  assert.ok(!pva.stdout.includes("ca://"));
  assert.equal(pva.stdout.match(/pva:\/\//g)?.length, ca.stdout.match(/ca:\/\//g)?.length);
  assert.equal(pva.stdout.replaceAll("pva://", "ca://"), ca.stdout);
});

Deno.test("screen --out writes the file atomically and leaves nothing else", async () => {
  const dir = await Deno.makeTempDir({ prefix: "iocsup-screen-" });
  try {
    const file = join(dir, "iocs.bob");
    await Deno.writeTextFile(file, "old");
    const result = await screen("--config", SETTINGS, "--out", file);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, "");
    assert.match(result.stderr, /iocs\.bob/);
    assert.equal(
      await Deno.readTextFile(file),
      await Deno.readTextFile(join(FIXTURES, "settings.bob")),
    );
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["iocs.bob"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("screen --fleet: the golden fleet display", async () => {
  const result = await screen("--fleet", FLEET);
  assert.equal(result.code, 0, result.stderr);
  await parseXmlStrict(result.stdout);
  await assertGolden("fleet.bob", result.stdout);
});

Deno.test("screen: bad arguments and bad fleet files exit 2 with the reason", async () => {
  const dir = await Deno.makeTempDir({ prefix: "iocsup-screen-" });
  try {
    const badFleet = join(dir, "fleet.yaml");
    await Deno.writeTextFile(badFleet, "hosts:\n  - {prefix: A, iocs: [a/b]}\n");
    const cases: [string[], RegExp][] = [
      [["--config", SETTINGS, "--protocol", "http"], /--protocol must be ca or pva/],
      [["--config", SETTINGS, "--colour"], /Unknown option '--colour'/],
      [["--config", SETTINGS, "extra"], /Unexpected argument "extra"/],
      [["--config", SETTINGS, "--out"], /--out/],
      [["--config", SETTINGS, "--out", ""], /--out needs a file name/],
      [["--fleet", join(dir, "missing.yaml")], /Cannot read fleet file/],
      [["--fleet", badFleet], /fleet\.yaml:2:24: Cannot use IOC name "a\/b"/],
      [["--config", join(dir, "missing-settings.yaml")], /missing-settings\.yaml/],
    ];
    for (const [args, message] of cases) {
      const result = await screen(...args);
      assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
      assert.match(result.stderr, message, args.join(" "));
      assert.equal(result.stdout, "", args.join(" "));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("screen --help documents the options and the fleet file; iocsup --help lists screen", async () => {
  const help = await screen("--help");
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /USAGE\n {2}iocsup screen/);
  for (const word of ["--out", "--protocol", "--fleet", "hosts:", "<prefix>.bob"]) {
    assert.ok(help.stdout.includes(word), word);
  }
  const top = await runCli(["--help"]);
  assert.match(top.stdout, /\n {2}screen +write a Phoebus display/);
});
