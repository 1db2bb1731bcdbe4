/**
 * supervisord's event-listener protocol. {@linkcode EventParser} is pure (bytes in, events out);
 * {@linkcode runEventListener} is the thin stdin/stdout loop around it. The listener's stdout
 * belongs to the protocol: nothing else may write there.
 *
 * Protocol: the listener writes `READY\n`; supervisord sends one header line of `key:value`
 * tokens ending in `len:<n>`, then exactly `n` payload bytes; the listener answers
 * `RESULT 2\nOK` and writes `READY\n` again for the next event.
 *
 * @module
 */
import { getLogger } from "../log.ts";
import { isProcessStateName, type ProcessStateName } from "./states.ts";

/** What the listener writes when it can take an event. */
export const READY = "READY\n";

/** Largest header line accepted, bytes. */
export const MAX_HEADER_BYTES = 8 * 1024;

/** Largest payload accepted, bytes (PROCESS_STATE payloads are under 200). */
export const MAX_PAYLOAD_BYTES = 1024 * 1024;

/** One event from supervisord. */
export interface ListenerEvent {
  /** Header tokens: ver, server, serial, pool, poolserial, eventname, len. */
  headers: Record<string, string>;
  /** `key:value` tokens of the payload's first line. */
  payloadHeaders: Record<string, string>;
  /** Payload after its first line (empty for PROCESS_STATE events). */
  payloadData: string;
}

/** A PROCESS_STATE_* event in typed form. */
export interface ProcessStateEvent {
  /** Process name. */
  processName: string;
  /** Group name. */
  groupName: string;
  /** State before the transition. */
  fromState: ProcessStateName;
  /** State after the transition (from the event name). */
  toState: ProcessStateName;
  /** Process id (RUNNING, STOPPING, EXITED, STOPPED events). */
  pid: number | undefined;
  /** Whether the exit was expected (EXITED events only). */
  expected: boolean | undefined;
  /** Start attempts (STARTING, RUNNING, BACKOFF, FATAL events). */
  tries: number | undefined;
}

/**
 * The answer that acknowledges an event.
 *
 * @returns `"RESULT 2\nOK"`.
 * @example Usage
 * ```ts
 * import { resultOk } from "./event_listener.ts";
 * resultOk(); // "RESULT 2\nOK"
 * ```
 */
export function resultOk(): string {
  return "RESULT 2\nOK";
}

const NEWLINE = 0x0a;
const decoder = new TextDecoder();

/**
 * Incremental parser of the bytes supervisord writes to a listener's stdin.
 *
 * @example Usage
 * ```ts
 * import { EventParser } from "./event_listener.ts";
 * const parser = new EventParser();
 * const bytes = new TextEncoder().encode("eventname:TICK_5 len:2\nhi");
 * parser.feed(bytes)[0]?.headers.eventname; // "TICK_5"
 * ```
 */
export class EventParser {
  #buf = new Uint8Array(4096);
  #start = 0;
  #end = 0;
  #header: Record<string, string> | undefined;
  #need = 0;

  /** Bytes received but not yet part of a complete event. */
  get pendingBytes(): number {
    return this.#end - this.#start;
  }

