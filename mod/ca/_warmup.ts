/**
 * Runs the server's hot request paths once at start, on a private PV and circuit, so the first
 * clients meet optimized code. V8 optimizes a function only after it ran many times: the first
 * `caget` of 10,000 PVs after start spent ~20 ms more than the next ones in channel creation,
 * reads and clears, 1.3–1.9× softIoc's time (bench/ca_catools_bench.ts). Nothing here touches a
 * socket or the server's PVs.
 *
 * @module
 */

import { Circuit } from "./circuit.ts";
import { NameIndex } from "./_channel_source.ts";
import {
  CLEAR_CHANNEL,
  CREATE_CHAN,
  EVENT_ADD,
  EVENT_CANCEL,
  READ_NOTIFY,
  SEARCH,
  VERSION,
  WRITE,
} from "./protocol/commands.ts";
import { HEADER_SIZE, setHeader, writeHeader } from "./protocol/header.ts";
import { answerSearch } from "./protocol/search.ts";
import { Pv } from "./pv.ts";

/** Channels per round: enough calls for V8's optimizing tiers, a few ms at start. */
const CHANNELS = 1000;
const ROUNDS = 3;
/** Search datagrams of 31 names per round (caget of 10,000 PVs sends 323). */
const SEARCHES = 300;
/** Types clients read most: DOUBLE, TIME_DOUBLE, CTRL_DOUBLE, STRING, FLOAT, SHORT, TIME_STRING. */
const READ_TYPES = [6, 20, 34, 0, 2, 1, 14];
const NAME = "iocsup:warmup";

/** A byte stream of CA requests. */
class Requests {
  bytes = new Uint8Array(64 * 1024);
  #view = new DataView(this.bytes.buffer);
  #at = 0;
  #h = { cmd: 0, size: 0, type: 0, count: 0, p1: 0, p2: 0 };

  add(cmd: number, type: number, count: number, p1: number, p2: number, payload?: Uint8Array) {
    const size = payload === undefined ? 0 : (payload.length + 7) & ~7;
    if (this.#at + HEADER_SIZE + size > this.bytes.length) {
      const grown = new Uint8Array(this.bytes.length * 2);
      grown.set(this.bytes);
      this.bytes = grown;
      this.#view = new DataView(grown.buffer);
    }
    writeHeader(this.#view, this.#at, setHeader(this.#h, cmd, size, type, count, p1, p2));
    if (payload) this.bytes.set(payload, this.#at + HEADER_SIZE);
    this.#at += HEADER_SIZE + size;
  }

  take(): Uint8Array {
    const out = this.bytes.slice(0, this.#at);
    this.#at = 0;
    return out;
  }
}

/**
 * Run the search, channel creation, read, subscription, write and clear paths a few thousand
 * times on a PV no client can reach.
 *
 * @param tcpPort The port the server advertises (only used in replies that are dropped).
 * @example Usage
 * ```ts
 * import { warmUp } from "./_warmup.ts";
 * warmUp(5064);
 * ```
 */
export function warmUp(tcpPort: number): void {
  const pv = new Pv({ name: NAME, type: "double", value: 0, access: "rw" });
  const names = new NameIndex<Pv>();
  names.add(pv);
  const name = new TextEncoder().encode(NAME + "\0");
  const req = new Requests();

  req.add(VERSION, 0, 13, 0, 0);
  for (let i = 0; i < 31; i++) req.add(SEARCH, 5, 13, i, i, name);
  const datagram = req.take();
  const search = {
    tcpPort,
    has: (n: string) => n === NAME,
    hasBytes: (b: Uint8Array, at: number, max: number) => names.find(b, at, max) !== undefined,
  };

  const value = new Uint8Array(8);
  const mask = new Uint8Array(16);
  mask[13] = 5;
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < SEARCHES; i++) answerSearch(datagram, search);
    const circuit = new Circuit({
      directory: {
        find: (n) => (n === NAME ? pv : undefined),
        findBytes: (b, at, max) => names.find(b, at, max),
      },
      peerHost: "127.0.0.1",
      tcpPort,
    });
    req.add(VERSION, 0, 13, 0, 0);
    for (let cid = 0; cid < CHANNELS; cid++) req.add(CREATE_CHAN, 0, 0, cid, 13, name);
    circuit.recv(req.take());
    // The circuit's own SIDs start at 0, in creation order.
    for (let sid = 0; sid < CHANNELS; sid++) {
      req.add(READ_NOTIFY, READ_TYPES[sid % READ_TYPES.length]!, 1, sid, sid);
    }
    for (let sid = 0; sid < 100; sid++) req.add(EVENT_ADD, 20, 1, sid, sid, mask);
    for (let sid = 0; sid < CHANNELS; sid++) {
      new DataView(value.buffer).setFloat64(0, round * CHANNELS + sid);
      req.add(WRITE, 6, 1, sid, sid, value);
    }
    circuit.recv(req.take());
    circuit.takeOutput();
    for (let sid = 0; sid < 100; sid++) req.add(EVENT_CANCEL, 20, 1, sid, sid);
    for (let sid = 0; sid < CHANNELS; sid++) req.add(CLEAR_CHANNEL, 0, 0, sid, sid);
    circuit.recv(req.take());
    circuit.takeOutput();
    circuit.close();
  }
}
