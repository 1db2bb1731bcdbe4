/**
 * The byte handling of an attached console, without I/O: procServ speaks telnet on its sockets
 * (it opens with `IAC WILL ECHO`, `IAC DO LINEMODE`; console-notes.md §1.1), so what it sends is
 * stripped of telnet commands before it reaches the terminal, and what the user types is escaped
 * (a data byte 0xFF goes out as `IAC IAC`) and scanned for the detach key, which is never sent.
 *
 * Negotiations are not answered. procServ does not wait for answers and does not change what it
 * sends: the IOC's pty echoes and edits lines whatever the client says (measured with procServ
 * 2.7.0), and the read-only endpoint must never be written to at all.
 *
 * @module
 */

/** Telnet "interpret as command". */
export const IAC = 0xff;
const SE = 240;
const SB = 250;
const WILL = 251;
const DONT = 254;

/** The key that detaches: Ctrl-] (0x1d), as in telnet; IOC shells have no use for it. */
export const DETACH_KEY = 0x1d;

/** How the detach key is named to users. */
export const DETACH_KEY_NAME = "Ctrl-]";

/**
 * procServ's logout key as iocsup configures it (`--logoutcmd ^D`): procServ keeps it from the
 * IOC and closes that client's connection.
 */
export const LOGOUT_KEY = 0x04;

type DecoderState = "data" | "command" | "option" | "subnegotiation" | "subnegotiationIac";

/** Longest subnegotiation kept track of; procServ sends none, so a longer one is junk. */
const MAX_SUBNEGOTIATION = 1024;

/**
 * Strips telnet commands from a byte stream, keeping its state between chunks so a command split
 * across two reads is still recognised.
 *
 * @example Usage
 * ```ts
 * import { TelnetDecoder } from "./session.ts";
 * const decoder = new TelnetDecoder();
 * const data = decoder.decode(new Uint8Array([0x68, 0x69, 0xff, 0xfb, 0x01, 0x0d, 0x0a]));
 * new TextDecoder().decode(data); // "hi\r\n"
 * ```
 */
export class TelnetDecoder {
  #state: DecoderState = "data";
  #subnegotiationLength = 0;

  /**
   * The data bytes of one chunk as read from the socket.
   *
   * @param chunk Bytes received.
   * @returns The bytes to show (a new array; `IAC IAC` becomes one 0xFF).
   */
  decode(chunk: Uint8Array): Uint8Array {
    const out = new Uint8Array(chunk.length);
    let n = 0;
    for (const byte of chunk) {
      switch (this.#state) {
        case "data":
          if (byte === IAC) this.#state = "command";
          else out[n++] = byte;
          break;
        case "command":
          if (byte === IAC) {
            out[n++] = IAC;
            this.#state = "data";
          } else if (byte >= WILL && byte <= DONT) {
            this.#state = "option";
          } else if (byte === SB) {
            this.#state = "subnegotiation";
            this.#subnegotiationLength = 0;
          } else {
            this.#state = "data"; // NOP, GA, AYT…: nothing to show.
          }
          break;
        case "option":
          this.#state = "data";
          break;
        case "subnegotiation":
          if (byte === IAC) this.#state = "subnegotiationIac";
          else if (++this.#subnegotiationLength > MAX_SUBNEGOTIATION) this.#state = "data";
          break;
        case "subnegotiationIac":
          this.#state = byte === SE ? "data" : "subnegotiation";
          break;
        default: {
          const never: never = this.#state;
          throw new Error(`Unknown telnet decoder state ${never}`);
        }
      }
    }
    return out.slice(0, n);
  }
}

/**
 * Escape data for a telnet peer: every 0xFF byte is doubled.
 *
 * @param bytes Data to send.
 * @returns The bytes for the wire (the same array when there is nothing to escape).
 * @example Usage
 * ```ts
 * import { escapeIac } from "./session.ts";
 * escapeIac(new Uint8Array([0x61, 0xff])); // Uint8Array [0x61, 0xff, 0xff]
 * ```
 */
export function escapeIac(bytes: Uint8Array): Uint8Array {
  const count = bytes.reduce((n, b) => n + (b === IAC ? 1 : 0), 0);
  if (count === 0) return bytes;
  const out = new Uint8Array(bytes.length + count);
  let n = 0;
  for (const byte of bytes) {
    out[n++] = byte;
    if (byte === IAC) out[n++] = IAC;
  }
  return out;
}

/** Read-write (the console socket) or read-only (procServ's log port). */
export type ConsoleMode = "rw" | "ro";

/** What one chunk of typed keys amounts to. */
export interface KeysResult {
  /** Bytes for the socket, escaped; empty in read-only mode. */
  send: Uint8Array;
  /** The detach key was typed: send `send`, then detach. */
  detach: boolean;
  /** Bytes typed but not sent: in read-only mode all of them except the detach key. */
  ignored: number;
  /** procServ's logout key is among the bytes sent: it will close the connection. */
  logout: boolean;
}

/**
 * What the user's keys do: the bytes before the detach key go to the console (none in read-only
 * mode); the detach key and anything after it in the same chunk are not sent.
 *
 * @param chunk Bytes read from the terminal (or from piped stdin).
 * @param mode Read-write or read-only.
 * @returns What to send and whether to detach.
 * @example Usage
 * ```ts
 * import { handleKeys } from "./session.ts";
 * const typed = new TextEncoder().encode("dbl\r\x1d");
 * const result = handleKeys(typed, "rw");
 * new TextDecoder().decode(result.send); // "dbl\r"
 * result.detach; // true
 * ```
 */
export function handleKeys(chunk: Uint8Array, mode: ConsoleMode): KeysResult {
  const at = chunk.indexOf(DETACH_KEY);
  const keys = at < 0 ? chunk : chunk.subarray(0, at);
  if (mode === "ro") {
    return { send: new Uint8Array(0), detach: at >= 0, ignored: keys.length, logout: false };
  }
  return { send: escapeIac(keys), detach: at >= 0, ignored: 0, logout: keys.includes(LOGOUT_KEY) };
}
