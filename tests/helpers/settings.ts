/**
 * Temporary settings files for CLI and integration tests: a temp directory with settings.yaml,
 * CA and pvAccess pinned to loopback on free ports and the web UI off unless asked for.
 *
 * @module
 */
import { join } from "node:path";
import { freeCaPort, freeTcpPort } from "./ports.ts";

/** Absolute path of a stand-in IOC script in tests/fixtures/iocs/. */
export function iocScript(name: string): string {
  return new URL(`../fixtures/iocs/${name}`, import.meta.url).pathname;
}

/** A temp project directory with a settings file. */
export interface TempProject {
  /** The directory (settings.yaml lives here; state goes to ./ioc-supervisor). */
  dir: string;
  /** Absolute settings.yaml path. */
  settings: string;
  /** State directory. */
  stateDir: string;
  /** CA server port of the manager. */
  caPort: number;
  /** PVA server (preferred) TCP port of the manager. */
  pvaPort: number;
  /** PVA UDP search port of the manager. */
  pvaUdpPort: number;
  /** Remove the directory. */
  cleanup(): Promise<void>;
}

/**
 * Create a temp project. `iocsYaml` is the YAML of the IOC keys (top level); `generalExtra` is
 * extra YAML lines inside `general:` (indented by two spaces by the caller); when they hold
 * `ca:` or `pva:`, they replace the loopback defaults of that server.
 *
 * @param iocsYaml IOC sections.
 * @param options Prefix and extra general lines.
 * @returns The project.
 */
export async function tempProject(
  iocsYaml: string,
  options: { prefix?: string; generalExtra?: string } = {},
): Promise<TempProject> {
  const dir = await Deno.makeTempDir({ prefix: "iocsup-test-" });
  const caPort = await freeCaPort();
  const pvaPort = freeTcpPort();
  const pvaUdpPort = await freeCaPort();
  const settings = join(dir, "settings.yaml");
  const extra = options.generalExtra ?? "";
  const general = [
    "general:",
    `  prefix: ${options.prefix ?? "TEST"}`,
    ...(/^ {2}ca:/m.test(extra) ? [] : [
      "  ca:",
      "    interfaces: [127.0.0.1]",
      `    port: ${caPort}`,
      "    beacons: [127.0.0.1]",
      "    auto_beacons: false",
    ]),
    ...(/^ {2}pva:/m.test(extra) ? [] : [
      "  pva:",
      "    interfaces: [127.0.0.1]",
      `    port: ${pvaPort}`,
      `    udp_port: ${pvaUdpPort}`,
      "    beacons: [127.0.0.1]",
      "    auto_beacons: false",
    ]),
    options.generalExtra?.includes("epics_addr_list") ? "" : "  epics_addr_list: 127.0.0.1",
    options.generalExtra ?? "  web: false",
  ].join("\n");
  await Deno.writeTextFile(settings, `${general}\n${iocsYaml}`);
  return {
    dir,
    settings,
    stateDir: join(dir, "ioc-supervisor"),
    caPort,
    pvaPort,
    pvaUdpPort,
    cleanup: () => Deno.remove(dir, { recursive: true }),
  };
}
