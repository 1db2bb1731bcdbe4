/**
 * A small pvAccess client: UDP search with back-off, one TCP connection per server, gets, puts
 * and monitors that survive server restarts. The protocol of a connection lives in
 * {@linkcode ClientConnection}; this file is the public face.
 *
 * @module
 */

import { getLogger } from "../../log.ts";
import { pvRequestFromString, type TypedValue } from "../protocol/mod.ts";
import { type ChannelEntry, type ChannelUser, ClientChannels } from "./_channels.ts";
import { pvaClientConfig, type PvaClientOptions } from "./_config.ts";
import type { Link } from "./_link.ts";
import { type PutInput, type PvaValue, simpleValue } from "./values.ts";

export type { PvaClientOptions } from "./_config.ts";

const log = getLogger("pva-client");

/** Options of {@linkcode PvaClient.get}. */
export interface PvaGetOptions {
  /** Time for finding, connecting and reading, ms. @default 5000 */
  timeoutMs?: number;
  /** pvRequest text, e.g. `field(value,alarm)`; `""` reads every field. @default "" */
  request?: string;
}

/** Options of {@linkcode PvaClient.put}. */
export interface PvaPutOptions {
  /** Time for finding, connecting and the server's answer, ms. @default 5000 */
  timeoutMs?: number;
  /** pvRequest text, e.g. `record[block=true]`. @default "" */
  request?: string;
}

/** Options of {@linkcode PvaClient.monitor}. */
export interface PvaMonitorOptions {
  /** Called with true when the channel connects and false when it disconnects. */
  onConnection?: (connected: boolean) => void;
  /** pvRequest text; `""` monitors every field. @default "" */
  request?: string;
  /** Ask for flow control (`record[pipeline=true,queueSize=N]`) and ack updates. @default false */
  pipeline?: boolean;
  /** Window for `pipeline`. @default 4 */
  queueSize?: number;
}

/** A running monitor. */
export interface PvaMonitor {
  /** Stop the monitor; no callback runs afterwards. */
  cancel(): void;
}

type Settle<T> = (result: () => T) => void;

/**
 * A pvAccess client.
 *
 * @example Usage
 * ```ts ignore
 * const client = new PvaClient({ addrList: "127.0.0.1", autoAddrList: false });
 * const { value } = await client.get("DEMO:AI", { timeoutMs: 2000 });
 * await client.put("DEMO:MODE", "Run");
 * const monitor = client.monitor("DEMO:AI", (v) => console.log(v.value));
 * monitor.cancel();
 * await client.close();
 * ```
 */
export class PvaClient {
  #channels: ClientChannels;
  #closers = new Set<() => void>();
  #closed = false;

  /**
   * Create a client; it searches only once a PV is used.
   *
   * @param options Search addresses, ports and timers; defaults come from the environment.
   */
  constructor(options: PvaClientOptions = {}) {
    this.#channels = new ClientChannels(pvaClientConfig(options));
  }

