/**
 * Real libca clients (pyepics, one process per client) against CaServer: connecting many PVs,
 * reading every native type in several DBR forms, writing with and without completion, and
 * refused writes. CA is pinned to 127.0.0.1 on a per-test port.
 */
import assert from "node:assert/strict";
import { CaServer } from "../../mod/ca/mod.ts";
import { caLoopbackEnv } from "../helpers/ca_env.ts";
import { freeCaPort } from "../helpers/ports.ts";
import { runPyScript } from "../helpers/pyepics.ts";

/** One result of tests/helpers/py/ca_ops.py. */
interface OpResult {
  op: string;
  pv: string;
  value?: unknown;
  error?: string;
  status?: number;
  local?: boolean;
}

const ECA_NORMAL = 1;
const ECA_NOWTACCESS = 376;

async function startServer(): Promise<{ server: CaServer; port: number }> {
  const port = await freeCaPort();
  const server = await CaServer.start({ port, env: caLoopbackEnv(port) });
  return { server, port };
}

async function ops(port: number, list: Record<string, unknown>[]): Promise<OpResult[]> {
  const doc = await runPyScript<{ results: OpResult[] }>("ca_ops.py", {
    port,
    args: [JSON.stringify({ timeout: 10, ops: list })],
  });
  return doc.results;
}

function valueOf(result: OpResult | undefined): unknown {
  assert.ok(result, "missing result");
  assert.equal(result.error, undefined, `${result.op} ${result.pv}: ${result.error}`);
  return result.value;
}

Deno.test("CaServer serves 1,000 PVs to one libca client that connects and reads them all", async () => {
  const { server, port } = await startServer();
  try {
    for (let i = 0; i < 1000; i++) server.addPv({ name: `MANY:${i}`, type: "long", value: i * 3 });
    const doc = await runPyScript<
      { connected: number; missing: string[]; unread: number; values: number[] }
    >("ca_connect_get.py", { port, args: ["--prefix", "MANY:", "--count", "1000", "--values"] });
    assert.deepEqual(doc.missing, []);
    assert.equal(doc.connected, 1000);
    assert.equal(doc.unread, 0);
    assert.deepEqual(doc.values, Array.from({ length: 1000 }, (_, i) => i * 3));
  } finally {
    await server.close();
  }
});

/** PVs of every native type with the values and metadata a client must read back. */
const TYPED = [
  {
    def: {
      name: "T:DOUBLE",
      type: "double",
      value: 21.5,
      units: "degC",
      precision: 3,
      display: { low: -10, high: 100 },
      alarm: { lolo: -5, low: 0, high: 50, hihi: 80 },
      control: { low: -20, high: 120 },
    },
    ftype: "double",
    native: 21.5,
    dbrString: "21.500",
    asString: "21.500",
    ctrl: {
      units: "degC",
      precision: 3,
      upper_disp_limit: 100,
      lower_disp_limit: -10,
      upper_alarm_limit: 80,
      upper_warning_limit: 50,
      lower_warning_limit: 0,
      lower_alarm_limit: -5,
      upper_ctrl_limit: 120,
      lower_ctrl_limit: -20,
    },
  },
  {
    def: { name: "T:FLOAT", type: "float", value: 1.25, precision: 2, units: "V" },
    ftype: "float",
    native: 1.25,
    dbrString: "1.25",
    asString: "1.25",
    ctrl: { units: "V", precision: 2 },
  },
  {
    def: {
      name: "T:LONG",
      type: "long",
      value: 42,
      units: "cnt",
      display: { low: 0, high: 1000 },
    },
    ftype: "long",
    native: 42,
    dbrString: "42",
    asString: "42",
    ctrl: { units: "cnt", upper_disp_limit: 1000, lower_disp_limit: 0 },
  },
  {
    def: { name: "T:SHORT", type: "short", value: -7 },
    ftype: "short",
    native: -7,
    dbrString: "-7",
    asString: "-7",
    ctrl: {},
  },
  {
    def: { name: "T:CHAR", type: "char", value: 65 },
    ftype: "char",
    native: 65,
    dbrString: "65",
    // pyepics turns CHAR into text on the client side.
    asString: "A",
    ctrl: {},
  },
  {
    def: { name: "T:ENUM", type: "enum", value: 1, enumStrings: ["Stop", "Run", "Reset"] },
    ftype: "enum",
    native: 1,
    dbrString: "Run",
    asString: "Run",
    ctrl: { enum_strs: ["Stop", "Run", "Reset"] },
  },
  {
    def: { name: "T:STRING", type: "string", value: "hello world" },
    ftype: "string",
    native: "hello world",
    dbrString: "hello world",
    asString: "hello world",
    ctrl: undefined,
  },
  {
    def: {
      name: "T:WF",
      type: "double",
      count: 10,
      value: Array.from({ length: 10 }, (_, i) => i / 2),
    },
    ftype: "double",
    native: Array.from({ length: 10 }, (_, i) => i / 2),
    dbrString: undefined,
    asString: undefined,
    ctrl: {},
  },
  {
    def: { name: "T:LONGWF", type: "long", count: 5, value: [1, -2, 3, -4, 5] },
    ftype: "long",
    native: [1, -2, 3, -4, 5],
    dbrString: undefined,
    asString: undefined,
    ctrl: {},
  },
  {
    def: {
      name: "T:CHARWF",
      type: "char",
      count: 16,
      value: [...new TextEncoder().encode("hi there"), 0],
    },
    ftype: "char",
    native: [...new TextEncoder().encode("hi there"), 0],
    dbrString: undefined,
    asString: "hi there",
    ctrl: {},
  },
] as const;

