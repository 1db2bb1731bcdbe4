/**
 * One TCP circuit of the CA client: the socket, the write queue and the ECHO watchdog around a
 * {@linkcode ClientCircuit}.
 *
 * @module
 */

import os from "node:os";
import type { Target } from "./_client_config.ts";
import { ClientCircuit, type ClientEvent } from "./client_circuit.ts";

const READ_BUFFER = 64 * 1024;

/** Options of {@linkcode Link}. */
export interface LinkOptions<C> {
  /** Idle time before probing with ECHO, ms. */
  idleMs: number;
  /** Time an ECHO may go unanswered before the link closes, ms. */
  echoTimeoutMs: number;
  /** Receives the events of every chunk read. */
  onEvents: (link: Link<C>, events: ClientEvent[]) => void;
  /** Called once when the link fails or the server closes it (not after an owner's close). */
  onClose: (link: Link<C>, reason: string) => void;
}

function userName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return "";
  }
}

/**
 * One TCP circuit: socket I/O, write queue and the ECHO watchdog around a
 * {@linkcode ClientCircuit}. It connects at once; `C` is what the owner records per channel.
 *
 * @example Usage
 * ```ts ignore
 * const link = new Link<string>({ host: "127.0.0.1", port: 5064 }, {
 *   idleMs: 30_000,
 *   echoTimeoutMs: 5000,
 *   onEvents: (_link, events) => console.log(events),
 *   onClose: (_link, reason) => console.log(reason),
 * });
 * link.circuit.createChannel(1, "DEMO:TEMP");
 * link.flush();
 * link.close();
 * await link.done;
 * ```
 */
export class Link<C> {
  /** `host:port` of the server. */
  readonly key: string;
  /** The protocol state of the circuit. */
  readonly circuit: ClientCircuit;
  /** The owner's channels on this circuit, by client channel id. */
  readonly channels = new Map<number, C>();
  /** Settles once the socket is closed and the read loop has ended. */
  readonly done: Promise<void>;
  #conn: Deno.TcpConn | undefined;
  #closed = false;
  #retiring = false;
  #writing = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #lastRx = Date.now();
  #echoSentAt: number | undefined;
  #idleMs: number;
  #echoTimeoutMs: number;
  #onEvents: (events: ClientEvent[]) => void;
  #onClose: (reason: string) => void;

  /**
   * Connect to a server; the circuit's handshake is queued at once.
   *
   * @param target The server.
   * @param options Watchdog times and the owner's callbacks.
   */
  constructor(target: Target, options: LinkOptions<C>) {
    this.key = `${target.host}:${target.port}`;
    this.circuit = new ClientCircuit({ user: userName(), host: os.hostname() });
    this.#idleMs = options.idleMs;
    this.#echoTimeoutMs = options.echoTimeoutMs;
    this.#onEvents = (events) => options.onEvents(this, events);
    this.#onClose = (reason) => options.onClose(this, reason);
    this.#arm(this.#idleMs + this.#echoTimeoutMs);
    this.done = this.#run(target);
  }

  /** Write whatever the circuit has queued, once the socket is open. */
  flush(): void {
    if (this.#writing || this.#closed || !this.#conn) return;
    this.#writing = true;
    this.#drain(this.#conn);
  }

  /** Close once everything queued has been written (the owner no longer needs the circuit). */
  retire(): void {
    this.#retiring = true;
    if (!this.#conn) this.close();
    else this.flush();
  }

  /** Close the socket; `reason` goes to the owner (undefined: the owner closed it). */
  close(reason?: string): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    try {
      this.#conn?.close();
    } catch {
      // Already closed by the peer.
    }
    if (reason !== undefined) this.#onClose(reason);
  }

  async #run(target: Target): Promise<void> {
    let conn: Deno.TcpConn;
    try {
      conn = await Deno.connect({ hostname: target.host, port: target.port });
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
    conn.setKeepAlive(true);
    this.flush();
    const buffer = new Uint8Array(READ_BUFFER);
    try {
      while (!this.#closed) {
        const n = await conn.read(buffer);
        if (n === null) break;
        this.#lastRx = Date.now();
        this.#onEvents(this.circuit.recv(buffer.subarray(0, n)));
        this.flush();
      }
      this.close("server closed the connection");
    } catch (error) {
      this.close(error instanceof Error ? error.message : String(error));
    }
  }

  async #drain(conn: Deno.TcpConn): Promise<void> {
    try {
      for (let bytes = this.circuit.takeOutput(); bytes; bytes = this.circuit.takeOutput()) {
        for (let at = 0; at < bytes.length && !this.#closed;) {
          at += await conn.write(bytes.subarray(at));
        }
      }
    } catch (error) {
      this.close(`cannot write: ${error instanceof Error ? error.message : error}`);
    } finally {
      // No await since the last empty takeOutput(), so no output can be stranded here.
      this.#writing = false;
      if (this.#retiring) this.close();
    }
  }

  /** ECHO watchdog: probe after `idleMs` of silence, give up `echoTimeoutMs` after a probe. */
  #arm(delayMs: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#check(), delayMs);
  }

  #check(): void {
    const now = Date.now();
    if (this.#echoSentAt !== undefined && this.#lastRx < this.#echoSentAt) {
      this.close(`no reply to ECHO within ${this.#echoTimeoutMs} ms`);
      return;
    }
    this.#echoSentAt = undefined;
    const silentMs = now - this.#lastRx;
    if (silentMs < this.#idleMs) {
      this.#arm(this.#idleMs - silentMs);
      return;
    }
    if (!this.#conn) {
      this.close("connection not established in time");
      return;
    }
    this.#echoSentAt = now;
    this.circuit.echo();
    this.flush();
    this.#arm(this.#echoTimeoutMs);
  }
}
