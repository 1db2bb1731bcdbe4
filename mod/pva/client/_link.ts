/**
 * One TCP connection of the PVA client: the socket, the write loop and the keepalive around a
 * {@linkcode ClientConnection}.
 *
 * @module
 */

import os from "node:os";
import { ClientConnection, type ConnectionEvent } from "./connection.ts";

const READ_BUFFER = 64 * 1024;

/** Options of {@linkcode Link}. */
export interface LinkOptions {
  /** Keepalive ECHO period, ms (stock clients: 15 s, §4.2). */
  echoPeriodMs: number;
  /** Silence after which the link closes, ms (pvxs: 40 s). */
  idleTimeoutMs: number;
  /** Receives the events of every chunk read. */
  onEvents: (link: Link, events: ConnectionEvent[]) => void;
  /** Called once when the link fails or the server closes it (not after an owner's close). */
  onClose: (link: Link, reason: string) => void;
}

function userName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return "";
  }
}

/**
 * A TCP connection to one PVA server; it connects at once.
 *
 * @example Usage
 * ```ts ignore
 * const link = new Link("127.0.0.1:5075", {
 *   echoPeriodMs: 15_000,
 *   idleTimeoutMs: 40_000,
 *   onEvents: (_link, events) => console.log(events),
 *   onClose: (_link, reason) => console.log(reason),
 * });
 * link.connection.createChannel(1, "DEMO:AI");
 * link.flush();
 * link.close();
 * await link.done;
 * ```
 */
export class Link {
  /** `host:port` of the server. */
  readonly key: string;
  /** The protocol state. */
  readonly connection: ClientConnection;
  /** Settles once the socket is closed and the read loop has ended. */
  readonly done: Promise<void>;
  #conn: Deno.TcpConn | undefined;
  #closed = false;
  #writing = false;
  #timer: ReturnType<typeof setInterval>;
  #lastRx = Date.now();
  #options: LinkOptions;

  /**
   * @param key `host:port` of the server.
   * @param options Keepalive times and the owner's callbacks.
   */
  constructor(key: string, options: LinkOptions) {
    this.key = key;
    this.#options = options;
    this.connection = new ClientConnection({ user: userName(), host: os.hostname() });
    this.#timer = setInterval(() => this.#tick(), options.echoPeriodMs);
    const at = key.lastIndexOf(":");
    this.done = this.#run(key.slice(0, at), Number(key.slice(at + 1)));
  }

  /** Write whatever the connection has queued, once the socket is open. */
  flush(): void {
    if (this.#writing || this.#closed || !this.#conn) return;
    this.#writing = true;
    this.#drain(this.#conn);
  }

  /** Close the socket; `reason` goes to the owner (undefined: the owner closed it). */
  close(reason?: string): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    try {
      this.#conn?.close();
    } catch {
      // Already closed by the peer.
    }
    if (reason !== undefined) this.#options.onClose(this, reason);
  }

  async #run(hostname: string, port: number): Promise<void> {
    let conn: Deno.TcpConn;
    try {
      conn = await Deno.connect({ hostname, port });
    } catch (error) {
      this.close(`cannot connect: ${error instanceof Error ? error.message : error}`);
      return;
    }
    if (this.#closed) {
      conn.close();
      return;
    }
    this.#conn = conn;
    conn.setNoDelay(true);
    this.flush();
    const buffer = new Uint8Array(READ_BUFFER);
    try {
      while (!this.#closed) {
        const n = await conn.read(buffer);
        if (n === null) break;
        this.#lastRx = Date.now();
        this.#options.onEvents(this, this.connection.recv(buffer.subarray(0, n)));
        this.flush();
      }
      this.close("server closed the connection");
    } catch (error) {
      this.close(error instanceof Error ? error.message : String(error));
    }
  }

  async #drain(conn: Deno.TcpConn): Promise<void> {
    try {
      for (let b = this.connection.takeOutput(); b; b = this.connection.takeOutput()) {
        for (let at = 0; at < b.length && !this.#closed;) at += await conn.write(b.subarray(at));
      }
    } catch (error) {
      this.close(`cannot write: ${error instanceof Error ? error.message : error}`);
    } finally {
      // No await since the last empty takeOutput(), so no output can be stranded here.
      this.#writing = false;
    }
  }

  /** Keepalive: ECHO every period (the server answers), give up after the idle timeout. */
  #tick(): void {
    if (Date.now() - this.#lastRx >= this.#options.idleTimeoutMs) {
      this.close(`no data from the server for ${this.#options.idleTimeoutMs} ms`);
      return;
    }
    if (!this.connection.ready) return;
    this.connection.echo();
    this.flush();
  }
}
