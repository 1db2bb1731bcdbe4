/**
 * What `get`, `put`, `monitor` and `control` share: where the CA client searches, the `-w`
 * flag, caget-style formatting of values, time stamps and alarms, and {@linkcode PvClients},
 * which reads `pva://NAME` over pvAccess and `ca://NAME` or bare names over Channel Access.
 *
 * @module
 */
import { CaClient, type CaClientOptions, type ChannelValue, type Monitor } from "../mod/ca/mod.ts";
import {
  isEnumValue,
  parsePvName,
  PvaClient,
  type PvaClientOptions,
  type PvaValue,
} from "../mod/pva/client/mod.ts";
import type { Settings } from "../mod/config/types.ts";
import { loadContext } from "./_context.ts";
import { interfaceBroadcast, isMulticast } from "../mod/net/udp.ts";
import { UsageError } from "../mod/errors.ts";
import { ALARM_SEVERITY_STRINGS, ALARM_STATUS_STRINGS } from "../mod/pv/alarm.ts";
import { type ParsedArgs, stringFlag } from "./_common.ts";

/** Help text for the search rules, shared by the CA commands. */
export const SEARCH_HELP = `PV NAMES
  pva://NAME reads NAME over pvAccess, ca://NAME or a bare NAME over Channel Access (as Phoebus
  writes them). pvAccess searches where EPICS_PVA_ADDR_LIST, EPICS_PVA_AUTO_ADDR_LIST and
  EPICS_PVA_BROADCAST_PORT say, as for pvget.

SEARCH
  With EPICS_CA_ADDR_LIST set, the EPICS_CA_* environment decides, as for caget. Otherwise the
  settings (--config, else ./settings.yaml, else the embedded demo) say where the manager listens,
  general.ca.interfaces on general.ca.port (5064), and general.epics_addr_list. A manager bound to
  0.0.0.0 (no interfaces) is searched at 127.255.255.255, one bound to an interface at that
  interface's broadcast address: on a port it shares with IOCs only a broadcast reaches every
  server. Otherwise EPICS_CA_AUTO_ADDR_LIST and EPICS_CA_SERVER_PORT
  apply as in libca.`;

/** Text for `-w`, appended to the commands' OPTIONS. */
export const TIMEOUT_HELP =
  `  -w, --timeout SEC    time to find, connect and get an answer (default 5)`;

/** The `-w/--timeout` flag definition. */
export const TIMEOUT_FLAG = { timeout: { type: "string", short: "w" } } as const;

/**
 * The `-w/--timeout` value in milliseconds.
 *
 * @param args Parsed flags.
 * @param defaultSeconds Used when the flag is absent.
 * @returns Milliseconds.
 * @throws {UsageError} When the value is not a positive number.
 */
export function timeoutMs(args: ParsedArgs, defaultSeconds = 5): number {
  const text = stringFlag(args, "timeout");
  if (text === undefined) return defaultSeconds * 1000;
  const seconds = Number(text);
  if (text.trim() === "" || !Number.isFinite(seconds) || seconds <= 0) {
    throw new UsageError(`Cannot use timeout "${text}": expected seconds > 0`);
  }
  return seconds * 1000;
}

/**
 * The settings that say where the manager listens: `--config`, else `./settings.yaml`, else the
 * embedded demo (as `status` finds them); none when EPICS_CA_ADDR_LIST and EPICS_PVA_ADDR_LIST
 * both decide.
 *
 * @param args Parsed flags.
 * @param env The environment.
 * @returns Settings, or undefined.
 */
export async function searchSettings(
  args: ParsedArgs,
  env: Record<string, string | undefined>,
): Promise<Settings | undefined> {
  const set = (name: string) => (env[name] ?? "").trim() !== "";
  if (set("EPICS_CA_ADDR_LIST") && set("EPICS_PVA_ADDR_LIST")) return undefined;
  return (await loadContext(args, { printWarnings: false })).settings;
}

/**
 * The CA and pvAccess clients of a command, searching as {@linkcode SEARCH_HELP} says.
 *
 * @param args Parsed flags (`--config`, `--state-dir`).
 * @returns Clients created on first use; close them when done.
 */
export async function commandClients(args: ParsedArgs): Promise<PvClients> {
  const env = Deno.env.toObject();
  const settings = await searchSettings(args, env);
  return new PvClients(searchOptions(settings, env), pvaSearchOptions(settings, env));
}

/**
 * Where the CA commands search (see {@linkcode SEARCH_HELP}).
 *
 * @param settings Settings, when the command has them.
 * @param env The environment.
 * @returns Options for `CaClient`.
 * @example Usage
 * ```ts ignore
 * searchOptions(settings, Deno.env.toObject()); // { addrList: "127.0.0.1:5064", autoAddrList: false }
 * ```
 */
