/**
 * The embedded demo: a settings file with three stand-in IOCs (two counters, one that crashes
 * now and then), CA pinned to loopback. The IOCs run `demo/ioc_*.ts` with the running `deno`,
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
  const argv = [Deno.execPath(), "run", "--quiet", "--no-config", "--no-prompt", path];
  return `${argv.map(shellQuote).join(" ")} {name}`;
}

function demoDir(): string {
  return dirname(fileURLToPath(import.meta.url));
}

/**
 * A settings.yaml text for the demo: prefix `DEMO`, CA on 127.0.0.1 only, IOCs `counter1`
 * (autostart), `counter2` (started by hand) and `flaky` (autostart, exits with code 1 after
 * 20–40 s and is restarted).
 *
 * The CA layout is a real host's (design.md §5a), kept on loopback: the manager serves on
 * 127.0.0.1:5064, the port IOCs share on 0.0.0.0, and heartbeat PVs are searched through the
 * loopback broadcast 127.255.255.255, the one search every server on a shared port hears. A
 * unicast search to 127.0.0.1:5064 still reaches the manager: the socket bound to the exact
 * address wins over those bound to 0.0.0.0.
 *
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
export function demoSettingsYaml(): string {
  const quote = (text: string) => JSON.stringify(text);
  return `# iocsup demo: stand-in IOCs from ${demoDir()}
general:
  prefix: DEMO
  delay: 0.5
  command: ${quote(demoCommand("ioc_counter.ts"))}
  epics_addr_list: 127.255.255.255
  ca:
    interfaces: [127.0.0.1]
    port: 5064
    beacons: [127.0.0.1]
    auto_beacons: false
counter1:
  autostart: true
  directory: ${quote(demoDir())}
  description: Demo counter, started with supervisord
counter2:
  autostart: false
  directory: ${quote(demoDir())}
  description: Demo counter, start it with DEMO:MAN:counter2_control
flaky:
  autostart: true
  command: ${quote(demoCommand("ioc_flaky.ts"))}
  directory: ${quote(demoDir())}
  autorestart: unexpected
  description: Demo IOC that crashes after 20-40 s and is restarted
`;
}
