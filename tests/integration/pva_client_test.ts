/**
 * PvaClient against a real pvxs softIocPVX (QSRV2) on loopback: get of every record type, puts
 * (enum by string and by index, refused), monitors, reconnection after an IOC restart; the
 * `iocsup get/put/monitor pva://…` CLI; and heartbeats read over PVA. Skipped when softIocPVX
 * is not on PATH (the unit tests replay captured softIocPVX traffic instead).
 */
import assert from "node:assert/strict";
import { PvaClient, type PvaValue } from "../../mod/pva/client/mod.ts";
import { CaHeartbeats } from "../../mod/manager/heartbeat.ts";
import { runCli, spawnCli, TextCollector } from "../helpers/cli.ts";
import { freeCaPort } from "../helpers/ports.ts";
import { SoftIocPvx, softIocPvxPath } from "../helpers/softiocpvx.ts";
import { waitFor } from "../helpers/wait.ts";

const HAVE_PVX = softIocPvxPath() !== undefined;
const SKIP = HAVE_PVX ? "" : " (skipped: softIocPVX not on PATH)";

const DB = `
record(mbbo, "T:CTRL") {
  field(ZRST, "Stop") field(ONST, "Run") field(TWST, "Reset") field(TWSV, "MINOR")
  field(VAL, "1") field(PINI, "YES")
}
record(longin, "T:HB") { field(VAL, "5") field(EGU, "s") field(HOPR, "999") field(PINI, "YES") }
record(stringin, "T:STR") { field(VAL, "hello world") field(PINI, "YES") }
record(ai, "T:AI") {
  field(VAL, "1.23") field(PREC, "2") field(EGU, "mbar") field(HOPR, "10") field(LOPR, "-10")
  field(HIGH, "5") field(HSV, "MINOR") field(PINI, "YES")
}
record(waveform, "T:WF") {
  field(FTVL, "DOUBLE") field(NELM, "8") field(INP, "[1.5, 2.5, 3.5]") field(PINI, "YES")
}
record(calc, "T:CNT") { field(SCAN, ".1 second") field(CALC, "A+1") field(INPA, "T:CNT NPP") }
record(longout, "T:RO") { field(VAL, "5") field(ASG, "READONLY") field(PINI, "YES") }
`;
const ACF = `ASG(DEFAULT) { RULE(1, READ) RULE(1, WRITE) }
ASG(READONLY) { RULE(1, READ) }
`;

async function withIoc(fn: (ioc: SoftIocPvx, client: PvaClient) => Promise<void>): Promise<void> {
  const ioc = await SoftIocPvx.start(DB, ACF);
  const client = new PvaClient({ env: ioc.clientEnv });
  try {
    await fn(ioc, client);
  } finally {
    await client.close();
    await ioc.stop();
  }
}

Deno.test("PvaClient.get() rejects when no server answers, and close() rejects what is pending", async () => {
  // A search port nobody listens on: runs without softIocPVX.
  const env = { EPICS_PVA_ADDR_LIST: "127.0.0.1", EPICS_PVA_AUTO_ADDR_LIST: "NO" };
  const client = new PvaClient({
    env: { ...env, EPICS_PVA_BROADCAST_PORT: String(await freeCaPort()) },
  });
  try {
    await assert.rejects(
      client.get("NOBODY:HOME", { timeoutMs: 300 }),
      /Cannot get "NOBODY:HOME": no server answered the search within 300 ms/,
    );
    const pending = assert.rejects(
      client.put("NOBODY:HOME", 1, { timeoutMs: 60_000 }),
      /Cannot put "NOBODY:HOME": client is closed/,
    );
    const monitor = client.monitor("NOBODY:HOME", () => {});
    await client.close();
    await pending;
    monitor.cancel();
    await assert.rejects(client.get("NOBODY:HOME"), /client is closed/);
  } finally {
    await client.close();
  }
});

Deno.test({
  name: `PvaClient.get() reads every record type from softIocPVX${SKIP}`,
  ignore: !HAVE_PVX,
  fn: () =>
    withIoc(async (_ioc, client) => {
      const ctrl = await client.get("T:CTRL");
      assert.equal(ctrl.id, "epics:nt/NTEnum:1.0");
      assert.deepEqual(ctrl.value, { index: 1, choices: ["Stop", "Run", "Reset"] });
      const hb = await client.get("T:HB");
      assert.equal(hb.value, 5);
      assert.equal(hb.display?.units, "s");
      assert.equal(hb.display?.limitHigh, 999);
      assert.ok(Math.abs(hb.timestamp - Date.now()) < 600_000, "POSIX time stamp");
      assert.equal((await client.get("T:STR")).value, "hello world");
      const ai = await client.get("T:AI");
      assert.equal(ai.value, 1.23);
      assert.deepEqual([ai.display?.precision, ai.display?.units], [2, "mbar"]);
      assert.deepEqual((await client.get("T:WF")).value, [1.5, 2.5, 3.5]);
      assert.equal((await client.get("T:AI.EGU")).value, "mbar");
      // A field selection: the server sends only the value (alarm and time stay zero).
      const only = await client.get("T:AI", { request: "field(value)" });
      assert.deepEqual([only.value, only.timestamp], [1.23, 0]);
    }),
});

