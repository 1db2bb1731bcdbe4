import assert from "node:assert/strict";
import { hostname } from "node:os";
import { join } from "node:path";
import { runCli } from "../helpers/cli.ts";
import { freeCaPort } from "../helpers/ports.ts";
import { iocScript } from "../helpers/settings.ts";
import { waitFor } from "../helpers/wait.ts";
import { startIocsup } from "./manager_helpers.ts";

const P = "TEST:MAN:";

Deno.test("_hb follows a heartbeat PV served by an IOC written with mod/ca", async () => {
  const iocPort = await freeCaPort();
  const hbIoc = new URL("../fixtures/iocs/hb_ioc.ts", import.meta.url).pathname;
  const ioc = await startIocsup(
    `beating:
  autostart: true
  command: ${Deno.execPath()} run -A ${hbIoc} ${P}beating_time {dir}
  env:
    EPICS_CAS_SERVER_PORT: "${iocPort}"
    EPICS_CAS_INTF_ADDR_LIST: 127.0.0.1
    EPICS_CAS_BEACON_ADDR_LIST: 127.0.0.1
    EPICS_CAS_AUTO_BEACON_ADDR_LIST: "NO"
    EPICS_CAS_BEACON_PORT: "${iocPort + 1}"
plain:
  autostart: true
  command: ${iocScript("ioc.sh")} plain {dir}
  heartbeat_pv: ""
`,
    {
      generalExtra: `  web: false\n  delay: 0.2\n  heartbeat_pv: "{prefix}:MAN:{name}_time"\n` +
        `  epics_addr_list: "127.0.0.1:${iocPort}"`,
    },
  );
  try {
    const hb = async (name: string) => (await ioc.get(`${P}${name}_hb`)).value as number;
    await waitFor("_hb small while the heartbeat updates", async () => (await hb("beating")) <= 1, {
      timeoutMs: 20_000,
    });
    assert.equal(await hb("plain"), 0, "no heartbeat PV: 0 while running");
    await Deno.writeTextFile(join(ioc.dir, "pause"), "");
    await waitFor("_hb growing when it stops updating", async () => (await hb("beating")) >= 3, {
      timeoutMs: 20_000,
    });
    await Deno.remove(join(ioc.dir, "pause"));
    await waitFor("_hb small again", async () => (await hb("beating")) <= 1, { timeoutMs: 20_000 });
    await Deno.writeTextFile(join(ioc.dir, "drop"), "");
    await waitFor("_hb 120 when the PV is gone", async () => (await hb("beating")) === 120, {
      timeoutMs: 20_000,
    });
    await ioc.ops([{ op: "put", pv: `${P}beating_control`, value: 0, wait: true }]);
    await waitFor("_hb 999 when stopped", async () => (await hb("beating")) === 999);
  } finally {
    await ioc.close();
  }
});

async function whoami(): Promise<string> {
  const out = await new Deno.Command("id", { args: ["-un"], stdout: "piped" }).output();
  return new TextDecoder().decode(out.stdout).trim();
}

Deno.test("general.access lets listed clients write and refuses the others", async () => {
  const user = await whoami();
  const iocs = `a:
  autostart: true
  command: ${iocScript("ioc.sh")} a {dir}
`;
  const denied = await startIocsup(iocs, {
    generalExtra: `  web: false\n  access:\n    write_users: [somebody-else]`,
  });
  try {
    const r = await denied.ops([
      { op: "info", pv: `${P}a_control` },
      { op: "putStatus", pv: `${P}a_control`, value: 0 },
    ]);
    assert.deepEqual(r[0]!.value, { ftype: "enum", count: 1, read: true, write: false });
    assert.ok(r[1]!.error, "a denied client's write must fail");
    assert.equal((await denied.status()).find((i) => i.name === "a")!.state, "RUNNING");
    const log = await Deno.readTextFile(join(denied.stateDir, "logs", "manager.log"));
    assert.match(log, new RegExp(`refused to ${user}@`));
  } finally {
    await denied.close();
  }
  const allowed = await startIocsup(iocs, {
    generalExtra:
      `  web: false\n  access:\n    write_users: [${user}]\n    write_hosts: [${hostname()}]`,
  });
  try {
    const r = await allowed.ops([
      { op: "info", pv: `${P}a_control` },
      { op: "putStatus", pv: `${P}a_control`, value: 0 },
    ]);
    assert.deepEqual(r[0]!.value, { ftype: "enum", count: 1, read: true, write: true });
    assert.equal(r[1]!.error, undefined);
    await waitFor(
      "a STOPPED",
      async () => (await allowed.status()).find((i) => i.name === "a")!.state === "STOPPED",
    );
  } finally {
    await allowed.close();
  }
});

Deno.test("reload adds, removes and changes IOCs while an unchanged IOC keeps its pid", async () => {
  const keep = `keep:\n  autostart: true\n  command: ${iocScript("ioc.sh")} keep {dir}\n`;
  const ioc = await startIocsup(
    keep +
      `change:\n  autostart: true\n  command: ${iocScript("ioc.sh")} change {dir}\n` +
      `drop:\n  autostart: true\n  command: ${iocScript("ioc.sh")} drop {dir}\n`,
  );
  try {
    const before = Object.fromEntries((await ioc.status()).map((i) => [i.name, i.pid]));
    const text = await Deno.readTextFile(ioc.settings);
    const general = text.slice(0, text.indexOf("keep:"));
    await Deno.writeTextFile(
      ioc.settings,
      general + keep +
        `change:\n  autostart: true\n  command: ${
          iocScript("ioc.sh")
        } change {dir}\n  description: changed\n  stopwaitsecs: 5\n` +
        `added:\n  autostart: true\n  command: ${iocScript("ioc.sh")} added {dir}\n`,
    );
    const r = await runCli(["reload", "--json", ...ioc.opts]);
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout);
    assert.deepEqual(
      { added: result.added, changed: result.changed, removed: result.removed },
      { added: ["added"], changed: ["change"], removed: ["drop"] },
    );
    const after = Object.fromEntries((await ioc.status()).map((i) => [i.name, i]));
    assert.equal(after.keep!.pid, before.keep, "unchanged IOC keeps its pid");
    assert.equal(after.drop, undefined);
    await waitFor(
      "added RUNNING",
      async () => (await ioc.status()).find((i) => i.name === "added")?.state === "RUNNING",
    );
    await waitFor("PVs of the new set", async () => {
      const ops = await ioc.ops([
        { op: "get", pv: `${P}added_control` },
        { op: "get", pv: `${P}change_desc` },
        { op: "get", pv: `${P}drop_control` },
      ], 2);
      const value = (i: number) => (ops[i]!.value as { value?: unknown } | undefined)?.value;
      return value(0) === 1 && value(1) === "changed" && ops[2]!.error !== undefined;
    }, { timeoutMs: 20_000 });
    const bad = await Deno.readTextFile(ioc.settings);
    await Deno.writeTextFile(ioc.settings, bad + "broken:\n  autostart: maybe\n");
    const invalid = await runCli(["reload", ...ioc.opts]);
    assert.equal(invalid.code, 2);
    assert.match(invalid.stderr, /settings\.yaml:\d+:\d+: .*autostart/);
    await Deno.writeTextFile(ioc.settings, bad);
    assert.equal((await ioc.status()).find((i) => i.name === "keep")!.pid, before.keep);
  } finally {
    await ioc.close();
  }
});
