import assert from "node:assert/strict";
import { ConfigError } from "../../../mod/errors.ts";
import { parseFleet } from "../../../mod/screen/fleet.ts";

function issues(text: string): string[] {
  try {
    parseFleet(text, "fleet.yaml");
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.message.split("\n");
  }
  assert.fail("expected a ConfigError");
}

Deno.test("fleet: hosts in order, iocs optional, addr optional", () => {
  const hosts = parseFleet(
    "hosts:\n  - {prefix: A:B, addr: 'h1:5064', iocs: [x, y-1]}\n  - prefix: C\n",
    "fleet.yaml",
  );
  assert.deepEqual(hosts, [
    { prefix: "A:B", addr: "h1:5064", iocs: [{ name: "x" }, { name: "y-1" }] },
    { prefix: "C" },
  ]);
});

Deno.test("fleet: every problem at its file:line:col", () => {
  assert.deepEqual(
    issues(
      [
        "hosts:",
        "  - {prefix: 'bad prefix'}",
        "  - {prefix: A, iocs: ['no/slash', 3]}",
        "  - {prefix: A}",
        "  - {addr: h, colour: red}",
        "  - just-a-string",
        "extra: 1",
      ].join("\n") + "\n",
    ),
    [
      'fleet.yaml:2:14: Cannot use prefix "bad prefix": only letters, digits, "_", ":", "." and "-"',
      'fleet.yaml:3:24: Cannot use IOC name "no/slash": only letters, digits, "_", "." and "-" are allowed, starting with a letter or digit',
      "fleet.yaml:3:36: Expected an IOC name",
      'fleet.yaml:4:14: Prefix "A" is listed twice',
      'fleet.yaml:5:5: Missing "prefix"',
      'fleet.yaml:5:15: Unknown key "colour" (prefix, addr, iocs)',
      "fleet.yaml:6:5: Expected a host map {prefix, addr, iocs}",
      'fleet.yaml:7:1: Unknown key "extra" (only "hosts")',
    ],
  );
});

Deno.test("fleet: no hosts, or YAML that does not parse", () => {
  assert.match(issues("hosts: []\n")[0]!, /^fleet\.yaml:1:8: Expected "hosts:"/);
  assert.match(issues("other: 1\n")[0]!, /^fleet\.yaml:1:1: Expected "hosts:"/);
  assert.match(issues("hosts: [\n")[0]!, /^fleet\.yaml:\d+:\d+: /);
});
