/**
 * The manager's PVs over pvAccess, with real supervisord, a real manager and real clients: our
 * PvaClient and CaClient (and, in manager_pva_tools_test.ts, the pvxs tools). One PV model serves
 * both protocols, so a CA and a PVA monitor of the same PV see the same values; a PVA put to
 * `_control` is answered when the action is done; `general.access` applies to PVA puts;
 * `general.pva: false` / `general.ca: false` turn one protocol off.
 *
 * @module
 */
import assert from "node:assert/strict";
import { CaClient } from "../../mod/ca/mod.ts";
import { isEnumValue, PvaClient, type PvaValue } from "../../mod/pva/client/mod.ts";
import { runCli } from "../helpers/cli.ts";
import { freeCaPort } from "../helpers/ports.ts";
import { iocScript, type TempProject } from "../helpers/settings.ts";
import { waitFor } from "../helpers/wait.ts";
import { type RunningIocsup, startIocsup } from "./manager_helpers.ts";

const IOCS = `a:
  autostart: true
  command: ${iocScript("ioc.sh")} a {dir}
  description: IOC a
`;
const P = "TEST:MAN:";

/** A PVA client that searches only the manager of `project` (loopback, its UDP port). */
function pvaClient(project: TempProject): PvaClient {
  return new PvaClient({
    addrList: `127.0.0.1:${project.pvaUdpPort}`,
    autoAddrList: false,
    env: {},
  });
}

/** A CA client that searches only the manager of `project`. */
function caClient(project: TempProject): CaClient {
  return new CaClient({ addrList: `127.0.0.1:${project.caPort}`, autoAddrList: false, env: {} });
}

/** An NTEnum's choice string. */
function choice(v: PvaValue): string {
  assert.ok(isEnumValue(v.value), `not an enum: ${JSON.stringify(v.value)}`);
  return v.value.choices[v.value.index] ?? String(v.value.index);
}

/** Consecutive duplicates removed: monitors post a new value, never the same one twice. */
function changes(values: string[]): string[] {
  return values.filter((v, i) => i === 0 || values[i - 1] !== v);
}

async function stateOf(ioc: RunningIocsup, name: string): Promise<string | undefined> {
  return (await ioc.status()).find((i) => i.name === name)?.state;
}

Deno.test("PVA: _control is an NTEnum Stop/Run/Reset, a put completes when the action is done, CA and PVA monitors agree", async () => {
  const ioc = await startIocsup(IOCS);
  const pva = pvaClient(ioc);
  const ca = caClient(ioc);
  const caSeen: string[] = [];
  const pvaSeen: string[] = [];
  const monitors: { cancel(): void }[] = [];
  try {
    const control = await pva.get(`${P}a_control`);
    assert.equal(control.id, "epics:nt/NTEnum:1.0");
    assert.deepEqual(control.value, { index: 1, choices: ["Stop", "Run", "Reset"] });
    assert.equal(control.display?.description, "IOC a");

    monitors.push(
      ca.monitor(`${P}a_status`, (v) => caSeen.push(String(v.value)), { enumAsString: true }),
      pva.monitor(`${P}a_status`, (v) => pvaSeen.push(choice(v))),
    );
    await waitFor("first monitor updates", () => caSeen.length > 0 && pvaSeen.length > 0);
    assert.equal(caSeen[0], "RUNNING");
    assert.equal(pvaSeen[0], "RUNNING");

    // The put is answered only once supervisord reports the IOC stopped.
    await pva.put(`${P}a_control`, "Stop", { timeoutMs: 30_000 });
    assert.equal(await stateOf(ioc, "a"), "STOPPED");
    assert.equal(choice(await pva.get(`${P}a_control`)), "Stop");
    await pva.put(`${P}a_control`, 1, { timeoutMs: 30_000 });
    assert.equal(await stateOf(ioc, "a"), "RUNNING");

    const settled = (seen: string[]) => {
      const c = changes(seen);
      return c.length >= 3 && c.at(-1) === "RUNNING" && c.includes("STOPPED");
    };
    await waitFor("both monitors see RUNNING again", () => settled(caSeen) && settled(pvaSeen));
    assert.deepEqual(changes(pvaSeen), changes(caSeen));
    assert.equal(changes(pvaSeen)[0], "RUNNING");
    assert.ok(changes(pvaSeen).includes("STOPPED"), pvaSeen.join(" "));
  } finally {
    for (const m of monitors) m.cancel();
    await pva.close();
    await ca.close();
    await ioc.close();
  }
});

