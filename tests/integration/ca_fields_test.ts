/**
 * Record fields over real libca (pyepics): `PV.SEVR`, `.STAT`, `.DESC`, `.EGU`, `.PREC`, `.HOPR`,
 * `.RTYP`, `.NAME`, `.ZRST`… read like an IOC's, with DBR_CTRL metadata; field channels are
 * read-only; a monitor on `.SEVR` follows the PV's alarm. CA is pinned to 127.0.0.1.
 */
import assert from "node:assert/strict";
import { CaServer } from "../../mod/ca/mod.ts";
import { caLoopbackEnv } from "../helpers/ca_env.ts";
import { freeCaPort } from "../helpers/ports.ts";
import { JsonLineProcess, runPyScript } from "../helpers/pyepics.ts";

interface OpResult {
  op: string;
  pv: string;
  value?: unknown;
  error?: string;
  status?: number;
  local?: boolean;
}

const ECA_NOWTACCESS = 376;

async function startServer(): Promise<{ server: CaServer; port: number }> {
  const port = await freeCaPort();
  const server = await CaServer.start({ port, env: caLoopbackEnv(port) });
  server.addPv({
    name: "F:TEMP",
    type: "double",
    value: 21.5,
    units: "degC",
    precision: 3,
    display: { low: -10, high: 100 },
    description: "Room temperature",
  });
  server.addPv({
    name: "F:MODE",
    type: "enum",
    value: 1,
    enumStrings: ["Off", "On"],
    access: "rw",
    className: "mbbo",
    description: "Mode switch",
  });
  return { server, port };
}

async function ops(port: number, list: Record<string, unknown>[]): Promise<OpResult[]> {
  const doc = await runPyScript<{ results: OpResult[] }>("ca_ops.py", {
    port,
    args: [JSON.stringify({ timeout: 10, ops: list })],
  });
  return doc.results;
}

function valueOf(result: OpResult | undefined): Record<string, unknown> {
  assert.ok(result, "missing result");
  assert.equal(result.error, undefined, `${result.op} ${result.pv}: ${result.error}`);
  return result.value as Record<string, unknown>;
}

Deno.test("CaServer fields read like an IOC record's over pyepics, with DBR_CTRL metadata", async () => {
  const { server, port } = await startServer();
  try {
    server.getPv("F:TEMP")!.post(21.5, { severity: 1, status: 4 });
    const get = (pv: string, extra: Record<string, unknown> = {}) => ({ op: "get", pv, ...extra });
    const results = await ops(port, [
      get("F:TEMP.SEVR"),
      get("F:TEMP.SEVR", { ftype: "time_string" }),
      get("F:TEMP.STAT", { ftype: "time_string" }),
      get("F:TEMP.DESC", { ftype: "time_string" }),
      get("F:TEMP.NAME"),
      get("F:TEMP.RTYP"),
      get("F:TEMP.EGU"),
      get("F:TEMP.PREC"),
      get("F:TEMP.HOPR"),
      get("F:TEMP.LOPR"),
      get("F:TEMP.VAL"),
      get("F:MODE.ZRST"),
      get("F:MODE.ONST"),
      get("F:MODE.RTYP"),
      { op: "info", pv: "F:TEMP.SEVR" },
      { op: "info", pv: "F:TEMP.DESC" },
      { op: "info", pv: "F:TEMP.PREC" },
      { op: "info", pv: "F:TEMP.HOPR" },
      { op: "ctrl", pv: "F:TEMP.SEVR" },
      { op: "ctrl", pv: "F:TEMP.STAT" },
      { op: "ctrl", pv: "F:TEMP.HOPR" },
      { op: "pvget", pv: "F:TEMP.STAT", form: "ctrl", asString: true },
    ]);
    const v = (i: number) => valueOf(results[i]).value;
    assert.equal(v(0), 1);
    assert.equal(v(1), "MINOR");
    assert.equal(v(2), "HIGH");
    assert.equal(v(3), "Room temperature");
    assert.equal(v(4), "F:TEMP");
    assert.equal(v(5), "ao");
    assert.equal(v(6), "degC");
    assert.equal(v(7), 3);
    assert.equal(v(8), 100);
    assert.equal(v(9), -10);
    assert.equal(v(10), 21.5);
    assert.equal(v(11), "Off");
    assert.equal(v(12), "On");
    assert.equal(v(13), "mbbo");
    // The field's own alarm is the record's, as in an IOC.
    assert.equal(valueOf(results[3]).severity, 1);

    assert.deepEqual(valueOf(results[14]), { ftype: "enum", count: 1, read: true, write: false });
    assert.deepEqual(valueOf(results[15]), { ftype: "string", count: 1, read: true, write: false });
    assert.deepEqual(valueOf(results[16]), { ftype: "short", count: 1, read: true, write: false });
    assert.deepEqual(valueOf(results[17]), { ftype: "double", count: 1, read: true, write: false });

    assert.deepEqual(valueOf(results[18]).enum_strs, ["NO_ALARM", "MINOR", "MAJOR", "INVALID"]);
    const stat = valueOf(results[19]).enum_strs as string[];
    assert.equal(stat.length, 16);
    assert.deepEqual(stat.slice(0, 5), ["NO_ALARM", "READ", "WRITE", "HIHI", "HIGH"]);
    const hopr = valueOf(results[20]);
    assert.equal(hopr.units, "degC");
    assert.equal(hopr.precision, 3);
    assert.equal(results[21]?.value, "HIGH");
  } finally {
    await server.close();
  }
});

Deno.test("CaServer field channels are read-only: libca refuses a put to .DESC", async () => {
  const { server, port } = await startServer();
  try {
    const [put, after] = await ops(port, [
      { op: "putStatus", pv: "F:MODE.DESC", value: "changed", ftype: "string" },
      { op: "get", pv: "F:MODE.DESC" },
    ]);
    assert.ok(put?.error, "the put must fail");
    assert.equal(put.status, ECA_NOWTACCESS);
    assert.equal(valueOf(after).value, "Mode switch");
    // The PV itself stays writable.
    const [ok, value] = await ops(port, [
      { op: "put", pv: "F:MODE", value: 0, wait: true },
      { op: "get", pv: "F:MODE" },
    ]);
    assert.equal(ok?.error, undefined);
    assert.equal(valueOf(value).value, 0);
  } finally {
    await server.close();
  }
});

Deno.test("CaServer posts a .SEVR monitor update with every alarm change of the PV", async () => {
  const { server, port } = await startServer();
  const client = JsonLineProcess.python("ca_monitor.py", { port, args: ["F:TEMP.SEVR"] });
  try {
    const pv = server.getPv("F:TEMP")!;
    await client.waitForLine("the monitor to be ready", (l) => l.e === "ready");
    pv.post(90, { severity: 2, status: 3 });
    await client.waitForLine("SEVR MAJOR", (l) => l.e === "value" && l.v === 2);
    pv.post(91); // a value change without an alarm change posts nothing on .SEVR
    pv.post(20, { severity: 0, status: 0 });
    await client.waitForLine("SEVR NO_ALARM", (l) => l.e === "value" && l.v === 0 && l.sev === 0);
    const { status, lines } = await client.stop();
    assert.equal(status.code, 0, client.stderr);
    const values = lines.filter((l) => l.e === "value").map((l) => l.v);
    assert.deepEqual(values, [0, 2, 0]);
  } finally {
    await client.stop();
    await server.close();
  }
});