Deno.test("CaServer gives libca every native type natively, as strings and with CTRL metadata", async () => {
  const { server, port } = await startServer();
  try {
    for (const pv of TYPED) server.addPv(pv.def as Parameters<CaServer["addPv"]>[0]);
    const list: Record<string, unknown>[] = [];
    for (const pv of TYPED) {
      const name = pv.def.name;
      list.push({ op: "info", pv: name }, { op: "get", pv: name }, {
        op: "get",
        pv: name,
        ftype: "time_" + pv.ftype,
      });
      if (pv.dbrString !== undefined) list.push({ op: "get", pv: name, ftype: "string" });
      if (pv.asString !== undefined) list.push({ op: "pvget", pv: name, asString: true });
      if (pv.ctrl !== undefined) list.push({ op: "ctrl", pv: name });
    }
    const results = await ops(port, list);
    const now = Date.now() / 1000;
    for (const pv of TYPED) {
      const name = pv.def.name;
      const mine = results.filter((r) => r.pv === name);
      const count = "count" in pv.def ? pv.def.count : 1;
      assert.deepEqual(valueOf(mine[0]), { ftype: pv.ftype, count, read: true, write: true }, name);
      const native = valueOf(mine[1]) as { value: unknown };
      if (pv.ftype === "float") {
        assert.ok(Math.abs((native.value as number) - pv.native) < 1e-6, `${name} ${native.value}`);
      } else if (Array.isArray(pv.native) && pv.native.length < count) {
        // Served as the current length or padded to the full count: both are valid CA.
        const got = native.value as number[];
        assert.deepEqual(got.slice(0, pv.native.length), pv.native, `${name} native`);
        assert.ok(got.slice(pv.native.length).every((x) => x === 0), `${name} padding ${got}`);
      } else {
        assert.deepEqual(native.value, pv.native, `${name} native`);
      }
      const timed = valueOf(mine[2]) as { value: unknown; severity: number; timestamp: number };
      assert.equal(timed.severity, 0, `${name} severity`);
      assert.ok(Math.abs(timed.timestamp - now) < 3600, `${name} timestamp ${timed.timestamp}`);
      let next = 3;
      if (pv.dbrString !== undefined) {
        const asDbr = valueOf(mine[next++]) as { value: unknown };
        assert.equal(asDbr.value, pv.dbrString, `${name} as DBR_STRING`);
      }
      if (pv.asString !== undefined) {
        assert.equal(valueOf(mine[next++]), pv.asString, `${name} as_string`);
      }
      if (pv.ctrl !== undefined) {
        const ctrl = valueOf(mine[next++]) as Record<string, unknown>;
        for (const [key, expected] of Object.entries(pv.ctrl)) {
          assert.deepEqual(ctrl[key], expected, `${name} ctrl ${key}`);
        }
      }
    }
  } finally {
    await server.close();
  }
});

Deno.test("CaServer applies libca puts with and without completion callbacks", async () => {
  const { server, port } = await startServer();
  try {
    const writes: { value: unknown; host: string; user: string }[] = [];
    server.addPv({
      name: "P:SP",
      type: "double",
      value: 0,
      access: "rw",
      onWrite: (value, ctx) => {
        writes.push({ value, host: ctx.host, user: ctx.user });
        return undefined;
      },
    });
    server.addPv({ name: "P:LONG", type: "long", value: 0, access: "rw" });
    server.addPv({
      name: "P:MODE",
      type: "enum",
      value: 0,
      enumStrings: ["Off", "On", "Auto"],
      access: "rw",
    });
    server.addPv({ name: "P:TEXT", type: "string", value: "", access: "rw" });
    const results = await ops(port, [
      { op: "put", pv: "P:SP", value: 3.25 },
      { op: "get", pv: "P:SP" },
      { op: "put", pv: "P:SP", value: 4.5, wait: true },
      { op: "get", pv: "P:SP" },
      { op: "putStatus", pv: "P:LONG", value: "17", ftype: "string" },
      { op: "get", pv: "P:LONG" },
      { op: "putStatus", pv: "P:MODE", value: "Auto", ftype: "string" },
      { op: "get", pv: "P:MODE" },
      { op: "put", pv: "P:MODE", value: 1, wait: true },
      { op: "get", pv: "P:MODE" },
      { op: "put", pv: "P:TEXT", value: "written by libca", wait: true },
      { op: "get", pv: "P:TEXT" },
    ]);
    assert.deepEqual(valueOf(results[1]), { value: 3.25 });
    assert.deepEqual(valueOf(results[3]), { value: 4.5 });
    assert.equal(results[4]?.status, ECA_NORMAL, JSON.stringify(results[4]));
    assert.deepEqual(valueOf(results[5]), { value: 17 });
    assert.equal(results[6]?.status, ECA_NORMAL, JSON.stringify(results[6]));
    assert.deepEqual(valueOf(results[7]), { value: 2 });
    assert.deepEqual(valueOf(results[9]), { value: 1 });
    assert.deepEqual(valueOf(results[11]), { value: "written by libca" });
    assert.deepEqual(writes.map((w) => w.value), [3.25, 4.5]);
    for (const write of writes) {
      assert.ok(write.host.length > 0 && write.user.length > 0, JSON.stringify(write));
    }
  } finally {
    await server.close();
  }
});

