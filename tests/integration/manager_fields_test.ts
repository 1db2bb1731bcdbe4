/**
 * The manager's PVs answer record fields as the Python tool's records did: `.RTYP` names the
 * record type (mbbo/mbbi/longin/stringin), `.DESC` the IOC's description (followed on reload) or a
 * fixed text for the manager's own PVs, `.ZRST`… the enum states, `.SEVR` the alarm. Real
 * supervisord and iocsup, pyepics clients on loopback.
 */
import assert from "node:assert/strict";
import { runCli } from "../helpers/cli.ts";
import { iocScript } from "../helpers/settings.ts";
import { waitFor } from "../helpers/wait.ts";
import { type OpResult, startIocsup } from "./manager_helpers.ts";

const P = "TEST:MAN:";

function text(result: OpResult | undefined): unknown {
  assert.ok(result, "missing result");
  assert.equal(result.error, undefined, `${result.pv}: ${result.error}`);
  return (result.value as { value: unknown }).value;
}

Deno.test("manager PVs serve .RTYP, .DESC, enum state and alarm fields; .DESC follows reload", async () => {
  const ioc = await startIocsup(
    `gauge:\n  autostart: true\n  description: Pfeiffer gauge\n` +
      `  command: ${iocScript("ioc.sh")} gauge {dir}\n`,
  );
  try {
    await waitFor(
      "gauge RUNNING",
      async () => (await ioc.status()).find((i) => i.name === "gauge")?.state === "RUNNING",
      { timeoutMs: 20_000 },
    );
    const get = (pv: string) => ({ op: "get", pv, ftype: "time_string" });
    const r = await ioc.ops([
      get(`${P}gauge_control.RTYP`),
      get(`${P}gauge_control.DESC`),
      get(`${P}gauge_status.RTYP`),
      get(`${P}gauge_hb.RTYP`),
      get(`${P}gauge_desc.RTYP`),
      get(`${P}all.RTYP`),
      get(`${P}heartbeat.DESC`),
      get(`${P}all.ZRST`),
      get(`${P}all.ONST`),
      get(`${P}all.TWST`),
      get(`${P}gauge_status.TWST`),
      get(`${P}gauge_status.SEVR`),
      { op: "info", pv: `${P}gauge_control.DESC` },
    ]);
    assert.deepEqual(r.slice(0, 12).map(text), [
      "mbbo",
      "Pfeiffer gauge",
      "mbbi",
      "longin",
      "stringin",
      "mbbo",
      "iocsup manager heartbeat",
      "Stop",
      "Run",
      "Reset",
      "RUNNING",
      "NO_ALARM",
    ]);
    assert.equal((r[12]!.value as { write: boolean }).write, false);

    const settings = await Deno.readTextFile(ioc.settings);
    await Deno.writeTextFile(
      ioc.settings,
      settings.replace("description: Pfeiffer gauge", "description: Gauge in hall B"),
    );
    const reload = await runCli(["reload", ...ioc.opts]);
    assert.equal(reload.code, 0, reload.stderr);
    await waitFor("the new description in .DESC", async () => {
      const [desc] = await ioc.ops([get(`${P}gauge_hb.DESC`)], 2);
      return text(desc) === "Gauge in hall B";
    }, { timeoutMs: 20_000 });
  } finally {
    await ioc.close();
  }
});
