/**
 * The fleet as server-sent events: every browser gets the whole fleet when it connects (and
 * reconnects), then only the hosts that changed, from the one {@linkcode FleetModel} all browsers
 * share. Changes are coalesced, so a fleet whose uptimes all tick every second costs at most
 * {@linkcode FEED_INTERVAL_MS}-spaced pushes however many monitors fire.
 *
 * Events: `fleet` `{control, hosts: [host…]}` on connect; `hosts` `{"<index>": host, …}` after;
 * a `ping` every {@linkcode PING_INTERVAL_MS} so proxies keep an idle stream open and the page
 * can tell a dead stream from a quiet fleet (a comment would not reach the page's script).
 *
 * @module
 */
import type { FleetHostView } from "../model.ts";

/** Shortest time between two pushes, ms (at most 5 a second). */
export const FEED_INTERVAL_MS = 200;

/** Time between keep-alive `ping` events, ms. */
export const PING_INTERVAL_MS = 15_000;

/** A browser that reads this much behind is dropped; its EventSource reconnects. */
const MAX_BACKLOG_BYTES = 8 << 20;

const encoder = new TextEncoder();

/** What the feed reads: the model's hosts, in fleet.yaml order. */
export interface FeedSource {
  /** The hosts as last heard. */
  readonly hosts: readonly FleetHostView[];
}

/** Server-sent events of a fleet, shared by every connected browser. */
export class FleetFeed {
  readonly #source: FeedSource;
  readonly #control: boolean;
  readonly #clients = new Set<ReadableStreamDefaultController<Uint8Array>>();
  /** Each host's JSON as last pushed (or computed, while nobody listens). */
  #sent: string[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #ping: ReturnType<typeof setInterval> | undefined;

  /**
   * @param source The model.
   * @param control Whether the page may show control buttons (told to it in `fleet`).
   */
  constructor(source: FeedSource, control: boolean) {
    this.#source = source;
    this.#control = control;
  }

  /** Note that the model changed: push within {@linkcode FEED_INTERVAL_MS}. */
  changed(): void {
    // Nobody listening: nothing to do; the next browser gets a fresh snapshot anyway.
    if (this.#timer !== undefined || this.#clients.size === 0) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#push();
    }, FEED_INTERVAL_MS);
  }

  /**
   * A new browser's stream: `fleet` now, then `hosts` as they change.
   *
   * @returns The response body for `text/event-stream`.
   */
  open(): ReadableStream<Uint8Array> {
    let self: ReadableStreamDefaultController<Uint8Array> | undefined;
    return new ReadableStream<Uint8Array>({
      start: (controller) => {
        // Bring the others up to date first, so #sent is the fleet as it is now.
        this.#push();
        self = controller;
        this.#clients.add(controller);
        const hosts = `[${this.#sent.join(",")}]`;
        controller.enqueue(
          encoder.encode(`event: fleet\ndata: {"control":${this.#control},"hosts":${hosts}}\n\n`),
        );
        this.#ping ??= setInterval(() => this.#send("event: ping\ndata: {}\n\n"), PING_INTERVAL_MS);
      },
      cancel: () => {
        if (self !== undefined) this.#drop(self);
      },
    }, { highWaterMark: MAX_BACKLOG_BYTES, size: (chunk) => chunk.byteLength });
  }

  /** End every stream and stop the timers. */
  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const c of [...this.#clients]) {
      this.#drop(c);
      try {
        c.close();
      } catch { /* already closed by the browser */ }
    }
  }

  #push(): void {
    const changed: string[] = [];
    const hosts = this.#source.hosts;
    hosts.forEach((host, i) => {
      const json = JSON.stringify(host);
      if (json === this.#sent[i]) return;
      this.#sent[i] = json;
      changed.push(`"${i}":${json}`);
    });
    this.#sent.length = hosts.length;
    if (changed.length > 0) this.#send(`event: hosts\ndata: {${changed.join(",")}}\n\n`);
  }

  #send(text: string): void {
    if (this.#clients.size === 0) return;
    const bytes = encoder.encode(text);
    for (const c of [...this.#clients]) {
      if ((c.desiredSize ?? 0) <= 0) {
        // A browser that stopped reading (suspended tab, dead link): drop it rather than
        // buffer without bound; EventSource reconnects and gets a fresh snapshot.
        this.#drop(c);
        c.error(new Error("event stream backlog too long"));
        continue;
      }
      c.enqueue(bytes);
    }
  }

  #drop(c: ReadableStreamDefaultController<Uint8Array>): void {
    this.#clients.delete(c);
    if (this.#clients.size === 0) {
      clearInterval(this.#ping);
      this.#ping = undefined;
    }
  }
}