Deno.test({
  name: `PvaClient.get() rejects a missing PV and a selection of no field${SKIP}`,
  ignore: !HAVE_PVX,
  fn: () =>
    withIoc(async (_ioc, client) => {
      await assert.rejects(
        client.get("T:NOSUCH", { timeoutMs: 700 }),
        /Cannot get "T:NOSUCH": no server answered the search within 700 ms/,
      );
      await assert.rejects(client.get("T:AI", { request: "field(nosuch)" }), /Cannot get "T:AI"/);
    }),
});

Deno.test({
  name: `PvaClient.put() writes values, enums by string and index, and reports refusals${SKIP}`,
  ignore: !HAVE_PVX,
  fn: () =>
    withIoc(async (_ioc, client) => {
      await client.put("T:CTRL", "Reset");
      const reset = await client.get("T:CTRL");
      assert.deepEqual(reset.value, { index: 2, choices: ["Stop", "Run", "Reset"] });
      assert.deepEqual([reset.severity, reset.message], [1, "STATE"]);
      await client.put("T:CTRL", 0);
      assert.equal(((await client.get("T:CTRL")).value as { index: number }).index, 0);
      await client.put("T:CTRL", "1");
      assert.equal(((await client.get("T:CTRL")).value as { index: number }).index, 1);
      await assert.rejects(client.put("T:CTRL", "Explode"), /expected one of/);

      await client.put("T:AI", 6);
      const high = await client.get("T:AI");
      assert.deepEqual([high.value, high.severity, high.message], [6, 1, "HIGH"]);
      await client.put("T:HB", "42");
      assert.equal((await client.get("T:HB")).value, 42);
      await client.put("T:STR", "bye now");
      assert.equal((await client.get("T:STR")).value, "bye now");
      await client.put("T:WF", [1, 2, 3, 4]);
      assert.deepEqual((await client.get("T:WF")).value, [1, 2, 3, 4]);

      await assert.rejects(client.put("T:RO", 7), /Cannot put "T:RO": Put not permitted/);
      assert.equal((await client.get("T:RO")).value, 5);
    }),
});

Deno.test({
  name: `PvaClient.monitor() delivers every update of a counter in order${SKIP}`,
  ignore: !HAVE_PVX,
  fn: () =>
    withIoc(async (_ioc, client) => {
      for (const pipeline of [false, true]) {
        const seen: PvaValue[] = [];
        const m = client.monitor("T:CNT", (v) => seen.push(v), { pipeline });
        try {
          // 25 updates of a 10 Hz counter: more than six windows of a pipelined monitor.
          await waitFor("25 updates", () => seen.length >= 25);
        } finally {
          m.cancel();
        }
        for (let i = 1; i < seen.length; i++) {
          assert.equal(seen[i]!.value, (seen[i - 1]!.value as number) + 1, `pipeline ${pipeline}`);
          assert.ok(seen[i]!.timestamp > seen[i - 1]!.timestamp);
        }
        // Later updates carry value and time only; the display of the first stays merged in.
        assert.deepEqual(seen.at(-1)!.display, seen[0]!.display);
      }
    }),
});

Deno.test({
  name: `PvaClient keeps its connection through many keepalive ECHOs${SKIP}`,
  ignore: !HAVE_PVX,
  fn: async () => {
    const ioc = await SoftIocPvx.start(DB, ACF);
    // An ECHO every 50 ms: pvxs drops a connection at once if one is malformed (§1.2).
    const client = new PvaClient({ env: ioc.clientEnv, echoPeriodMs: 50 });
    const states: boolean[] = [];
    const counts: unknown[] = [];
    const hb = client.monitor("T:HB", () => {}, { onConnection: (up) => states.push(up) });
    const cnt = client.monitor("T:CNT", (v) => counts.push(v.value));
    try {
      // 15 updates of the 10 Hz counter on the same connection: some 30 ECHOs.
      await waitFor("15 counter updates", () => counts.length >= 15);
      assert.deepEqual(states, [true]);
    } finally {
      hb.cancel();
      cnt.cancel();
      await client.close();
      await ioc.stop();
    }
  },
});

Deno.test({
  name: `PvaClient reconnects monitors and gets after softIocPVX restarts${SKIP}`,
  ignore: !HAVE_PVX,
  fn: () =>
    withIoc(async (ioc, client) => {
      const values: unknown[] = [];
      const states: boolean[] = [];
      const m = client.monitor("T:HB", (v) => values.push(v.value), {
        onConnection: (up) => states.push(up),
      });
      try {
        await waitFor("the first value", () => values.length === 1);
        await client.put("T:HB", 6);
        await waitFor("the put's update", () => values.at(-1) === 6);
        await ioc.kill();
        await waitFor("the disconnection", () => states.at(-1) === false);
        await ioc.restart();
        await waitFor("the reconnection", () => states.at(-1) === true, { timeoutMs: 20_000 });
        // The restarted IOC starts again from its database value.
        await waitFor("the value after the restart", () => values.at(-1) === 5);
        assert.deepEqual(states, [true, false, true]);
        assert.deepEqual(values, [5, 6, 5]);
        assert.equal((await client.get("T:HB")).value, 5);
      } finally {
        m.cancel();
      }
    }),
});