Deno.test("CaServer advertises read-only PVs so libca refuses the put with an access error", async () => {
  const { server, port } = await startServer();
  try {
    let written = false;
    server.addPv({
      name: "RO:VAL",
      type: "double",
      value: 5,
      access: "ro",
      onWrite: () => {
        written = true;
        return undefined;
      },
    });
    const results = await ops(port, [
      { op: "info", pv: "RO:VAL" },
      { op: "put", pv: "RO:VAL", value: 6 },
      { op: "put", pv: "RO:VAL", value: 6, wait: true },
      { op: "putStatus", pv: "RO:VAL", value: 6 },
      { op: "get", pv: "RO:VAL" },
    ]);
    assert.deepEqual(valueOf(results[0]), { ftype: "double", count: 1, read: true, write: false });
    assert.match(results[1]?.error ?? "", /Write access denied/);
    assert.match(results[2]?.error ?? "", /Write access denied/);
    assert.equal(results[3]?.status, ECA_NOWTACCESS);
    assert.deepEqual(valueOf(results[4]), { value: 5 });
    assert.equal(written, false);
  } finally {
    await server.close();
  }
});

Deno.test("CaServer rejects out-of-range enum puts and keeps the value", async () => {
  const { server, port } = await startServer();
  try {
    server.addPv({
      name: "E:MODE",
      type: "enum",
      value: 1,
      enumStrings: ["Stop", "Run", "Reset"],
      access: "rw",
    });
    const results = await ops(port, [
      { op: "putStatus", pv: "E:MODE", value: 7 },
      { op: "get", pv: "E:MODE" },
      { op: "putStatus", pv: "E:MODE", value: "Bogus", ftype: "string" },
      { op: "putStatus", pv: "E:MODE", value: "3", ftype: "string" },
      { op: "putStatus", pv: "E:MODE", value: 3, ftype: "double" },
      { op: "get", pv: "E:MODE" },
      { op: "pvget", pv: "E:MODE", asString: true },
    ]);
    for (const index of [0, 2, 3, 4]) {
      const result = results[index];
      assert.ok(
        result?.status !== undefined && result.status !== ECA_NORMAL,
        JSON.stringify(result),
      );
      assert.notEqual(result.local, true, "the server, not libca, must refuse");
    }
    assert.deepEqual(valueOf(results[1]), { value: 1 });
    assert.deepEqual(valueOf(results[5]), { value: 1 });
    assert.equal(valueOf(results[6]), "Run");
  } finally {
    await server.close();
  }
});

Deno.test("CaServer serves 20 libca clients reading and writing at once", async () => {
  const { server, port } = await startServer();
  try {
    server.addPv({ name: "C:SHARED", type: "double", value: 2.5, units: "A", precision: 1 });
    for (let k = 0; k < 20; k++) {
      server.addPv({ name: `C:OWN:${k}`, type: "long", value: -1, access: "rw" });
    }
    const clients = Array.from({ length: 20 }, (_, k) =>
      ops(port, [
        { op: "get", pv: "C:SHARED" },
        { op: "put", pv: `C:OWN:${k}`, value: k * 10, wait: true },
        { op: "get", pv: `C:OWN:${k}` },
        { op: "ctrl", pv: "C:SHARED" },
      ]));
    const all = await Promise.all(clients);
    all.forEach((results, k) => {
      assert.deepEqual(valueOf(results[0]), { value: 2.5 }, `client ${k}`);
      assert.deepEqual(valueOf(results[2]), { value: k * 10 }, `client ${k}`);
      assert.equal((valueOf(results[3]) as Record<string, unknown>).units, "A", `client ${k}`);
    });
  } finally {
    await server.close();
  }
});
