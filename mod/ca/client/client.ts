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
import { DBE_ALARM, DBE_VALUE } from "../protocol/commands.ts";
import { DBR_ENUM } from "../protocol/dbr_codes.ts";
import { ECA_NOWTACCESS, ecaName } from "../protocol/status.ts";

export type { CaClientOptions } from "./_client_config.ts";
export type { ChannelValue } from "./client_circuit.ts";

/** Options of {@linkcode CaClient.monitor}. */
export interface MonitorOptions {
  /** Called with true when the channel connects and false when it disconnects. */
  onConnection?: (connected: boolean) => void;
  /** DBE_* event mask. @default DBE_VALUE | DBE_ALARM */
  mask?: number;
  /** Receive enums as their state strings (DBR_TIME_STRING), as camonitor shows them. @default false */
  enumAsString?: boolean;
}

/** Options of {@linkcode CaClient.get}. */
export interface GetOptions {
  /** Time for finding, connecting and reading, ms. @default 5000 */
  timeoutMs?: number;
  /** Read enums as their state strings (DBR_TIME_STRING), as caget shows them. @default false */
  enumAsString?: boolean;
}

/** Options of {@linkcode CaClient.put}. */
export interface PutOptions {
  /** Time for finding, connecting and the server's answer, ms. @default 5000 */
  timeoutMs?: number;
  /** Put with callback (WRITE_NOTIFY): settle once the server reports completion. @default false */
  wait?: boolean;
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
   * Read a PV once (DBR_TIME of its native type; enums as indices unless `enumAsString`).
   *
   * @param name PV name.
   * @param options `timeoutMs` for finding, connecting and reading (default 5000);
   *   `enumAsString` reads enums as their state strings (DBR_TIME_STRING, as caget shows them).
   * @returns The value, alarm and time stamp.
   */
  get(name: string, options: GetOptions = {}): Promise<ChannelValue> {
    return this.#whenConnected(
      name,
      options.timeoutMs ?? 5000,
      "get",
      (entry, link, cid, settle) => {
        const asString = options.enumAsString === true &&
          link.circuit.channel(cid)?.nativeType === DBR_ENUM;
        const ioid = link.circuit.read(cid, { asString });
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
   * Write a PV. Strings are sent as DBR_STRING and numbers as DBR_DOUBLE; the server converts
   * them. Without `wait` it is a CA WRITE followed by a read on the same circuit: the promise
   * settles once the server has handled the write (servers handle a circuit's requests in order),
   * rejecting when it refused it. With `wait` it is a put with callback (WRITE_NOTIFY), settled
   * when the server reports the put completed.
   *
   * @param name PV name.
   * @param value A scalar or an array.
   * @param options `timeoutMs` for finding, connecting and the answer (default 5000); `wait`.
   * @returns Once the server has handled (or, with `wait`, completed) the put.
   * @throws {Error} `Cannot put "NAME": ECA_…[: server text]` when refused, on time-out, or when
   *   the channel disconnects before the answer.
   */
  put(
    name: string,
    value: number | string | readonly number[] | readonly string[],
    options: PutOptions = {},
  ): Promise<void> {
    const values = (Array.isArray(value) ? value : [value]) as
      | readonly number[]
      | readonly string[];
    let sent = false;
    let onError: ((event: { eca: number; text: string }) => void) | undefined;
    const fail = (eca: number, text: string) => {
      throw new Error(`Cannot put "${name}": ${ecaName(eca)}${text ? `: ${text}` : ""}`);
    };
    return this.#whenConnected(
      name,
      options.timeoutMs ?? 5000,
      "put",
      (entry, link, cid, settle) => {
        if (sent) {
          settle(() => {
            throw new Error(`Cannot put "${name}": the channel disconnected before the answer`);
          });
          return false;
        }
        sent = true;
        if (((link.circuit.channel(cid)?.rights ?? 0) & 2) === 0) {
          // libca refuses locally too (ca_array_put returns ECA_NOWTACCESS).
          settle(() => fail(ECA_NOWTACCESS, "no write access"));
          return false;
        }
        if (options.wait) {
          const ioid = link.circuit.writeNotify(cid, values);
          entry.writes.set(ioid, (event) => {
            if (event.kind === "WriteDone") settle(() => undefined);
            else if (event.kind === "WriteFailed") settle(() => fail(event.eca, event.text));
          });
        } else {
          link.circuit.write(cid, values);
          onError = (event) => settle(() => fail(event.eca, event.text));
          entry.errors.add(onError);
          // Any answer to the read means the write before it was handled (a failed read too).
          entry.reads.set(link.circuit.read(cid), () => settle(() => undefined));
        }
        link.flush();
        return false;
      },
      (entry) => {
        if (onError) entry.errors.delete(onError);
      },
    );
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
      enumAsString: options.enumAsString ?? false,
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
    cleanup?: (entry: ChannelEntry) => void,
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
      cleanup?.(entry);
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
