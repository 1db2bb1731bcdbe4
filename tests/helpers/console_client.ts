/**
 * A minimal client of a procServ console socket for tests: connects over the unix socket, drops
 * the telnet negotiation procServ sends (IAC sequences), and collects what the console prints.
 *
 * @module
 */

const IAC = 0xff;
const SB = 0xfa;
const SE = 0xf0;

/** Remove telnet commands from a chunk (IAC IAC stays as one 0xff; negotiation is dropped). */
function stripTelnet(bytes: Uint8Array): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b !== IAC) {
      out.push(b);
      continue;
    }
    const command = bytes[i + 1];
    if (command === IAC) {
      out.push(IAC);
      i++;
    } else if (command === SB) {
      // Subnegotiation runs to IAC SE.
      i += 2;
      while (i < bytes.length && !(bytes[i] === IAC && bytes[i + 1] === SE)) i++;
      i++;
    } else if (command !== undefined && command >= 0xfb) {
      i += 2; // WILL, WONT, DO, DONT + option.
    } else {
      i++;
    }
  }
  return new Uint8Array(out);
}

/** One connection to a console socket. */
export class ConsoleClient {
  #conn: Deno.UnixConn;
  #text = "";
  #reading: Promise<void>;

  private constructor(conn: Deno.UnixConn) {
    this.#conn = conn;
    this.#reading = (async () => {
      const decoder = new TextDecoder();
      try {
        for await (const chunk of conn.readable) {
          this.#text += decoder.decode(stripTelnet(chunk), { stream: true });
        }
      } catch {
        // Closed by us.
      }
    })();
  }

  /**
   * Connect to a console socket.
   *
   * @param path The socket path.
   * @returns The client.
   */
  static async connect(path: string): Promise<ConsoleClient> {
    return new ConsoleClient(await Deno.connect({ transport: "unix", path }));
  }

  /** Everything received so far, telnet negotiation removed. */
  get text(): string {
    return this.#text;
  }

  /**
   * Send keys as typed (`"dbl\r"`, `"\x03"`).
   *
   * @param keys The bytes, as a string.
   */
  async send(keys: string): Promise<void> {
    const bytes = new TextEncoder().encode(keys);
    for (let n = 0; n < bytes.length;) n += await this.#conn.write(bytes.subarray(n));
  }

  /**
   * Wait until the received text, after `from` characters, contains `needle`.
   *
   * @param needle Text to wait for.
   * @param from Ignore what came before this offset.
   * @param timeoutMs Give up after this long.
   * @returns The offset just after the match.
   */
  async waitFor(needle: string, from = 0, timeoutMs = 10_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const at = this.#text.indexOf(needle, from);
      if (at >= 0) return at + needle.length;
      if (Date.now() > deadline) {
        throw new Error(
          `Timed out waiting for ${JSON.stringify(needle)} on the console; got ${
            JSON.stringify(this.#text.slice(from))
          }`,
        );
      }
      await new Promise((r) => setTimeout(r, 30));
    }
  }

  /** Close the connection. */
  async close(): Promise<void> {
    try {
      this.#conn.close();
    } catch {
      // Already closed by the server.
    }
    await this.#reading;
  }
}