Deno.test({
  name: `iocsup get/put/monitor accept pva:// names and print NAME VALUE${SKIP}`,
  ignore: !HAVE_PVX,
  fn: async () => {
    const ioc = await SoftIocPvx.start(DB, ACF);
    try {
      const env = ioc.clientEnv;
      const get = await runCli(["get", "pva://T:CTRL", "pva://T:HB", "pva://T:WF"], { env });
      assert.equal(get.stderr, "");
      assert.equal(get.code, 0);
      assert.equal(get.stdout, "pva://T:CTRL Run\npva://T:HB   5\npva://T:WF   3 1.5 2.5 3.5\n");

      const numeric = await runCli(["get", "-n", "pva://T:CTRL"], { env });
      assert.equal(numeric.stdout, "pva://T:CTRL 1\n");

      const put = await runCli(["put", "pva://T:HB", "3"], { env });
      assert.equal(put.stderr, "");
      assert.equal(put.code, 0);
      assert.equal(put.stdout, "Old : pva://T:HB 5\nNew : pva://T:HB 3\n");
      const putEnum = await runCli(["put", "pva://T:CTRL", "Reset"], { env });
      assert.equal(putEnum.stdout, "Old : pva://T:CTRL Run\nNew : pva://T:CTRL Reset\n");

      const refused = await runCli(["put", "pva://T:RO", "7"], { env });
      assert.equal(refused.code, 1);
      assert.equal(refused.stdout, "");
      assert.match(refused.stderr, /Cannot put "T:RO": Put not permitted/);

      const json = await runCli(["get", "--json", "pva://T:AI"], { env });
      const doc = JSON.parse(json.stdout);
      assert.equal(doc.pvs[0].name, "pva://T:AI");
      assert.equal(doc.pvs[0].value, 1.23);

      const monitor = spawnCli(["monitor", "pva://T:CTRL"], { env });
      const stdout = new TextCollector(monitor.stdout);
      const stderr = new TextCollector(monitor.stderr);
      try {
        await waitFor("the first line", () => stdout.text.includes("\n"));
        await runCli(["put", "pva://T:CTRL", "Stop"], { env });
        await waitFor("the second line", () => stdout.text.split("\n").length > 2);
      } finally {
        monitor.kill("SIGTERM");
      }
      const status = await monitor.status;
      await Promise.all([stdout.done, stderr.done]);
      assert.equal(status.code, 0, stderr.text);
      const lines = stdout.text.trimEnd().split("\n");
      assert.equal(lines.length, 2, stdout.text);
      assert.match(lines[0]!, /^pva:\/\/T:CTRL \d{4}-\d\d-\d\d [\d:.]+ Reset MINOR STATE$/);
      assert.match(lines[1]!, /^pva:\/\/T:CTRL \S+ \S+ Stop$/);
    } finally {
      await ioc.stop();
    }
  },
});

Deno.test({
  name: `CaHeartbeats watches pva:// heartbeat PVs through PvaClient${SKIP}`,
  ignore: !HAVE_PVX,
  fn: async () => {
    const ioc = await SoftIocPvx.start(DB, ACF);
    let clock = 1000;
    const heartbeats = new CaHeartbeats({
      // CA finds nothing here: the PVA name must not go to the CA client.
      env: { ...ioc.clientEnv, EPICS_CA_ADDR_LIST: `127.0.0.1:${await freeCaPort()}` },
      now: () => clock,
    });
    try {
      heartbeats.watch("pva://T:CNT");
      assert.deepEqual(heartbeats.view("pva://T:CNT"), {
        connected: false,
        lastChangeMs: undefined,
      });
      await waitFor("the first value", () => heartbeats.view("pva://T:CNT").lastChangeMs === 1000);
      assert.equal(heartbeats.view("pva://T:CNT").connected, true);
      clock = 5000;
      await waitFor("a change", () => heartbeats.view("pva://T:CNT").lastChangeMs === 5000);

      await ioc.kill();
      await waitFor("the disconnection", () => !heartbeats.view("pva://T:CNT").connected);
      assert.equal(heartbeats.view("pva://T:CNT").lastChangeMs, 5000);
      clock = 9000;
      await ioc.restart();
      await waitFor(
        "the reconnection",
        () => heartbeats.view("pva://T:CNT").lastChangeMs === 9000,
        {
          timeoutMs: 20_000,
        },
      );
      heartbeats.unwatch("pva://T:CNT");
      assert.deepEqual(heartbeats.view("pva://T:CNT"), {
        connected: false,
        lastChangeMs: undefined,
      });
    } finally {
      await heartbeats.close();
      await ioc.stop();
    }
  },
});
