/**
 * The manager's PVs seen by the pvxs tools (pvxget, pvxput, pvxinfo), with real supervisord and a
 * real manager, and compared with what a real softIocPVX (QSRV2) serves for the same record
 * types. Skipped, with the reason in the name, when the tools are not on PATH.
 *
 * @module
 */
import assert from "node:assert/strict";
import { findOnPath } from "../helpers/epics_base.ts";
import { iocScript, type TempProject } from "../helpers/settings.ts";
import { SoftIocPvx } from "../helpers/softiocpvx.ts";
import { startIocsup } from "./manager_helpers.ts";

const TOOLS = ["pvxget", "pvxput", "pvxinfo", "softIocPVX"];
const MISSING = TOOLS.filter((t) => findOnPath(t) === undefined);
const SKIP = MISSING.length > 0;
const suffix = SKIP ? ` (skipped: ${MISSING.join(", ")} not on PATH)` : "";

const IOCS = `a:
  autostart: true
  command: ${iocScript("ioc.sh")} a {dir}
  description: IOC a
c:
  autostart: false
  command: ${iocScript("ioc.sh")} c {dir}
`;
const P = "TEST:MAN:";

/** Records of the types the manager's PVs stand for. */
const DB = `
record(mbbo, "X:MBBO") {
    field(ZRST, "Stop")
    field(ONST, "Run")
    field(TWST, "Reset")
}
record(mbbi, "X:MBBI") {
    field(ZRST, "RUNNING")
    field(ONST, "STOPPED")
}
record(longin, "X:LONGIN") {
    field(EGU, "s")
}
record(stringin, "X:STRINGIN") {
    field(VAL, "x")
}
`;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run a pvxs tool searching only 127.0.0.1 on `udpPort`. */
async function tool(name: string, args: string[], udpPort: number): Promise<Result> {
  const out = await new Deno.Command(name, {
    args,
    env: {
      EPICS_PVA_AUTO_ADDR_LIST: "NO",
      EPICS_PVA_ADDR_LIST: "127.0.0.1",
      EPICS_PVA_BROADCAST_PORT: String(udpPort),
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(40_000),
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

const managerTool = (project: TempProject, name: string, args: string[]) =>
  tool(name, args, project.pvaUdpPort);

/** pvxinfo's output without its first line ("NAME from HOST:PORT"). */
function typeOf(r: Result): string {
  assert.equal(r.code, 0, r.stdout + r.stderr);
  return r.stdout.split("\n").slice(1).join("\n");
}

Deno.test({
  name:
    `pvxget reads _control as NTEnum Stop/Run/Reset; pvxput value.index=1 returns once the IOC runs${suffix}`,
  ignore: SKIP,
  fn: async () => {
    const ioc = await startIocsup(IOCS);
    try {
      const got = await managerTool(ioc, "pvxget", [`${P}a_control`]);
      assert.equal(got.code, 0, got.stdout + got.stderr);
      assert.match(got.stdout, /value\.index int32_t = 1\n/);
      assert.match(got.stdout, /value\.choices string\[\] = \{3\}\["Stop", "Run", "Reset"\]/);
      assert.match(got.stdout, /display\.description string = "IOC a"/);

      const put = await managerTool(ioc, "pvxput", [`${P}c_control`, "value.index=1"]);
      assert.equal(put.code, 0, put.stdout + put.stderr);
      // pvxput returned: the IOC is running already.
      const c = (await ioc.status()).find((i) => i.name === "c");
      assert.equal(c?.state, "RUNNING");

      const sevr = await managerTool(ioc, "pvxget", [`${P}a_control.SEVR`]);
      assert.equal(sevr.code, 0, sevr.stdout + sevr.stderr);
      assert.match(sevr.stdout, /value\.choices string\[\] = \{4\}\["NO_ALARM", "MINOR"/);
    } finally {
      await ioc.close();
    }
  },
});

Deno.test({
  name:
    `pvxinfo of each manager PV type matches softIocPVX's mbbo, mbbi, longin, stringin${suffix}`,
  ignore: SKIP,
  fn: async () => {
    const pvx = await SoftIocPvx.start(DB);
    const ioc = await startIocsup(IOCS);
    try {
      const pairs = [
        ["a_control", "X:MBBO"],
        ["a_status", "X:MBBI"],
        ["a_hb", "X:LONGIN"],
        ["a_desc", "X:STRINGIN"],
      ];
      for (const [ours, theirs] of pairs) {
        const mine = typeOf(await managerTool(ioc, "pvxinfo", [`${P}${ours}`]));
        const qsrv = typeOf(await tool("pvxinfo", [theirs!], pvx.udpPort));
        assert.equal(mine, qsrv, `${ours} vs ${theirs}`);
      }
    } finally {
      await ioc.close();
      await pvx.stop();
    }
  },
});

Deno.test({
  name: `pvxput from an anonymous client is refused when general.access has rules${suffix}`,
  ignore: SKIP,
  fn: async () => {
    const ioc = await startIocsup(IOCS, {
      generalExtra: "  web: false\n  access: { write_users: [operator] }",
    });
    try {
      // pvxs sends an empty "ca" user: no rule can match it. (pvxput 1.5.2 cannot put a choice
      // string to an NTEnum, against QSRV2 either: capture 03, so the index.)
      const put = await managerTool(ioc, "pvxput", [`${P}a_control`, "value.index=0"]);
      assert.notEqual(put.code, 0, put.stdout + put.stderr);
      assert.match(put.stdout + put.stderr, /Put not permitted/);
      const a = (await ioc.status()).find((i) => i.name === "a");
      assert.equal(a?.state, "RUNNING");
    } finally {
      await ioc.close();
    }
  },
});
