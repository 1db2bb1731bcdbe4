/**
 * Heartbeat PVs read over Channel Access or pvAccess: one monitor per watched PV, remembering
 * when its value last changed and whether it is connected. A name written `pva://NAME` is read
 * over pvAccess, `ca://NAME` or a bare name over Channel Access (as Phoebus writes them).
 *
 * @module
 */
import { CaClient } from "../ca/mod.ts";
import { parsePvName, PvaClient } from "../pva/client/mod.ts";
import type { HeartbeatView } from "./ioc_view.ts";
import type { HeartbeatSource } from "./manager.ts";

/** Options for {@linkcode CaHeartbeats}. */
export interface CaHeartbeatsOptions {
  /**
   * Where to search, space-separated `host[:port]`. When given it is the whole search scope (no
   * interface broadcasts); else EPICS_CA_ADDR_LIST and EPICS_CA_AUTO_ADDR_LIST apply. Broadcast
   * addresses work: where the manager and the IOCs share a port, `127.255.255.255` is the search
   * every server hears. `pva://` names search where EPICS_PVA_ADDR_LIST and
   * EPICS_PVA_AUTO_ADDR_LIST say.
   */
  addrList?: string | undefined;
  /** Clock in ms, the same one the manager uses. @default Date.now */
  now?: () => number;
  /** Environment to read instead of the process environment. */
  env?: Readonly<Record<string, string | undefined>>;
}

interface Watch {
  refs: number;
  connected: boolean;
  /** The last value seen since the channel (re)connected; `undefined` right after connecting. */
  last: unknown;
  lastChangeMs: number | undefined;
  cancel: () => void;
}

const UNKNOWN: HeartbeatView = Object.freeze({ connected: false, lastChangeMs: undefined });

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  // Arrays, and PVA enums ({ index, choices }): plain data, so their JSON compares them.
  return typeof a === "object" && typeof b === "object" && JSON.stringify(a) === JSON.stringify(b);
}

/**
 * A {@linkcode HeartbeatSource} backed by CA or PVA monitors.
 *
 * @example Usage
 * ```ts ignore
 * const heartbeats = new CaHeartbeats({ addrList: "127.0.0.1" });
 * heartbeats.watch("IOC1:HEARTBEAT");
 * heartbeats.view("IOC1:HEARTBEAT"); // { connected: false, lastChangeMs: undefined } at first
 * await heartbeats.close();
 * ```
 */
export class CaHeartbeats implements HeartbeatSource {
  #client: CaClient;
  #pva: PvaClient | undefined;
  #env: Readonly<Record<string, string | undefined>> | undefined;
  #now: () => number;
  #watches = new Map<string, Watch>();

  /** @param options Search addresses, clock and environment. */
  constructor(options: CaHeartbeatsOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#env = options.env;
    this.#client = new CaClient({
      ...(options.addrList === undefined
        ? {}
        : { addrList: options.addrList, autoAddrList: false }),
      ...(options.env === undefined ? {} : { env: options.env }),
    });
  }

  /**
   * Start monitoring a PV (watching the same PV twice needs two unwatches).
   *
   * @param pvName Heartbeat PV name: `pva://NAME`, `ca://NAME` or a bare (CA) name.
   */
  watch(pvName: string): void {
    const existing = this.#watches.get(pvName);
    if (existing) {
      existing.refs++;
      return;
    }
    const w: Watch = {
      refs: 1,
      connected: false,
      last: undefined,
      lastChangeMs: undefined,
      cancel: () => {},
    };
    const onValue = (value: unknown) => {
      // The first value after a (re)connection counts as a change: the IOC may have restarted.
      if (w.last === undefined || !sameValue(w.last, value)) w.lastChangeMs = this.#now();
      w.last = value;
    };
    const onConnection = (connected: boolean) => {
      w.connected = connected;
      w.last = undefined;
    };
    const { protocol, name } = parsePvName(pvName);
    if (protocol === "pva") {
      // Created on first use: no PVA search socket for a site whose heartbeats are all CA.
      this.#pva ??= new PvaClient(this.#env === undefined ? {} : { env: this.#env });
      const monitor = this.#pva.monitor(name, (v) => onValue(v.value), { onConnection });
      w.cancel = () => monitor.cancel();
    } else {
      const monitor = this.#client.monitor(name, (v) => onValue(v.value), { onConnection });
      w.cancel = () => monitor.cancel();
    }
    this.#watches.set(pvName, w);
  }

  /**
   * Stop monitoring a PV.
   *
   * @param pvName A name passed to {@linkcode CaHeartbeats.watch}.
   */
  unwatch(pvName: string): void {
    const w = this.#watches.get(pvName);
    if (!w || --w.refs > 0) return;
    w.cancel();
    this.#watches.delete(pvName);
  }

  /**
   * What is known about a PV.
   *
   * @param pvName PV name.
   * @returns Connection state and when the value last changed (per `now`).
   */
  view(pvName: string): HeartbeatView {
    const w = this.#watches.get(pvName);
    return w ? { connected: w.connected, lastChangeMs: w.lastChangeMs } : UNKNOWN;
  }

  /**
   * Stop every monitor and close the CA and PVA clients.
   *
   * @returns Once every socket is closed.
   */
  async close(): Promise<void> {
    for (const w of this.#watches.values()) w.cancel();
    this.#watches.clear();
    await Promise.all([this.#client.close(), this.#pva?.close()]);
  }
}
