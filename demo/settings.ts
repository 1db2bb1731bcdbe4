/**
 * The embedded demo: a settings file with three stand-in IOCs (two counters, one that crashes
 * now and then), CA and pvAccess pinned to loopback. The IOCs run `demo/ioc_*.ts` with the running `deno`,
 * so the demo needs a source checkout; a compiled binary does not carry those scripts.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { shellQuote } from "../mod/config/mod.ts";

/**
 * The command line that runs one demo script with this Deno.
 *
 * @param script File name in `demo/`, e.g. `ioc_counter.ts`.
 * @returns A supervisord `command=` value ending in `{name}`.
 */
function demoCommand(script: string): string {
  const path = join(demoDir(), script);
  const argv = [
    Deno.execPath(),
    "run",
    "--quiet",
    "--no-config",
    "--no-prompt",
    "--allow-net",
    "--allow-env",
    "--allow-read",
    "--allow-sys",
    path,
  ];
  return `${argv.map(shellQuote).join(" ")} {name}`;
}

function demoDir(): string {
  return dirname(fileURLToPath(import.meta.url));
}

/** Options of {@linkcode demoSettingsYaml}: other ports, for tests that run the demo beside others. */
export interface DemoSettingsOptions {
  /** CA server port of the manager and the IOCs. @default 5064 */
  caPort?: number;
  /** pvAccess TCP port. @default 5075 */
  pvaPort?: number;
  /** pvAccess UDP search port. @default 5076 */
  pvaUdpPort?: number;
  /** `general.web`: false turns the web UI off, a string is its `listen`. @default the settings' default */
  web?: false | string;
}

/**
 * A settings.yaml text for the demo: prefix `DEMO`, CA and pvAccess on 127.0.0.1 only (PVA on TCP
 * 5075, searches on UDP 5076, beacons to 127.0.0.1 only), IOCs `counter1` (autostart, on a
 * console: `iocsup attach counter1` reaches its `epics> ` prompt; needs procServ), `counter2`
 * (started by hand) and `flaky` (autostart, exits with code 1 after 20–40 s and is restarted).
 *
 * The CA layout is a real host's (design.md §5a), kept on loopback: the manager and every IOC
 * serve CA on 127.0.0.1:5064 (the IOCs' TCP falls back to ephemeral ports, as RSRV's does), each
 * IOC serves a heartbeat PV `DEMO:<ioc>:HEARTBEAT`, and searches go to the loopback broadcast
 * 127.255.255.255, the one search every server on a shared port hears (each server also binds
 * its interface's broadcast address, as RSRV does).
 *
 * @param options Other ports or web UI, for tests; the demo itself runs with the defaults.
 * @returns The YAML text; parse it with `parseSettings(text, { file: "(demo)", dir })`.
 * @example Usage
 * ```ts
 * import { demoSettingsYaml } from "./settings.ts";
 * import { parseSettings } from "../mod/config/mod.ts";
 * import assert from "node:assert/strict";
 *
 * const settings = parseSettings(demoSettingsYaml(), { file: "(demo)", dir: "." });
 * assert.deepEqual(settings.iocs.map((ioc) => ioc.name), ["counter1", "counter2", "flaky"]);
 * ```
 */
export function demoSettingsYaml(options: DemoSettingsOptions = {}): string {
  const { caPort = 5064, pvaPort = 5075, pvaUdpPort = 5076, web } = options;
  const quote = (text: string) => JSON.stringify(text);
  const webLine = web === undefined
    ? ""
    : `  web: ${web === false ? "false" : `{ listen: ${quote(web)} }`}\n`;
  // Each IOC serves its heartbeat on the manager's port, pinned to loopback like the manager.
  const iocEnv = (name: string) =>
    `{ DEMO_HEARTBEAT_PV: "DEMO:${name}:HEARTBEAT", EPICS_CAS_INTF_ADDR_LIST: 127.0.0.1, ` +
    `EPICS_CAS_SERVER_PORT: "${caPort}", EPICS_CAS_BEACON_ADDR_LIST: 127.0.0.1, ` +
    `EPICS_CAS_AUTO_BEACON_ADDR_LIST: "NO" }`;
  return `# iocsup demo: stand-in IOCs from ${demoDir()}
general:
  prefix: DEMO
  delay: 0.5
  command: ${quote(demoCommand("ioc_counter.ts"))}
  epics_addr_list: 127.255.255.255
  heartbeat_pv: "{prefix}:{name}:HEARTBEAT"
  ca:
    interfaces: [127.0.0.1]
    port: ${caPort}
    beacons: [127.0.0.1]
    auto_beacons: false
  pva:
    interfaces: [127.0.0.1]
    port: ${pvaPort}
    udp_port: ${pvaUdpPort}
    beacons: [127.0.0.1]
    auto_beacons: false
${webLine}counter1:
  env: ${iocEnv("counter1")}
  autostart: true
  console: true
  directory: ${quote(demoDir())}
  description: Demo counter on a console, autostarted
counter2:
  env: ${iocEnv("counter2")}
  autostart: false
  directory: ${quote(demoDir())}
  description: Demo counter, start it with DEMO:MAN:counter2_control
flaky:
  env: ${iocEnv("flaky")}
  autostart: true
  command: ${quote(demoCommand("ioc_flaky.ts"))}
  directory: ${quote(demoDir())}
  autorestart: unexpected
  description: Demo IOC that crashes after 20-40 s and is restarted
`;
}
