import assert from "node:assert/strict";
import { join } from "node:path";
import { appendAuditLine, auditLine, auditUserName } from "../../../mod/console/audit.ts";

const WHO = { user: "alice", host: "ctl1" };
const AT = new Date("2026-12-01T18:00:00.000Z");

Deno.test("auditLine() writes the manager's log format with user, host, IOC and mode", () => {
  assert.equal(
    auditLine(WHO, "pump", { kind: "attach", mode: "ro" }, AT),
    '2026-12-01T18:00:00.000Z INFO  attach: user "alice" on host "ctl1" attached to IOC "pump" (mode ro)\n',
  );
  assert.equal(
    auditLine(WHO, "pump", { kind: "detach", mode: "rw", reason: "end of input" }, AT),
    '2026-12-01T18:00:00.000Z INFO  attach: user "alice" on host "ctl1" detached from IOC "pump" (mode rw): end of input\n',
  );
});

Deno.test("auditLine() quotes typed text so it cannot forge a line of its own", () => {
  const line = auditLine(WHO, "pump", { kind: "line", text: 'x"\n2026 INFO  attach: forged' }, AT);
  assert.equal(line.split("\n").length, 2, "one line and its newline");
  assert.match(line, /sent a line to IOC "pump": "x\\"\\n2026 INFO {2}attach: forged"\n$/);
});

Deno.test("auditUserName() prefers the sudo caller, then USER, LOGNAME, the uid", () => {
  const env = (vars: Record<string, string>) => (name: string) => vars[name];
  assert.equal(auditUserName(env({ SUDO_USER: "alice", USER: "root" }), 0), "alice");
  assert.equal(auditUserName(env({ USER: "bob", LOGNAME: "b" }), 1000), "bob");
  assert.equal(auditUserName(env({ SUDO_USER: "", LOGNAME: "carol" }), 1000), "carol");
  assert.equal(auditUserName(env({}), 1000), "uid 1000");
});

Deno.test("appendAuditLine() appends after what is there and creates a missing file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "manager.log");
    await appendAuditLine(path, "first\n");
    await Deno.writeTextFile(path, "from the manager\n", { append: true });
    await appendAuditLine(path, "second\n");
    assert.equal(await Deno.readTextFile(path), "first\nfrom the manager\nsecond\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