export function searchOptions(
  settings: Settings | undefined,
  env: Record<string, string | undefined>,
): CaClientOptions {
  if ((env.EPICS_CA_ADDR_LIST ?? "").trim() !== "" || settings === undefined) return { env };
  const ca = settings.general.ca;
  // With `general.ca: false` the manager serves no CA: only EPICS_CA_* can point elsewhere.
  if (ca === false) return { env };
  const port = ca.port ?? 5064;
  const interfaces = ca.interfaces.length > 0 ? ca.interfaces : ["0.0.0.0"];
  const manager = interfaces
    .filter((address) => !isMulticast(address))
    // IOCs share the manager's port, and a unicast search reaches only one socket on a shared
    // port: search the broadcast address, which the manager's socket hears (on 0.0.0.0 or beside
    // its interface's own socket).
    .map((address) =>
      `${
        address === "0.0.0.0" ? "127.255.255.255" : interfaceBroadcast(address) ?? address
      }:${port}`
    );
  const extra = settings.general.epicsAddrList?.split(/\s+/).filter(Boolean) ?? [];
  return { env, addrList: [...manager, ...extra].join(" "), autoAddrList: false };
}

/**
 * Where a pvAccess client finds the manager: EPICS_PVA_ADDR_LIST when set, else the settings'
 * `general.pva` (its interfaces, 127.0.0.1 for all, on its UDP port, else EPICS_PVAS_/
 * EPICS_PVA_BROADCAST_PORT, else 5076). The manager forwards unicast searches to the other
 * servers on its port, as pvxs does.
 *
 * @param settings Settings, when the command has them.
 * @param env The environment.
 * @returns Options for `PvaClient`.
 * @example Usage
 * ```ts ignore
 * pvaSearchOptions(settings, {}); // { env: {}, addrList: "127.0.0.1:5076", autoAddrList: false }
 * ```
 */
export function pvaSearchOptions(
  settings: Settings | undefined,
  env: Record<string, string | undefined>,
): PvaClientOptions {
  const pva = settings?.general.pva ?? false;
  if ((env.EPICS_PVA_ADDR_LIST ?? "").trim() !== "" || pva === false) return { env };
  const fromEnv = Number(env.EPICS_PVAS_BROADCAST_PORT || env.EPICS_PVA_BROADCAST_PORT);
  const port = pva.udpPort ?? (Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : 5076);
  const interfaces = pva.interfaces.length > 0 ? pva.interfaces : ["0.0.0.0"];
  const addrList = interfaces
    .map((address) => `${address === "0.0.0.0" ? "127.0.0.1" : address}:${port}`)
    .join(" ");
  return { env, addrList, autoAddrList: false };
}

/**
 * Alarm severity and status names, as camonitor prints them.
 *
 * @param v A value.
 * @returns `MINOR HIGH`, or `""` without alarm.
 */
export function alarmText(v: ChannelValue): string {
  if (v.severity === 0 && v.status === 0) return "";
  return `${ALARM_SEVERITY_STRINGS[v.severity] ?? v.severity} ${
    ALARM_STATUS_STRINGS[v.status] ?? v.status
  }`;
}

/**
 * A value as caget prints it: scalars as they are, arrays as the count then the elements.
 *
 * @param value The value.
 * @returns The text.
 */
export function valueText(value: ChannelValue["value"]): string {
  if (Array.isArray(value)) return [value.length, ...value].join(" ");
  return String(value);
}

/**
 * A time stamp as camonitor prints it: local `YYYY-MM-DD HH:MM:SS.ffffff`.
 *
 * @param ms Milliseconds since 1970 (fractions keep the nanoseconds that fit).
 * @returns The text.
 */
