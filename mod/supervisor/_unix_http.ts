/**
 * The transport under the XML-RPC client: one HTTP/1.0 request per connection to supervisord's
 * unix socket, with one deadline over connect, write and read.
 *
 * @module
 */
import { NotRunningError } from "../errors.ts";

const decoder = new TextDecoder();

/**
 * supervisord accepted the connection (or the socket exists) but sent no answer in time: it is
 * stopped (SIGSTOP), stuck, or overloaded. Not a {@linkcode NotRunningError}: it may still run
 * the IOCs, so nothing may be started beside it.
 */
export class SupervisorTimeoutError extends Error {
  /** The socket that did not answer. */
  readonly socketPath: string;
  /** How long the call waited, ms. */
  readonly timeoutMs: number;
  /**
   * @param socketPath The socket that did not answer.
   * @param timeoutMs How long the call waited, ms.
   * @param options Standard error options (`cause`).
   */
  constructor(socketPath: string, timeoutMs: number, options?: ErrorOptions) {
    super(
      `supervisord does not answer on ${socketPath} (after ${formatSeconds(timeoutMs)} s)`,
      options,
    );
    this.name = "SupervisorTimeoutError";
    this.socketPath = socketPath;
    this.timeoutMs = timeoutMs;
  }
}

/** Options for {@linkcode exchange}. */
export interface ExchangeOptions {
  /** Give up after this many ms (connect, write and read together). @default no limit */
  timeoutMs?: number | undefined;
  /** Largest response accepted, bytes. */
  maxResponseBytes: number;
}

/**
 * Send one HTTP/1.0 request over a unix socket and read the whole response (until the server
 * closes the connection).
 *
 * @param socket Socket path.
 * @param request The request bytes.
 * @param options Deadline and response limit.
 * @returns The response bytes.
 * @throws {NotRunningError} When nothing listens on the socket.
 * @throws {SupervisorTimeoutError} When the deadline passes.
 */
export async function exchange(
  socket: string,
  request: Uint8Array,
  options: ExchangeOptions,
): Promise<Uint8Array> {
  const { timeoutMs } = options;
  // One deadline covers connect, write and read: a stopped supervisord still lets the kernel
  // accept connections into its backlog, so only the read would hang otherwise.
  let conn: Deno.UnixConn | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let timedOut = false;
  const expired = new Promise<never>((_resolve, reject) => {
    if (timeoutMs === undefined) return;
    timer = setTimeout(() => {
      timedOut = true;
      conn?.close();
      reject(new SupervisorTimeoutError(socket, timeoutMs));
    }, timeoutMs);
  });
  // Only ever rejected; a rejection after the call finished must not be unhandled.
  expired.catch(() => {});
  try {
    const connecting = connect(socket);
    // A connection that completes after the deadline is closed at once.
    connecting.then((late) => timedOut && late.close(), () => {});
    conn = await Promise.race([connecting, expired]);
    return await Promise.race([roundTrip(conn, request, options.maxResponseBytes), expired]);
  } catch (error) {
    if (timedOut && !(error instanceof SupervisorTimeoutError)) {
      throw new SupervisorTimeoutError(socket, timeoutMs!, { cause: error });
    }
    throw error;
  } finally {
    clearTimeout(timer);
    if (!timedOut) conn?.close();
  }
}

async function connect(socket: string): Promise<Deno.UnixConn> {
  try {
    return await Deno.connect({ transport: "unix", path: socket });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.ConnectionRefused) {
      throw new NotRunningError(
        `supervisord is not running: nothing answers at "${socket}"`,
        { cause: error },
      );
    }
    throw error;
  }
}

async function roundTrip(
  conn: Deno.UnixConn,
  request: Uint8Array,
  maxResponse: number,
): Promise<Uint8Array> {
  for (let written = 0; written < request.length;) {
    written += await conn.write(request.subarray(written));
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  const buffer = new Uint8Array(64 * 1024);
  while (true) {
    const n = await conn.read(buffer);
    if (n === null) break;
    total += n;
    if (total > maxResponse) {
      throw new Error(`Cannot read supervisord's answer: more than ${maxResponse} bytes`);
    }
    chunks.push(buffer.slice(0, n));
  }
  return concat(chunks);
}

function formatSeconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}

/** Split an HTTP response into status code and body text. */
export function parseHttpResponse(
  bytes: Uint8Array,
  method: string,
): { status: number; text: string } {
  const text = decoder.decode(bytes);
  const end = text.indexOf("\r\n\r\n");
  const statusLine = /^HTTP\/\d\.\d (\d{3})/.exec(text);
  if (end < 0 || statusLine === null) {
    throw new Error(`Cannot call ${method}: supervisord sent no valid HTTP response`);
  }
  return { status: Number(statusLine[1]), text: text.slice(end + 4) };
}

/** Concatenate byte chunks. */
export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
