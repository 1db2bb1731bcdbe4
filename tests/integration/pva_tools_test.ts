/**
 * PvaServer against the real EPICS tools: pvxs (pvxget, pvxput, pvxinfo, pvxmonitor,
 * softIocPVX) and pvAccessCPP (pvget, pvput, pvmonitor), on loopback with private ports. Our PVs
 * must look exactly like the equivalent records served by softIocPVX (QSRV2), puts must behave
 * as the brief says (enum by index and by string, refusals shown by the tools), monitors must
 * deliver updates, and a softIocPVX sharing our UDP port must stay findable by unicast searches.
 *
 * Skipped, with the reason in the test name, when the tools are not on PATH (CI).
 *
 * @module
 */

import assert from "node:assert/strict";
import { freeCaPort, freeTcpPort } from "../helpers/ports.ts";
import { waitFor } from "../helpers/wait.ts";
import { PvaServer } from "../../mod/pva/mod.ts";
import type { PvOptions } from "../../mod/pv/mod.ts";

const PVXS_TOOLS = ["stdbuf", "pvxget", "pvxput", "pvxinfo", "pvxmonitor", "pvxlist", "softIocPVX"];
const CPP_TOOLS = ["pvget", "pvput", "pvmonitor", "pvlist"];

function onPath(tool: string): boolean {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      if (Deno.statSync(`${dir}/${tool}`).isFile) return true;
    } catch {
      // not here
    }
  }
  return false;
}

const missing = [...PVXS_TOOLS, ...CPP_TOOLS].filter((t) => !onPath(t));
const SKIP = missing.length > 0;
const suffix = SKIP ? ` (skipped: ${missing.join(", ")} not on PATH)` : "";

/** The records of the comparison IOC. */
const DB = `
record(ai, "T:AI") {
    field(VAL, "1.23")
    field(PREC, "2")
    field(EGU, "mbar")
    field(DESC, "an ai")
    field(HOPR, "10")
    field(LOPR, "-10")
    field(HIHI, "8")
    field(HHSV, "MAJOR")
    field(HIGH, "5")
    field(HSV, "MINOR")
    field(LOW, "-5")
    field(LSV, "MINOR")
    field(LOLO, "-8")
    field(LLSV, "MAJOR")
    field(PINI, "YES")
}
record(ai, "T:AI0") {
    field(VAL, "0.5")
    field(PINI, "YES")
}
record(longin, "T:HB") {
    field(VAL, "5")
    field(EGU, "s")
    field(HOPR, "999")
    field(LOPR, "0")
    field(PINI, "YES")
}
record(stringin, "T:STR") {
    field(VAL, "hello world")
    field(PINI, "YES")
}
record(mbbo, "T:CTRL") {
    field(ZRVL, "0")
    field(ZRST, "Stop")
    field(ONVL, "1")
    field(ONST, "Run")
    field(TWVL, "2")
    field(TWST, "Reset")
    field(VAL, "1")
    field(PINI, "YES")
}
record(waveform, "T:WF") {
    field(FTVL, "DOUBLE")
    field(NELM, "8")
    field(INP, "[1.5, 2.5, 3.5]")
    field(PINI, "YES")
}
`;

/** The same PVs for our server. */
const PVS: PvOptions[] = [
  {
    name: "T:AI",
    type: "double",
    value: 1.23,
    precision: 2,
    units: "mbar",
    description: "an ai",
    display: { low: -10, high: 10 },
    alarm: { lolo: -8, low: -5, high: 5, hihi: 8 },
  },
  { name: "T:AI0", type: "double", value: 0.5 },
  { name: "T:HB", type: "long", value: 5, units: "s", display: { low: 0, high: 999 } },
  { name: "T:STR", type: "string", value: "hello world" },
  { name: "T:CTRL", type: "enum", value: 1, enumStrings: ["Stop", "Run", "Reset"] },
  { name: "T:WF", type: "double", count: 8, value: [1.5, 2.5, 3.5] },
];
const NAMES = PVS.map((p) => p.name);

interface Ports {
  tcp: number;
  udp: number;
}

async function freePorts(): Promise<Ports> {
  return { tcp: freeTcpPort(), udp: await freeCaPort() };
}

