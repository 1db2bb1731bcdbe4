/**
 * The live fleet: one CA monitor per PV of every host (manager heartbeat, IOC list, and each
 * IOC's status, heartbeat age, uptime and restarts), one client per distinct search address.
 * Nothing is polled: values arrive as the managers post them, so watching many hosts costs
 * only what actually changes.
 *
 * @module
 */
import { CaClient, type ChannelValue, type Monitor } from "../ca/mod.ts";
import type { FleetHost } from "./config.ts";

/** One IOC as last heard. Fields are undefined until their first value arrives. */
export interface FleetIoc {
  /** IOC name. */
  name: string;
  /** supervisord state (`RUNNING`, `STOPPED`, …). */
  status: string | undefined;
  /** Heartbeat age in s (999 not running, 120 heartbeat PV unreachable). */
  hb: number | undefined;
  /** Seconds since the IOC started. */
  uptime: number | undefined;
  /** Unexpected exits since supervisord started. */
  restarts: number | undefined;
}

/** Whether a host's manager answers: `connecting` until the first connection or the time-out. */
export type HostState = "connecting" | "answering" | "not answering";

/** One host as last heard. */
export interface FleetHostView {
  /** The manager's PV prefix. */
  prefix: string;
  /** Search address from fleet.yaml, if any. */
  addr: string | undefined;
  /** Whether its `MAN:heartbeat` is connected. */
  state: HostState;
  /** Its manager heartbeat counter. */
  heartbeat: number | undefined;
  /** Whether its IOC list is known (from fleet.yaml or `MAN:iocs`). */
  iocList: boolean;
  /** Its IOCs, in the manager's (or fleet.yaml's) order. */
  iocs: FleetIoc[];
}

/** Options of {@linkcode FleetModel}. */
export interface FleetModelOptions {
  /** Environment for the EPICS_CA_* search of hosts without `addr`. */
  env?: Record<string, string | undefined>;
  /** Time after which a host whose heartbeat has not connected shows "not answering", ms. */
  timeoutMs: number;
  /** Called after any change (values, connections, IOC lists). */
  onChange?: () => void;
}

const IOC_FIELDS = ["status", "hb", "uptime", "restarts"] as const;

/** Live state of one host. */
class HostWatch {
  readonly view: FleetHostView;
  readonly #client: CaClient;
  readonly #changed: () => void;
  readonly #monitors: Monitor[] = [];
  readonly #iocMonitors = new Map<string, Monitor[]>();
  readonly #timer: ReturnType<typeof setTimeout>;
  #timedOut = false;