  /**
   * Read a PV once.
   *
   * @param name PV name.
   * @param options `timeoutMs` (default 5000) and a pvRequest (`request`, e.g. `field(value)`).
   * @returns The value with alarm, time stamp and display; enums as `{ index, choices }`.
   * @throws {Error} `Cannot get "NAME": …` on time-out or when the server refuses the request.
   */
  get(name: string, options: PvaGetOptions = {}): Promise<PvaValue> {
    const pvRequest = request(options.request);
    return this.#operate<PvaValue>(name, "get", options.timeoutMs ?? 5000, {
      start: (link, sid, settle) => {
        const ioid = link.connection.get(sid, pvRequest);
        this.#channels.track(link, ioid, (e) => {
          if (e.kind === "GetDone") settle(() => simpleValue(e.type, e.value));
          else if (e.kind === "OpFailed") settle(() => fail("get", name, e.message));
        });
        link.flush();
        return ioid;
      },
      // A read lost with its connection is simply sent again once the channel reconnects.
      lost: () => undefined,
    });
  }

  /**
   * Write a PV's value: a number or string converted to the field's type, an array, or for an
   * enum its choice string or index. Settles when the server has answered.
   *
   * @param name PV name.
   * @param value What to write.
   * @param options `timeoutMs` (default 5000) and a pvRequest.
   * @returns Once the server has accepted the put.
   * @throws {Error} `Cannot put "NAME": MESSAGE` with the server's status message (e.g. "Put
   *   not permitted"), on a value that does not fit, on time-out, or when the connection is lost
   *   before the answer.
   */
  put(name: string, value: PutInput, options: PvaPutOptions = {}): Promise<void> {
    const pvRequest = request(options.request);
    return this.#operate<void>(name, "put", options.timeoutMs ?? 5000, {
      start: (link, sid, settle) => {
        const ioid = link.connection.put(sid, value, { name, pvRequest });
        this.#channels.track(link, ioid, (e) => {
          if (e.kind === "PutDone") settle(() => undefined);
          else if (e.kind === "OpFailed") settle(() => fail("put", name, e.message));
        });
        link.flush();
        return ioid;
      },
      lost: (settle) =>
        settle(() => fail("put", name, "the connection was lost before the answer")),
    });
  }

  /**
   * Subscribe to a PV. The callback gets the whole value at once and then after every change
   * (the changed fields merged into the last value); after a disconnection the monitor
   * subscribes again by itself.
   *
   * @param name PV name.
   * @param callback Receives each value.
   * @param options Connection callback, pvRequest and flow control.
   * @returns A handle to cancel the monitor.
   */
  monitor(
    name: string,
    callback: (value: PvaValue) => void,
    options: PvaMonitorOptions = {},
  ): PvaMonitor {
    if (this.#closed) throw new Error(`Cannot monitor "${name}": client is closed`);
    const queueSize = options.queueSize ?? 4;
    const text = options.pipeline
      ? `record[pipeline=true,queueSize=${queueSize}]${options.request ?? ""}`
      : options.request;
    const pvRequest = request(text);
    const entry = this.#channels.acquire(name);
    let running: { link: Link; ioid: number } | undefined;
    const user: ChannelUser = {
      connected: (link, sid) => {
        const ioid = link.connection.monitor(sid, pvRequest, {
          pipeline: options.pipeline ?? false,
          queueSize,
        });
        running = { link, ioid };
        this.#channels.track(link, ioid, (e) => {
          if (e.kind === "MonitorData") callback(simpleValue(e.type, e.value));
          else if (e.kind === "OpFailed") log.warn(`Monitor of "${name}" ended: ${e.message}`);
        });
        link.flush();
        options.onConnection?.(true);
      },
      disconnected: () => {
        running = undefined;
        options.onConnection?.(false);
      },
    };
    entry.users.add(user);
    if (entry.state === "connected" && entry.link) user.connected(entry.link, entry.sid);
    return {
      cancel: () => {
        if (!entry.users.delete(user)) return;
        if (running) {
          this.#channels.forget(running.link, running.ioid);
          running.link.connection.cancel(running.ioid);
          running.link.flush();
        }
        this.#channels.release(entry);
      },
    };
  }

  /** Close every connection and the search socket; pending gets and puts are rejected. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const reject of [...this.#closers]) reject();
    await this.#channels.close();
  }

  #operate<T>(
    name: string,
    what: string,
    timeoutMs: number,
    steps: {
      start: (link: Link, sid: number, settle: Settle<T>) => number;
      lost: (settle: Settle<T>) => void;
    },
  ): Promise<T> {
    if (this.#closed) {
      return Promise.reject(new Error(`Cannot ${what} "${name}": client is closed`));
    }
    const { promise, resolve, reject } = Promise.withResolvers<T>();
    const entry: ChannelEntry = this.#channels.acquire(name);
    let running: { link: Link; ioid: number } | undefined;
    let done = false;
    const settle: Settle<T> = (result) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      entry.users.delete(user);
      this.#closers.delete(closed);
      if (running) {
        this.#channels.forget(running.link, running.ioid);
        // Ends the operation on the server if it is still running (no-op when it finished).
        running.link.connection.cancel(running.ioid);
        running.link.flush();
      }
      this.#channels.release(entry);
      try {
        resolve(result());
      } catch (error) {
        reject(error);
      }
    };
    const user: ChannelUser = {
      connected: (link, sid) => {
        running = { link, ioid: steps.start(link, sid, settle) };
      },
      disconnected: () => {
        running = undefined;
        steps.lost(settle);
      },
    };
    const closed = () => settle(() => fail(what, name, "client is closed"));
    const timer = setTimeout(() => {
      const why = entry.state === "searching"
        ? "no server answered the search"
        : entry.state === "connecting"
        ? "the server did not create the channel"
        : "no reply";
      settle(() => fail(what, name, `${why} within ${timeoutMs} ms`));
    }, timeoutMs);
    this.#closers.add(closed);
    entry.users.add(user);
    if (entry.state === "connected" && entry.link) user.connected(entry.link, entry.sid);
    return promise;
  }
}

function request(text: string | undefined): TypedValue {
  return pvRequestFromString(text ?? "");
}

function fail(what: string, name: string, why: string): never {
  throw new Error(`Cannot ${what} "${name}": ${why}`);
}
