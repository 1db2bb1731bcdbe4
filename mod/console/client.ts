/**
 * One attached console session: bytes from procServ's socket go to the terminal (telnet commands
 * stripped), keys from the terminal go to the socket (escaped, never the detach key; nothing at
 * all in read-only mode), until the user detaches, input ends (and the console has then been quiet
 * for {@linkcode INPUT_END_QUIET_MS}), the socket closes or the caller aborts. Terminal modes and messages are the caller's (cmd/attach.ts).
 *
 * @module
 */
import { type ConsoleMode, handleKeys, TelnetDecoder } from "./session.ts";

/**
 * Why a session ended: the detach key, the end of piped input, stdout gone (a closed pipe),
 * procServ logging the session out
 * after its logout key was sent, the console closing otherwise (procServ exited, with its IOC),
 * or the caller's abort signal.
 */
export type SessionEnd =
  | "detach-key"
  | "input-closed"
  | "output-closed"
  | "logged-out"
  | "console-closed"
  | "aborted";

/** Something keys can be read from (`Deno.stdin`). */
export interface KeySource {
  /** Read into `buffer`; the count read, or null at end of input. */
  read(buffer: Uint8Array): Promise<number | null>;
}

/** Options of {@linkcode runConsoleSession}. */
export interface ConsoleSessionOptions {
  /** Read-write or read-only: read-only never writes to the socket. */
  mode: ConsoleMode;
  /** Where keys come from. */
  input: KeySource;
  /** Receives what the console shows, telnet commands stripped. */
  output: (bytes: Uint8Array) => void;
  /** Ends the session (signals). */
  signal: AbortSignal;
  /** Called once, at the first key ignored in read-only mode. */
  onFirstIgnoredKey?: () => void;
}

/**
 * Run a session on a connected console socket. The socket is closed when it ends; a read of
 * `input` still pending then is left pending (stdin reads cannot be cancelled), so the caller
 * exits soon after.
 *
 * @param conn The connected unix socket.
 * @param options Mode, input, output and abort signal.
 * @returns Why it ended.
 * @example Usage
 * ```ts ignore
 * const conn = await Deno.connect({ transport: "unix", path: "/srv/state/run/console/pump.sock" });
 * const end = await runConsoleSession(conn, {
 *   mode: "rw",
 *   input: Deno.stdin,
 *   output: (bytes) => Deno.stdout.writeSync(bytes),
 *   signal: new AbortController().signal,
 * });
 * ```
 */
export async function runConsoleSession(
  conn: Deno.Conn,
  options: ConsoleSessionOptions,
): Promise<SessionEnd> {
  const done = new AbortController();
  const sent = { logout: false };
  const shown = { at: performance.now() };
  const shownUntilEnd = showConsole(conn, options.output, shown, done.signal);
  const abortedByCaller = aborted(options.signal, done.signal);
  let end = await Promise.race([
    shownUntilEnd,
    sendKeys(conn, options, sent, done.signal),
    abortedByCaller,
  ]);
  if (end === "input-closed") {
    // Piped commands (`printf 'dbl\n' | iocsup attach ioc`): show their answers before leaving.
    end = await Promise.race([quiet(shown), shownUntilEnd, abortedByCaller]);
  }
  done.abort();
  try {
    conn.close();
  } catch {
    // Already closed by the peer.
  }
  // The socket loop ends once the socket is closed; the key loop may wait on stdin forever.
  await Promise.all([shownUntilEnd, abortedByCaller]);
  // procServ closes a connection itself only on its logout key, or when it exits.
  return end === "console-closed" && sent.logout ? "logged-out" : end;
}

/** After piped input ends, the session stays until the console was quiet this long… */
export const INPUT_END_QUIET_MS = 500;
/** …but no longer than this after the input ended. */
export const INPUT_END_MAX_MS = 10_000;

async function quiet(shown: { at: number }): Promise<SessionEnd> {
  const deadline = performance.now() + INPUT_END_MAX_MS;
  shown.at = Math.max(shown.at, performance.now());
  while (true) {
    const now = performance.now();
    const left = Math.min(shown.at + INPUT_END_QUIET_MS, deadline) - now;
    if (left <= 0) return "input-closed";
    await new Promise((resolve) => setTimeout(resolve, left));
  }
}

async function showConsole(
  conn: Deno.Conn,
  output: (bytes: Uint8Array) => void,
  shown: { at: number },
  done: AbortSignal,
): Promise<SessionEnd> {
  const telnet = new TelnetDecoder();
  const buffer = new Uint8Array(16 * 1024);
  while (!done.aborted) {
    let n: number | null;
    try {
      n = await conn.read(buffer);
    } catch {
      n = null; // Reset by the peer, or closed by us after the session ended.
    }
    if (n === null) break;
    const data = telnet.decode(buffer.subarray(0, n));
    if (data.length === 0 || done.aborted) continue;
    shown.at = performance.now();
    try {
      output(data);
    } catch {
      return "output-closed"; // e.g. `iocsup attach x | head` after head exited.
    }
  }
  return "console-closed";
}

async function sendKeys(
  conn: Deno.Conn,
  options: ConsoleSessionOptions,
  sent: { logout: boolean },
  done: AbortSignal,
): Promise<SessionEnd> {
  const buffer = new Uint8Array(4096);
  let warned = false;
  while (!done.aborted) {
    const n = await options.input.read(buffer);
    if (done.aborted) break;
    if (n === null) return "input-closed";
    const keys = handleKeys(buffer.subarray(0, n), options.mode);
    if (keys.ignored > 0 && !warned) {
      warned = true;
      options.onFirstIgnoredKey?.();
    }
    sent.logout ||= keys.logout;
    try {
      for (let sent = 0; sent < keys.send.length;) {
        sent += await conn.write(keys.send.subarray(sent));
      }
    } catch {
      return "console-closed";
    }
    if (keys.detach) return "detach-key";
  }
  return "aborted";
}

function aborted(signal: AbortSignal, done: AbortSignal): Promise<SessionEnd> {
  return new Promise((resolve) => {
    const end = (reason: SessionEnd) => {
      signal.removeEventListener("abort", onAbort);
      done.removeEventListener("abort", onDone);
      resolve(reason);
    };
    const onAbort = () => end("aborted");
    const onDone = () => end("aborted");
    if (signal.aborted) return end("aborted");
    signal.addEventListener("abort", onAbort, { once: true });
    done.addEventListener("abort", onDone, { once: true });
  });
}
