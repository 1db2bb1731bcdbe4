/** fleet.yaml parsing: hosts, addr, iocs, and errors at file:line:col. */
import assert from "node:assert/strict";
import { parseFleet } from "../../../mod/fleet/config.ts";
import { ConfigError } from "../../../mod/errors.ts";

Deno.test("parseFleet reads prefix, addr and iocs in order", () => {
  const fleet = parseFleet(
    "hosts:\n  - prefix: TGT:MEOP\n    addr: host1:5070\n  - prefix: B\n    iocs: [a, b-2]\n" +
      "  - prefix: C\n    iocs: x y\n",
    "fleet.yaml",
  );
  assert.deepEqual(fleet.hosts, [
    { prefix: "TGT:MEOP", addr: "host1:5070", iocs: undefined },
    { prefix: "B", addr: undefined, iocs: ["a", "b-2"] },
    { prefix: "C", addr: undefined, iocs: ["x", "y"] },
  ]);
});

function issues(text: string): string[] {
  try {
    parseFleet(text, "f.yaml");
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.message.split("\n");
  }
  assert.fail("expected a ConfigError");
}

Deno.test("parseFleet reports every problem at its place", () => {
  assert.match(issues("hosts: []\n")[0]!, /^f\.yaml:1:8: "hosts" must be a non-empty list/);
  assert.deepEqual(
    issues("hosts:\n  - prefix: A\n  - prefix: A\n    addr: h:0\n    iocs: [bad/name]\nother: 1\n"),
    [
      'f.yaml:3:13: hosts[1].prefix "A" is listed twice',
      'f.yaml:4:11: hosts[1].addr must be host or host:port (port 1-65535), got "h:0"',
      'f.yaml:5:11: hosts[1].iocs: Cannot use IOC name "bad/name": only letters, digits, "_", "." and "-" are allowed, starting with a letter or digit',
      'f.yaml:6:1: Unknown key "other": expected "hosts"',
    ],
  );
  assert.match(issues("hosts:\n  - [a]\n")[0]!, /^f\.yaml:2:5: hosts\[0\] must be a map/);
  assert.match(issues("hosts: [\n")[0]!, /^f\.yaml:\d+:\d+: Cannot parse YAML/);
  assert.match(issues("- a\n")[0]!, /^f\.yaml:1:1: A fleet file must be a map with "hosts"/);
});