export function timestampText(ms: number): string {
  const d = new Date(Math.floor(ms));
  const two = (n: number) => String(n).padStart(2, "0");
  const micros = Math.floor((ms - Math.floor(ms / 1000) * 1000) * 1000);
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ` +
    `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.` +
    String(micros).padStart(6, "0");
}

/**
 * A value as one JSON object: name, value, alarm and an ISO time stamp.
 *
 * @param name PV name.
 * @param v The value.
 * @returns A plain object for `JSON.stringify`.
 */
export function valueJson(name: string, v: ChannelValue): Record<string, unknown> {
  return {
    name,
    value: v.value,
    severity: ALARM_SEVERITY_STRINGS[v.severity] ?? v.severity,
    status: ALARM_STATUS_STRINGS[v.status] ?? v.status,
    timestamp: new Date(v.timestamp).toISOString(),
  };
}

/**
 * Lines of `NAME TEXT` with the names padded to one width, as caget aligns them.
 *
 * @param rows Name and text per line.
 * @returns The lines, each ending in a newline.
 */
export function nameLines(rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(0, ...rows.map(([name]) => name.length));
  return rows.map(([name, text]) => `${name.padEnd(width)} ${text}`.trimEnd() + "\n").join("");
}

/**
 * The message of an error, for stderr.
 *
 * @param error Anything thrown.
 * @returns Its message.
 */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A pvAccess value in the CLI's CA form: enums as their choice (or index with `-n`),
 * structures as JSON, the alarm message as the CA status it names.
 *
 * @param v The value.
 * @param enumAsString Whether enums print as their choice strings.
 * @returns The value as CA commands print it.
 */
export function pvaChannelValue(v: PvaValue, enumAsString: boolean): ChannelValue {
  let value: ChannelValue["value"];
  if (isEnumValue(v.value)) {
    value = enumAsString ? v.value.choices[v.value.index] ?? v.value.index : v.value.index;
  } else if (Array.isArray(v.value)) {
    value = v.value.every((x) => typeof x === "number") ? v.value as number[] : v.value.map(String);
  } else if (typeof v.value === "number" || typeof v.value === "string") value = v.value;
  else value = typeof v.value === "boolean" ? Number(v.value) : JSON.stringify(v.value);
  // The NT alarm message is the EPICS alarm condition ("HIGH", "STATE"); its CA status number
  // prints the same way.
  const status = v.message === "" ? 0 : Math.max(0, ALARM_STATUS_STRINGS.indexOf(v.message));
  return { value, severity: v.severity, status, timestamp: v.timestamp };
}

/**
 * The CA and pvAccess clients of one command, each created on first use; names say which
 * protocol (`pva://NAME`, `ca://NAME`, bare = CA).
 *
 * @example Usage
 * ```ts ignore
 * const env = Deno.env.toObject();
 * const clients = new PvClients({ env }, { env });
 * await clients.get("pva://DEMO:AI", { timeoutMs: 5000, enumAsString: true });
 * await clients.close();
 * ```
 */
export class PvClients {
  #caOptions: CaClientOptions;
  #pvaOptions: PvaClientOptions;
  #ca: CaClient | undefined;
  #pva: PvaClient | undefined;

  /**
   * @param caOptions Where the CA client searches ({@linkcode searchOptions}).
   * @param pvaOptions Where the pvAccess client searches ({@linkcode pvaSearchOptions}).
   */
  constructor(caOptions: CaClientOptions, pvaOptions: PvaClientOptions) {
    this.#caOptions = caOptions;
    this.#pvaOptions = pvaOptions;
  }

  /**
   * Read a PV once.
   *
   * @param text PV name with optional protocol prefix.
   * @param options Time-out and enum form.
   * @returns The value in CA form.
   */
  async get(
    text: string,
    options: { timeoutMs: number; enumAsString: boolean },
  ): Promise<ChannelValue> {
    const { protocol, name } = parsePvName(text);
    if (protocol === "ca") return await this.#caClient().get(name, options);
    const v = await this.#pvaClient().get(name, { timeoutMs: options.timeoutMs });
    return pvaChannelValue(v, options.enumAsString);
  }

  /**
   * Write a PV. Over pvAccess the put always settles on the server's answer (`wait` is moot).
   *
   * @param text PV name with optional protocol prefix.
   * @param value What to write.
   * @param options Time-out and CA put-with-callback.
   * @returns Once the server has handled the put.
   */
  put(
    text: string,
    value: string | number | string[] | number[],
    options: { timeoutMs: number; wait: boolean },
  ): Promise<void> {
    const { protocol, name } = parsePvName(text);
    if (protocol === "ca") return this.#caClient().put(name, value, options);
    return this.#pvaClient().put(name, value, { timeoutMs: options.timeoutMs });
  }

  /**
   * Monitor a PV.
   *
   * @param text PV name with optional protocol prefix.
   * @param callback Receives each value in CA form.
   * @param options Enum form and connection callback.
   * @returns A handle to cancel it.
   */
  monitor(
    text: string,
    callback: (v: ChannelValue) => void,
    options: { enumAsString: boolean; onConnection: (up: boolean) => void },
  ): Monitor {
    const { protocol, name } = parsePvName(text);
    if (protocol === "ca") return this.#caClient().monitor(name, callback, options);
    return this.#pvaClient().monitor(
      name,
      (v) => callback(pvaChannelValue(v, options.enumAsString)),
      { onConnection: options.onConnection },
    );
  }

  /** Close both clients. */
  async close(): Promise<void> {
    await Promise.all([this.#ca?.close(), this.#pva?.close()]);
  }

  #caClient(): CaClient {
    return this.#ca ??= new CaClient(this.#caOptions);
  }

  #pvaClient(): PvaClient {
    return this.#pva ??= new PvaClient(this.#pvaOptions);
  }
}