  /**
   * Add bytes and return every event they complete.
   *
   * @param chunk Bytes read from stdin.
   * @returns Complete events, in order (may be empty).
   * @throws {Error} When a header line or payload is malformed or exceeds the limits.
   */
  feed(chunk: Uint8Array): ListenerEvent[] {
    this.#append(chunk);
    const events: ListenerEvent[] = [];
    while (true) {
      if (this.#header === undefined) {
        const newline = this.#buf.subarray(this.#start, this.#end).indexOf(NEWLINE);
        if (newline < 0) {
          if (this.pendingBytes > MAX_HEADER_BYTES) {
            throw new Error(`Cannot parse event header: longer than ${MAX_HEADER_BYTES} bytes`);
          }
          break;
        }
        const line = decoder.decode(this.#buf.subarray(this.#start, this.#start + newline));
        this.#start += newline + 1;
        this.#header = parseTokens(line, true);
        this.#need = payloadLength(this.#header, line);
      }
      if (this.pendingBytes < this.#need) break;
      const payload = decoder.decode(this.#buf.subarray(this.#start, this.#start + this.#need));
      this.#start += this.#need;
      const split = payload.indexOf("\n");
      events.push({
        headers: this.#header,
        payloadHeaders: parseTokens(split < 0 ? payload : payload.slice(0, split), false),
        payloadData: split < 0 ? "" : payload.slice(split + 1),
      });
      this.#header = undefined;
      this.#need = 0;
    }
    return events;
  }

  #append(chunk: Uint8Array): void {
    if (this.#end + chunk.length > this.#buf.length) {
      const pending = this.#buf.subarray(this.#start, this.#end);
      const size = Math.max(this.#buf.length, (pending.length + chunk.length) * 2);
      const next = size > this.#buf.length ? new Uint8Array(size) : this.#buf;
      next.set(pending, 0);
      this.#buf = next;
      this.#end = pending.length;
      this.#start = 0;
    }
    this.#buf.set(chunk, this.#end);
    this.#end += chunk.length;
  }
}

/**
 * Read a PROCESS_STATE_* event in typed form.
 *
 * @param event A parsed event.
 * @returns The typed event, or `undefined` for any other event type or an unknown state.
 * @example Usage
 * ```ts
 * import { processStateEvent } from "./event_listener.ts";
 * processStateEvent({
 *   headers: { eventname: "PROCESS_STATE_RUNNING" },
 *   payloadHeaders: { processname: "a", groupname: "a", from_state: "STARTING", pid: "7" },
 *   payloadData: "",
 * })?.pid; // 7
 * ```
 */
export function processStateEvent(event: ListenerEvent): ProcessStateEvent | undefined {
  const name = event.headers.eventname ?? "";
  const prefix = "PROCESS_STATE_";
  if (!name.startsWith(prefix)) return undefined;
  const toState = name.slice(prefix.length);
  const p = event.payloadHeaders;
  const fromState = p.from_state ?? "";
  if (!isProcessStateName(toState) || !isProcessStateName(fromState)) return undefined;
  const int = (v: string | undefined) => (v === undefined ? undefined : Number.parseInt(v, 10));
  return {
    processName: p.processname ?? "",
    groupName: p.groupname ?? "",
    fromState,
    toState,
    pid: int(p.pid),
    expected: p.expected === undefined ? undefined : p.expected === "1",
    tries: int(p.tries),
  };
}

/** A byte source, such as `Deno.stdin`. */
export interface ByteReader {
  /** Read into `p`; resolves to the count, or null at end of input. */
  read(p: Uint8Array): Promise<number | null>;
}

/** A byte sink, such as `Deno.stdout`. */
export interface ByteWriter {
  /** Write some of `p`; resolves to the count written. */
  write(p: Uint8Array): Promise<number>;
}

/** Options for {@linkcode runEventListener}. */
export interface EventListenerOptions {
  /** Where events come from. @default Deno.stdin */
  input?: ByteReader;
  /** Where READY and results go. @default Deno.stdout */
  output?: ByteWriter;
}

/**
 * Serve supervisord's event-listener protocol until stdin ends: write READY, read one event,
 * acknowledge it at once, then hand it to `onEvent` without waiting for it, so supervisord's
 * event buffer never fills. Errors thrown by `onEvent` are logged.
 *
 * @param onEvent Called with each event, after it has been acknowledged.
 * @param options Input and output streams.
 * @returns Resolves when the input ends.
 * @example Usage
 * ```ts ignore
 * await runEventListener((event) => log.info(event.headers.eventname ?? ""));
 * ```
 */
export async function runEventListener(
  onEvent: (event: ListenerEvent) => void | Promise<void>,
  options: EventListenerOptions = {},
): Promise<void> {
  const input = options.input ?? Deno.stdin;
  const output = options.output ?? Deno.stdout;
  const log = getLogger("events");
  const encoder = new TextEncoder();
  const ready = encoder.encode(READY);
  const ok = encoder.encode(resultOk());
  const parser = new EventParser();
  const buffer = new Uint8Array(16 * 1024);
  const pending: ListenerEvent[] = [];
  while (true) {
    await writeAll(output, ready);
    while (pending.length === 0) {
      const n = await input.read(buffer);
      if (n === null) return;
      pending.push(...parser.feed(buffer.subarray(0, n)));
    }
    const event = pending.shift() as ListenerEvent;
    await writeAll(output, ok);
    Promise.resolve()
      .then(() => onEvent(event))
      .catch((error: unknown) => {
        log.error(`Cannot handle event "${event.headers.eventname ?? "?"}": ${error}`);
      });
  }
}

async function writeAll(output: ByteWriter, bytes: Uint8Array): Promise<void> {
  for (let written = 0; written < bytes.length;) {
    written += await output.write(bytes.subarray(written));
  }
}

function parseTokens(line: string, strict: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const token of line.split(" ")) {
    if (token === "") continue;
    const colon = token.indexOf(":");
    if (colon <= 0) {
      // Header lines are always key:value; payload lines of other event types may not be.
      if (!strict) continue;
      throw new Error(`Cannot parse event header token ${JSON.stringify(token)}`);
    }
    out[token.slice(0, colon)] = token.slice(colon + 1);
  }
  return out;
}

function payloadLength(header: Record<string, string>, line: string): number {
  const len = header.len;
  if (len === undefined || !/^\d+$/.test(len)) {
    throw new Error(`Cannot parse event header ${JSON.stringify(line)}: no "len"`);
  }
  const n = Number(len);
  if (n > MAX_PAYLOAD_BYTES) {
    throw new Error(`Cannot accept event payload of ${n} bytes: limit is ${MAX_PAYLOAD_BYTES}`);
  }
  return n;
}