Deno.test("PVA: record fields of manager PVs (.SEVR as NTEnum, .RTYP, .DESC, .EGU, .ZRST) are read-only channels", async () => {
  const ioc = await startIocsup(IOCS);
  const pva = pvaClient(ioc);
  try {
    const sevr = await pva.get(`${P}a_status.SEVR`);
    assert.equal(sevr.id, "epics:nt/NTEnum:1.0");
    assert.deepEqual(sevr.value, { index: 0, choices: ["NO_ALARM", "MINOR", "MAJOR", "INVALID"] });
    const text = async (name: string) => {
      const v = await pva.get(name);
      assert.equal(v.id, "epics:nt/NTScalar:1.0", name);
      return v.value;
    };
    assert.equal(await text(`${P}a_control.RTYP`), "mbbo");
    assert.equal(await text(`${P}a_status.RTYP`), "mbbi");
    assert.equal(await text(`${P}a_control.DESC`), "IOC a");
    assert.equal(await text(`${P}a_control.ZRST`), "Stop");
    assert.equal(await text(`${P}a_hb.EGU`), "s");
    assert.equal(choice(await pva.get(`${P}a_control.VAL`)), "Run");
    await assert.rejects(pva.put(`${P}a_control.ZRST`, "Halt"), /Cannot put .*ZRST/);
    await assert.rejects(pva.get(`${P}a_control.NOPE`, { timeoutMs: 1500 }));

    // Stop is a MINOR alarm of _control: its .SEVR monitor follows.
    const sevrSeen: string[] = [];
    const m = pva.monitor(`${P}a_control.SEVR`, (v) => sevrSeen.push(choice(v)));
    try {
      await waitFor("first .SEVR update", () => sevrSeen.length > 0);
      await pva.put(`${P}a_control`, "Stop", { timeoutMs: 30_000 });
      await waitFor("a .SEVR update after the stop", () => changes(sevrSeen).length > 1);
      assert.equal(changes(sevrSeen)[0], "NO_ALARM");
      assert.deepEqual(changes(sevrSeen), ["NO_ALARM", "MINOR"]);
    } finally {
      m.cancel();
    }
  } finally {
    await pva.close();
    await ioc.close();
  }
});

Deno.test("PVA: general.access refuses a put from a user not in write_users", async () => {
  const ioc = await startIocsup(IOCS, {
    generalExtra: "  web: false\n  access: { write_users: [iocsup-nobody] }",
  });
  const pva = pvaClient(ioc);
  try {
    await assert.rejects(pva.put(`${P}a_control`, "Stop"), /Put not permitted/);
    assert.equal(await stateOf(ioc, "a"), "RUNNING");
    assert.equal(choice(await pva.get(`${P}a_control`)), "Run");
  } finally {
    await pva.close();
    await ioc.close();
  }
});

Deno.test("general.pva: false serves CA only, general.ca: false PVA only (and control writes over PVA)", async () => {
  for (const off of ["pva", "ca"] as const) {
    const ioc = await startIocsup(IOCS, { generalExtra: `  web: false\n  ${off}: false` });
    const pva = pvaClient(ioc);
    const ca = caClient(ioc);
    try {
      const overCa = ca.get(`${P}a_desc`, { timeoutMs: 3000 }).then((v) => v.value);
      const overPva = pva.get(`${P}a_desc`, { timeoutMs: 3000 }).then((v) => v.value);
      if (off === "pva") {
        assert.equal(await overCa, "IOC a");
        await assert.rejects(overPva);
      } else {
        assert.equal(await overPva, "IOC a");
        await assert.rejects(overCa);
        // `iocsup control` then writes over PVA, answered once the IOC is stopped.
        const stop = await runCli(["control", "a", "stop", ...ioc.opts]);
        assert.equal(stop.code, 0, stop.stdout + stop.stderr);
        assert.equal(stop.stdout, "a: Stop done\n");
        assert.equal(await stateOf(ioc, "a"), "STOPPED");
      }
      const pvs = JSON.parse((await runCli(["pvs", "--json", ...ioc.opts])).stdout);
      assert.deepEqual(pvs.protocols, off === "pva" ? ["CA"] : ["PVA"]);
    } finally {
      await pva.close();
      await ca.close();
      await ioc.close();
    }
  }
});

Deno.test("reload restarts the manager to apply a new general.pva.udp_port", async () => {
  const ioc = await startIocsup(IOCS);
  let pva = pvaClient(ioc);
  try {
    assert.equal((await pva.get(`${P}a_desc`)).value, "IOC a");
    await pva.close();
    const newPort = await freeCaPort();
    const text = await Deno.readTextFile(ioc.settings);
    assert.ok(text.includes(`udp_port: ${ioc.pvaUdpPort}`));
    await Deno.writeTextFile(
      ioc.settings,
      text.replace(`udp_port: ${ioc.pvaUdpPort}`, `udp_port: ${newPort}`),
    );
    const r = await runCli(["reload", "--json", ...ioc.opts]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).manager, {
      action: "restarted",
      reasons: ["general.pva.udp_port"],
    });
    pva = pvaClient({ ...ioc, pvaUdpPort: newPort });
    const moved = await waitFor("the manager searchable on the new UDP port", async () => {
      try {
        return (await pva.get(`${P}a_desc`, { timeoutMs: 2000 })).value;
      } catch {
        return undefined;
      }
    }, { timeoutMs: 20_000 });
    assert.equal(moved, "IOC a");
  } finally {
    await pva.close();
    await ioc.close();
  }
});
