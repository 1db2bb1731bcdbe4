/**
 * A small Channel Access client: UDP search with back-off, one TCP circuit per server, gets,
 * puts and monitors that survive server restarts. The protocol lives in
 * {@linkcode ClientCircuit}; this file is the public face, the channels, circuits and searches
 * are private modules beside it.
 *
 * @module
 */

import { type CaClientOptions, clientConfig } from "./_client_config.ts";
import {
  type ChannelEntry,
  ClientChannels,
  type ClientLink,
  type MonitorEntry,
  type Waiter,
} from "./_client_channels.ts";
import type { ChannelValue } from "./client_circuit.ts";
import { DBE_ALARM, DBE_VALUE } from "./protocol/commands.ts";
import { ecaName } from "./protocol/status.ts";

export type { CaClientOptions } from "./_client_config.ts";
export type { ChannelValue } from "./client_circuit.ts";

/** Options of {@linkcode CaClient.monitor}. */
export interface MonitorOptions {
  /** Called with true when the channel connects and false when it disconnects. */
  onConnection?: (connected: boolean) => void;
  /** DBE_* event mask. @default DBE_VALUE | DBE_ALARM */
  mask?: number;
}

/** A running monitor. */
export interface Monitor {
  /** Stop the monitor; no callback runs afterwards. */
  cancel(): void;
}

/**
 * A Channel Access client.
 *
 * @example Usage
 * ```ts ignore
 * const client = new CaClient({ addrList: "127.0.0.1", autoAddrList: false });
 * const { value } = await client.get("DEMO:TEMP", { timeoutMs: 2000 });
 * const monitor = client.monitor("DEMO:TEMP", (v) => console.log(v.value));
 * monitor.cancel();
 * await client.close();
 * ```
 */
export class CaClient {
  #channels: ClientChannels;
  #closers = new Set<() => void>();
  #closed = false;

  /**
   * Create a client; it searches only once a PV is used.
   *
   * @param options Search addresses, ports and timers; defaults come from the environment.
   */
  constructor(options: CaClientOptions = {}) {
    this.#channels = new ClientChannels(clientConfig(options));
  }

  /**
   * Read a PV once (DBR_TIME of its native type; enums as indices).
   *
   * @param name PV name.
   * @param options `timeoutMs` for finding, connecting and reading. @default 5000
   * @returns The value, alarm and time stamp.
   */
  get(name: string, options: { timeoutMs?: number } = {}): Promise<ChannelValue> {
    return this.#whenConnected(
      name,
      options.timeoutMs ?? 5000,
      "get",
      (entry, link, cid, settle) => {
        const ioid = link.circuit.read(cid);
        entry.reads.set(ioid, (event) => {
          if (event.kind === "ReadDone") settle(() => event.value);
          else if (event.kind === "ReadFailed") {
            settle(() => {
              throw new Error(`Cannot get "${name}": ${ecaName(event.eca)}`);
            });
          }
        });
        link.flush();
        return false;
      },
    );
  }

  /**
   * Write a PV without waiting for completion (CA WRITE). Strings are sent as DBR_STRING and
   * numbers as DBR_DOUBLE; the server converts them.
   *
   * @param name PV name.
   * @param value A scalar or an array.
   * @param options `timeoutMs` for finding and connecting. @default 5000
   * @returns Once the write is queued on the circuit.
   */
  put(
    name: string,
    value: number | string | readonly number[] | readonly string[],
    options: { timeoutMs?: number } = {},
  ): Promise<void> {
    const values = (Array.isArray(value) ? value : [value]) as
      | readonly number[]
      | readonly string[];
    return this.#whenConnected(name, options.timeoutMs ?? 5000, "put", (_e, link, cid, settle) => {
      link.circuit.write(cid, values);
      link.flush();
      settle(() => undefined);
      return true;
    });
  }

  /**
   * Subscribe to a PV (DBR_TIME of its native type, all elements). The callback gets the value at
   * once and then every change; after a disconnection the monitor resubscribes by itself.
   *
   * @param name PV name.
   * @param callback Receives each value.
   * @param options Connection callback and event mask.
   * @returns A handle to cancel the monitor.
   */
  monitor(
    name: string,
    callback: (value: ChannelValue) => void,
    options: MonitorOptions = {},
  ): Monitor {
    if (this.#closed) throw new Error(`Cannot monitor "${name}": client is closed`);
    const entry = this.#channels.acquire(name);
    const m: MonitorEntry = {
      callback,
      onConnection: options.onConnection,
      mask: options.mask ?? DBE_VALUE | DBE_ALARM,
      subid: undefined,
    };
    entry.monitors.add(m);
    if (entry.state === "connected" && entry.link) {
      const link = entry.link;
      queueMicrotask(() => {
        if (entry.monitors.has(m) && entry.link === link && m.subid === undefined) {
          this.#channels.subscribe(entry, link, m);
        }
      });
    }
    return {
      cancel: () => {
        if (!entry.monitors.delete(m)) return;
        if (m.subid !== undefined && entry.link) {
          entry.link.circuit.unsubscribe(m.subid);
          entry.link.flush();
        }
        this.#channels.release(entry);
      },
    };
  }

  /** Close every circuit and the search socket; pending gets and puts are rejected. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const done = this.#channels.close();
    for (const reject of [...this.#closers]) reject();
    await done;
  }

  #whenConnected<T>(
    name: string,
    timeoutMs: number,
    what: string,
    onConnected: (
      entry: ChannelEntry,
      link: ClientLink,
      cid: number,
      settle: (result: () => T) => void,
    ) => boolean,
  ): Promise<T> {
    if (this.#closed) {
      return Promise.reject(new Error(`Cannot ${what} "${name}": client is closed`));
    }
    const { promise, resolve, reject } = Promise.withResolvers<T>();
    const entry = this.#channels.acquire(name);
    let timer: ReturnType<typeof setTimeout> | undefined = undefined;
    const settle = (result: () => T) => {
      if (!entry.waiters.delete(waiter)) return;
      clearTimeout(timer);
      this.#closers.delete(closed);
      this.#channels.release(entry);
      try {
        resolve(result());
      } catch (error) {
        reject(error);
      }
    };
    const closed = () =>
      settle(() => {
        throw new Error(`Cannot ${what} "${name}": client is closed`);
      });
    const waiter: Waiter = { onConnected: (link, cid) => onConnected(entry, link, cid, settle) };
    entry.waiters.add(waiter);
    this.#closers.add(closed);
    timer = setTimeout(() => {
      const why = entry.state === "searching"
        ? "no server answered the search"
        : entry.state === "connecting"
        ? "the server did not create the channel"
        : "no reply";
      settle(() => {
        throw new Error(`Cannot ${what} "${name}": ${why} within ${timeoutMs} ms`);
      });
    }, timeoutMs);
    if (entry.state === "connected" && entry.link) {
      if (onConnected(entry, entry.link, entry.cid, settle)) entry.waiters.delete(waiter);
    }
    return promise;
  }
}