  constructor(host: FleetHost, client: CaClient, timeoutMs: number, changed: () => void) {
    this.view = {
      prefix: host.prefix,
      addr: host.addr,
      state: "connecting",
      heartbeat: undefined,
      iocList: false,
      iocs: [],
    };
    this.#client = client;
    this.#changed = changed;
    const man = `${host.prefix}:MAN:`;
    this.#monitors.push(client.monitor(man + "heartbeat", (v) => {
      this.view.heartbeat = Number(v.value);
      changed();
    }, {
      onConnection: (up) => {
        this.view.state = up ? "answering" : "not answering";
        changed();
      },
    }));
    this.#timer = setTimeout(() => {
      // Past the time-out a one-shot view shows what it has: an answering manager without
      // MAN:iocs (an older iocsup) or an IOC name it does not serve must not hang it.
      this.#timedOut = true;
      if (this.view.state === "connecting") this.view.state = "not answering";
      changed();
    }, timeoutMs);
    if (host.iocs !== undefined) this.#setIocs(host.iocs);
    else {
      this.#monitors.push(client.monitor(man + "iocs", (v) => this.#setIocs(namesOf(v))));
    }
  }

  /** True once the time-out has passed, or the host answers with every IOC value known. */
  get settled(): boolean {
    if (this.#timedOut || this.view.state === "not answering") return true;
    if (this.view.state !== "answering" || !this.view.iocList) return false;
    if (this.view.heartbeat === undefined) return false;
    return this.view.iocs.every((ioc) => IOC_FIELDS.every((f) => ioc[f] !== undefined));
  }

  #setIocs(names: string[]): void {
    this.view.iocList = true;
    const old = new Map(this.view.iocs.map((ioc) => [ioc.name, ioc]));
    for (const [name, monitors] of this.#iocMonitors) {
      if (names.includes(name)) continue;
      for (const m of monitors) m.cancel();
      this.#iocMonitors.delete(name);
    }
    this.view.iocs = names.map((name) =>
      old.get(name) ??
        { name, status: undefined, hb: undefined, uptime: undefined, restarts: undefined }
    );
    for (const ioc of this.view.iocs) {
      if (this.#iocMonitors.has(ioc.name)) continue;
      const base = `${this.view.prefix}:MAN:${ioc.name}_`;
      this.#iocMonitors.set(
        ioc.name,
        IOC_FIELDS.map((field) =>
          this.#client.monitor(base + field, (v) => {
            if (field === "status") ioc.status = String(v.value);
            else ioc[field] = Number(v.value);
            this.#changed();
          }, field === "status" ? { enumAsString: true } : {})
        ),
      );
    }
    this.#changed();
  }

  close(): void {
    clearTimeout(this.#timer);
    for (const m of this.#monitors) m.cancel();
    for (const list of this.#iocMonitors.values()) for (const m of list) m.cancel();
  }
}

/** IOC names from a `MAN:iocs` CHAR waveform: bytes up to the first NUL, split on spaces. */
export function namesOf(v: ChannelValue): string[] {
  const bytes = Array.isArray(v.value) ? v.value as number[] : [Number(v.value)];
  const end = bytes.indexOf(0);
  const text = new TextDecoder().decode(
    Uint8Array.from(end < 0 ? bytes : bytes.slice(0, end), (b) => b & 0xff),
  );
  return text.split(" ").filter((name) => name !== "");
}

/**
 * Every host of a fleet, kept current by monitors.
 *
 * @example Usage
 * ```ts ignore
 * const model = new FleetModel(fleet.hosts, { timeoutMs: 5000, onChange: redraw });
 * await model.settled();
 * console.log(model.hosts);
 * await model.close();
 * ```
 */
export class FleetModel {
  readonly #clients = new Map<string, CaClient>();
  readonly #watches: HostWatch[] = [];
  readonly #onChange: (() => void) | undefined;
  #settle: (() => void) | undefined;

  /**
   * Start monitoring.
   *
   * @param hosts The hosts, in display order.
   * @param options Search environment, time-out and change callback.
   */
  constructor(hosts: readonly FleetHost[], options: FleetModelOptions) {
    this.#onChange = options.onChange;
    const env = options.env ?? Deno.env.toObject();
    const changed = () => this.#changed();
    for (const host of hosts) {
      const key = host.addr ?? "";
      let client = this.#clients.get(key);
      if (client === undefined) {
        client = new CaClient(
          host.addr === undefined ? { env } : { env, addrList: host.addr, autoAddrList: false },
        );
        this.#clients.set(key, client);
      }
      this.#watches.push(new HostWatch(host, client, options.timeoutMs, changed));
    }
  }

  /** The hosts as last heard, in fleet.yaml order (hosts that do not answer included). */
  get hosts(): FleetHostView[] {
    return this.#watches.map((w) => w.view);
  }

  /**
   * The CA client that watches a host, for one-off gets and puts on that host over the circuit
   * its monitors already use.
   *
   * @param prefix A host's prefix.
   * @returns Its client, or undefined when no host has this prefix.
   */
  clientOf(prefix: string): CaClient | undefined {
    const view = this.#watches.find((w) => w.view.prefix === prefix)?.view;
    return view === undefined ? undefined : this.#clients.get(view.addr ?? "");
  }

  /**
   * Resolve once every host either answers with all its values or has timed out.
   *
   * @returns When settled.
   */
  settled(): Promise<void> {
    if (this.#watches.every((w) => w.settled)) return Promise.resolve();
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#settle = resolve;
    return promise;
  }

  #changed(): void {
    if (this.#settle && this.#watches.every((w) => w.settled)) {
      const settle = this.#settle;
      this.#settle = undefined;
      settle();
    }
    this.#onChange?.();
  }

  /** Cancel every monitor and close the clients. */
  async close(): Promise<void> {
    for (const w of this.#watches) w.close();
    await Promise.all([...this.#clients.values()].map((c) => c.close()));
  }
}
