import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { parseSettings, shellQuote } from "../../mod/config/mod.ts";
import { demoSettingsYaml } from "../../demo/settings.ts";

const DEMO_DIR = fileURLToPath(new URL("../../demo", import.meta.url));
const RUN = [Deno.execPath(), "run", "--quiet", "--no-config", "--no-prompt"];
const DEMO_RUN = [...RUN, "--allow-net", "--allow-env", "--allow-read", "--allow-sys"];

Deno.test("demoSettingsYaml() gives three IOCs on loopback CA and PVA that run the demo scripts, counter1 on a console", async () => {
  const settings = parseSettings(demoSettingsYaml(), { file: "(demo)", dir: "/tmp" });
  assert.equal(settings.general.prefix, "DEMO");
  assert.equal(settings.general.epicsAddrList, "127.255.255.255");
  assert.deepEqual(settings.general.ca, {
    interfaces: ["127.0.0.1"],
    port: 5064,
    beacons: ["127.0.0.1"],
    autoBeacons: false,
  });
  assert.deepEqual(settings.general.pva, {
    interfaces: ["127.0.0.1"],
    port: 5075,
    udpPort: 5076,
    beacons: ["127.0.0.1"],
    autoBeacons: false,
  });
  assert.deepEqual(
    settings.iocs.map((ioc) => [ioc.name, ioc.autostart, ioc.directory, ioc.console === true]),
    [
      ["counter1", true, DEMO_DIR, true],
      ["counter2", false, DEMO_DIR, false],
      ["flaky", true, DEMO_DIR, false],
    ],
  );
  assert.equal(settings.general.web && settings.general.web.listen, "127.0.0.1:9001");
  const expected = (script: string, name: string) =>
    [...DEMO_RUN, `${DEMO_DIR}/${script}`, name].map(shellQuote).join(" ");
  assert.deepEqual(settings.iocs.map((ioc) => ioc.command), [
    expected("ioc_counter.ts", "counter1"),
    expected("ioc_counter.ts", "counter2"),
    expected("ioc_flaky.ts", "flaky"),
  ]);
  for (const script of ["ioc_counter.ts", "ioc_flaky.ts"]) {
    assert.ok((await Deno.stat(`${DEMO_DIR}/${script}`)).isFile, script);
  }
});

Deno.test("demoSettingsYaml() puts the manager and every IOC on other ports when asked", () => {
  const settings = parseSettings(
    demoSettingsYaml({ caPort: 15064, pvaPort: 15075, pvaUdpPort: 15076, web: false }),
    { file: "(demo)", dir: "/tmp" },
  );
  const { ca, pva } = settings.general;
  assert.equal(ca && ca.port, 15064);
  assert.deepEqual(pva && [pva.port, pva.udpPort], [15075, 15076]);
  assert.equal(settings.general.web, false);
  for (const ioc of settings.iocs) assert.equal(ioc.env.EPICS_CAS_SERVER_PORT, "15064", ioc.name);
});

/** Read text from a reader until it holds `text` or ends; return everything read. */
async function readUntil(
  reader: ReadableStreamDefaultReader<string>,
  text: string | undefined,
): Promise<string> {
  let seen = "";
  while (text === undefined || !seen.includes(text)) {
    const { value, done } = await reader.read();
    if (done) break;
    seen += value;
  }
  return seen;
}

Deno.test("demo/ioc_counter.ts announces itself and stops cleanly on SIGTERM", async () => {
  const child = new Deno.Command(RUN[0] ?? "deno", {
    args: [...RUN.slice(1), `${DEMO_DIR}/ioc_counter.ts`, "c1"],
    stdout: "piped",
    stderr: "null",
    stdin: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  assert.match(await readUntil(reader, "demo IOC c1: started"), /demo IOC c1: started, pid \d+/);
  child.kill("SIGTERM");
  const rest = await readUntil(reader, undefined);
  assert.match(rest, /demo IOC c1: SIGTERM received, stopping/);
  assert.doesNotMatch(rest, /epics>/, "no shell without a terminal");
  assert.equal((await child.status).code, 0);
});

/** Runs a command on a pty, types keys when text appears, reports terminal modes (JSON). */
const PTY_RUN = new URL("../helpers/py/pty_run.py", import.meta.url).pathname;

Deno.test("demo/ioc_counter.ts on a terminal: epics> shell, iocsh's errors, exit ends it with 0", async () => {
  const steps = [
    ["epics> ", "help dbgf\r"],
    ['dbgf "pv name"', "dbgf NOPE\r"],
    ["PV 'NOPE' not found", "frob 1\r"],
    ["Command frob not found.", "exit\r"],
  ];
  const output = await new Deno.Command("/usr/bin/python3", {
    args: [PTY_RUN, JSON.stringify(steps), ...RUN, `${DEMO_DIR}/ioc_counter.ts`, "c2"],
    stdout: "piped",
  }).output();
  const run = JSON.parse(new TextDecoder().decode(output.stdout));
  const raw = { icanon: false, echo: false };
  assert.deepEqual(run.steps, [raw, raw, raw, raw], run.output);
  assert.equal(run.code, 0, run.output);
  assert.deepEqual(run.after, { icanon: true, echo: true }, "the terminal is given back");
  assert.match(run.output, /demo IOC c2: started, pid \d+/);
});

Deno.test("demo/ioc_flaky.ts exits with code 1 when its time is up", async () => {
  const output = await new Deno.Command(RUN[0] ?? "deno", {
    args: [...RUN.slice(1), `${DEMO_DIR}/ioc_flaky.ts`, "f1", "0", "0"],
    stdin: "null",
  }).output();
  assert.equal(output.code, 1);
  assert.match(new TextDecoder().decode(output.stderr), /demo IOC f1: simulated crash/);
});