/** Client environment: loopback only, private ports. */
function clientEnv(p: Ports): Record<string, string> {
  return {
    EPICS_PVA_AUTO_ADDR_LIST: "NO",
    EPICS_PVA_ADDR_LIST: "127.0.0.1",
    EPICS_PVA_SERVER_PORT: String(p.tcp),
    EPICS_PVA_BROADCAST_PORT: String(p.udp),
  };
}

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(tool: string, args: string[], p: Ports): Promise<Result> {
  const out = await new Deno.Command(tool, {
    args,
    env: clientEnv(p),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(20_000),
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

async function startOurs(p: Ports, extra: PvOptions[] = []): Promise<PvaServer> {
  const server = await PvaServer.start({
    tcpPort: p.tcp,
    udpPort: p.udp,
    autoBeacons: false,
    beaconAddrs: ["127.0.0.1"],
    env: {},
  });
  for (const o of [...PVS, ...extra]) server.addPv(o);
  return server;
}

/** A softIocPVX serving `db`, with its CA side pinned to loopback on a private port. */
class Ioc {
  #child: Deno.ChildProcess;
  #dir: string;
  #output: Promise<Deno.CommandOutput>;

  private constructor(child: Deno.ChildProcess, dir: string) {
    this.#child = child;
    this.#dir = dir;
    this.#output = child.output();
  }

  static async start(db: string, p: Ports): Promise<Ioc> {
    const dir = await Deno.makeTempDir({ prefix: "pva_tools_" });
    await Deno.writeTextFile(`${dir}/test.db`, db);
    const ca = await freeCaPort();
    const child = new Deno.Command("softIocPVX", {
      args: ["-S", "-d", `${dir}/test.db`],
      cwd: dir,
      env: {
        ...clientEnv(p),
        EPICS_CA_SERVER_PORT: String(ca),
        EPICS_CAS_INTF_ADDR_LIST: "127.0.0.1",
        EPICS_CA_AUTO_ADDR_LIST: "NO",
        EPICS_CA_ADDR_LIST: "127.0.0.1",
      },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    return new Ioc(child, dir);
  }

  async stop(): Promise<void> {
    try {
      this.#child.kill("SIGTERM");
    } catch {
      // already gone
    }
    await this.#output;
    await Deno.remove(this.#dir, { recursive: true });
  }
}

/** pvxget output without the lines that carry time. */
function withoutTime(text: string): string {
  return text.split("\n").filter((l) => !l.includes("timeStamp.")).join("\n");
}

Deno.test({
  name: `pvxinfo and pvxget show our PVs as softIocPVX shows the same records${suffix}`,
  ignore: SKIP,
  fn: async () => {
    const iocPorts = await freePorts();
    const ourPorts = await freePorts();
    const ioc = await Ioc.start(DB, iocPorts);
    const server = await startOurs(ourPorts);
    try {
      await waitFor(
        "softIocPVX to serve",
        async () => (await run("pvxget", ["T:AI"], iocPorts)).code === 0,
      );
      for (const name of NAMES) {
        const theirs = await run("pvxinfo", [name], iocPorts);
        const ours = await run("pvxinfo", [name], ourPorts);
        assert.equal(ours.code, 0, ours.stderr);
        const body = (r: Result) => r.stdout.split("\n").slice(1).join("\n");
        assert.equal(body(ours), body(theirs), `pvxinfo ${name}`);
      }
      const theirs = await run("pvxget", NAMES, iocPorts);
      const ours = await run("pvxget", NAMES, ourPorts);
      assert.equal(ours.code, 0, ours.stderr);
      assert.equal(withoutTime(ours.stdout), withoutTime(theirs.stdout));
    } finally {
      await server.close();
      await ioc.stop();
    }
  },
});

Deno.test({
  name: `pvget shows our PVs as it shows softIocPVX's records${suffix}`,
  ignore: SKIP,
  fn: async () => {
    const iocPorts = await freePorts();
    const ourPorts = await freePorts();
    const ioc = await Ioc.start(DB, iocPorts);
    const server = await startOurs(ourPorts);
    const time = /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+|(secondsPastEpoch|nanoseconds) \d+/g;
    try {
      await waitFor(
        "softIocPVX to serve",
        async () => (await run("pvget", ["T:AI"], iocPorts)).code === 0,
      );
      for (const args of [NAMES, ["-v", ...NAMES], ["-r", "value,alarm", "T:AI", "T:CTRL"]]) {
        const theirs = await run("pvget", args, iocPorts);
        const ours = await run("pvget", args, ourPorts);
        assert.equal(ours.code, 0, ours.stderr);
        assert.equal(ours.stdout.replace(time, "<t>"), theirs.stdout.replace(time, "<t>"));
      }
    } finally {
      await server.close();
      await ioc.stop();
    }
  },
});

Deno.test({
  name: `pvxput and pvput write our PVs; enums by index and by string; refusals shown${suffix}`,
  ignore: SKIP,
  fn: async () => {
    const ports = await freePorts();
    const server = await startOurs(ports, [
      { name: "T:RO", type: "double", value: 3, access: "ro" },
      { name: "T:BIG", type: "double", count: 100_000, value: [] },
      {
        name: "T:SLOW",
        type: "long",
        value: 0,
        // Answered only once the write settles; refused above 100.
        onWrite: (v) =>
          new Promise((resolve, reject) =>
            setTimeout(
              () => (Number(v) > 100 ? reject(new Error("Too hot")) : resolve(undefined)),
              200,
            )
          ),
      },
    ]);
    const value = (name: string) => server.getPv(name)!.value;
    try {
      let r = await run("pvxput", ["T:AI", "2.5"], ports);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(value("T:AI"), 2.5);

      r = await run("pvxput", ["T:CTRL", "value.index=2"], ports);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(value("T:CTRL"), 2);

      r = await run("pvput", ["T:CTRL", "Run"], ports); // by choice string
      assert.equal(r.code, 0, r.stderr);
      assert.equal(value("T:CTRL"), 1);

      r = await run("pvput", ["T:CTRL", "0"], ports); // by index
      assert.equal(r.code, 0, r.stderr);
      assert.equal(value("T:CTRL"), 0);

      r = await run("pvxput", ["T:CTRL", "value.index=7"], ports);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /index 7.*3 choices/);
      assert.equal(value("T:CTRL"), 0);

      r = await run("pvput", ["T:STR", "bye now"], ports);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(value("T:STR"), "bye now");

      r = await run("pvput", ["T:WF", "[1,2,3,4]"], ports);
      assert.equal(r.code, 0, r.stderr);
      assert.deepStrictEqual(value("T:WF"), [1, 2, 3, 4]);

      // 60,000 doubles (480 kB; one digit each keeps the argument under Linux's 128 KiB limit):
      // pvput segments the message (pva-protocol.md §1.5); pvxget reads it back.
      const big = Array.from({ length: 60_000 }, (_, i) => (i + 1) % 10);
      r = await run("pvput", ["T:BIG", `[${big.join(",")}]`], ports);
      assert.equal(r.code, 0, r.stderr);
      assert.deepStrictEqual(value("T:BIG"), big);
      r = await run("pvxget", ["-r", "value", "T:BIG"], ports);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /value double\[\] = \{60000\}\[1, 2, 3,/);

      for (const tool of ["pvxput", "pvput"]) {
        r = await run(tool, ["T:RO", "7"], ports);
        assert.equal(r.code, 1, tool);
        assert.match(r.stderr, /Put not permitted/, tool);
        assert.equal(value("T:RO"), 3);
      }

      r = await run("pvxput", ["T:SLOW", "42"], ports);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(value("T:SLOW"), 42);
      r = await run("pvxput", ["T:SLOW", "420"], ports);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /Too hot/);
      assert.equal(value("T:SLOW"), 42);
    } finally {
      await server.close();
    }
  },
});

/** A running monitor tool whose stdout is collected. */
async function watch(
  tool: string,
  args: string[],
  p: Ports,
  post: (n: number) => void,
  expect: (text: string, n: number) => boolean,
): Promise<string> {
  // Line-buffered: the tools' stdout is a pipe here, and block buffering would hold every update.
  const child = new Deno.Command("stdbuf", {
    args: ["-oL", tool, ...args],
    env: clientEnv(p),
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  let text = "";
  const reading = (async () => {
    const dec = new TextDecoder();
    for await (const chunk of child.stdout) text += dec.decode(chunk);
  })();
  try {
    for (let n = 10; n < 13; n++) {
      await waitFor(
        `${tool} to show ${n - 1}`,
        () => expect(text, n - 1) || n === 10 && text.includes("T:HB"),
      );
      post(n);
    }
    await waitFor(`${tool} to show 12`, () => expect(text, 12));
  } finally {
    child.kill("SIGINT");
    await child.status;
    await reading;
  }
  return text;
}

Deno.test({
  name: `pvxmonitor and pvmonitor (pipelined) receive updates of our PVs${suffix}`,
  ignore: SKIP,
  fn: async () => {
    const ports = await freePorts();
    const server = await startOurs(ports);
    const hb = server.getPv("T:HB")!;
    try {
      const pvx = await watch(
        "pvxmonitor",
        ["T:HB"],
        ports,
        (n) => hb.post(n),
        (t, n) => t.includes(`value int32_t = ${n}\n`),
      );
      assert.match(
        pvx,
        /value int32_t = 10\n[\s\S]*value int32_t = 11\n[\s\S]*value int32_t = 12\n/,
      );
      const cpp = await watch(
        "pvmonitor",
        ["-r", "record[pipeline=true,queueSize=2]field(value,timeStamp)", "T:HB"],
        ports,
        (n) => hb.post(n + 10),
        (t, n) => new RegExp(`\\s${n + 10}\\s*\\n`).test(t),
      );
      assert.match(cpp, /\s20\s*\n[\s\S]*\s21\s*\n[\s\S]*\s22\s*\n/);
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  name: `softIocPVX and our server on one UDP port are both found by unicast searches${suffix}`,
  ignore: SKIP,
  fn: async () => {
    const udp = await freeCaPort();
    const iocPorts = { tcp: freeTcpPort(), udp };
    const ourPorts = { tcp: freeTcpPort(), udp };
    const ioc = await Ioc.start(`record(longin, "IOC:X") {\n field(VAL, "7")\n}\n`, iocPorts);
    try {
      await waitFor(
        "softIocPVX to serve",
        async () => (await run("pvxget", ["IOC:X"], iocPorts)).code === 0,
      );
      // Bound after the IOC, our socket now receives the unicast searches and must hand them on.
      const server = await PvaServer.start({
        tcpPort: ourPorts.tcp,
        udpPort: udp,
        autoBeacons: false,
        env: {},
      });
      try {
        server.addPv({ name: "OURS:Y", type: "long", value: 8 });
        for (const tool of ["pvxget", "pvget"]) {
          const r = await run(tool, ["IOC:X", "OURS:Y"], ourPorts);
          assert.equal(r.code, 0, `${tool}: ${r.stderr}`);
          assert.match(r.stdout, /IOC:X[\s\S]*7/, tool);
          assert.match(r.stdout, /OURS:Y[\s\S]*8/, tool);
        }
      } finally {
        await server.close();
      }
      // And with our server gone, the IOC is still found.
      const r = await run("pvxget", ["IOC:X"], iocPorts);
      assert.equal(r.code, 0, r.stderr);
    } finally {
      await ioc.stop();
    }
  },
});

Deno.test({
  name: `pvxlist and pvlist find our server and list its PVs${suffix}`,
  ignore: SKIP,
  fn: async () => {
    const ports = await freePorts();
    const server = await startOurs(ports);
    const at = `127.0.0.1:${server.tcpPort}`;
    try {
      // Discovery: a search without names that must be answered.
      const found = await run("pvxlist", ["-w", "2"], ports);
      assert.equal(found.code, 0, found.stderr);
      assert.match(found.stdout, new RegExp(`^${at}$`, "m"));
      const cppFound = await run("pvlist", [], ports);
      assert.equal(cppFound.code, 0, cppFound.stderr);
      assert.match(cppFound.stdout, new RegExp(`tcp@\\[ ${at} \\]`));
      // Names, through the built-in "server" channel's RPC.
      for (const tool of ["pvxlist", "pvlist"]) {
        const r = await run(tool, [at], ports);
        assert.equal(r.code, 0, `${tool}: ${r.stderr}`);
        assert.deepStrictEqual(r.stdout.trim().split("\n"), [...NAMES].sort(), tool);
      }
    } finally {
      await server.close();
    }
  },
});
