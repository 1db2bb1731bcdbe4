/**
 * Hostile clients against a CA server running in its own process (tests/helpers/ca_fuzz_server.ts):
 * fuzzed TCP and UDP frames, a client that stops reading, raw writes to a read-only PV. After each,
 * a real libca client (pyepics) must still be served and the server's resident memory must stay
 * within {@linkcode RSS_GROWTH_BOUND} of what it used before.
 */
import assert from "node:assert/strict";
import dgram from "node:dgram";
import { caLoopbackEnv } from "../helpers/ca_env.ts";
import { FAST_COUNT, FUZZ_PVS } from "../helpers/ca_fuzz_server.ts";
import { freeCaPort } from "../helpers/ports.ts";
import { JsonLineProcess, procFigures, runPyScript } from "../helpers/pyepics.ts";
import { waitFor } from "../helpers/wait.ts";

/**
 * Allowed growth of the server's VmRSS over a hostile phase. The Deno runtime's native memory
 * grows by tens of MiB under socket churn even in a trivial node:dgram echo server, so this bound
 * catches unbounded queues, not small leaks; {@linkcode HEAP_GROWTH_BOUND} catches those.
 */
const RSS_GROWTH_BOUND = 64 * 1024 * 1024;
/** Allowed growth of the live JS heap (measured after a full GC) over the fuzz. */
const HEAP_GROWTH_BOUND = 8 * 1024 * 1024;
/** Frames (TCP messages + UDP messages) the fuzz test must deliver at least. */
const MIN_FUZZ_FRAMES = 10_000;
const SEED = 0x1c05a9;

const ECA_NORMAL = 1;
const ECA_NOWTACCESS = 376;
const CMD = {
  VERSION: 0,
  EVENT_ADD: 1,
  EVENT_CANCEL: 2,
  READ: 3,
  WRITE: 4,
  SEARCH: 6,
  EVENTS_OFF: 8,
  EVENTS_ON: 9,
  READ_SYNC: 10,
  ERROR: 11,
  CLEAR_CHANNEL: 12,
  READ_NOTIFY: 15,
  CREATE_CHAN: 18,
  WRITE_NOTIFY: 19,
  CLIENT_NAME: 20,
  HOST_NAME: 21,
  ACCESS_RIGHTS: 22,
  ECHO: 23,
} as const;
const DBR_DOUBLE = 6;
const DBR_ENUM = 3;
const DBR_TIME_DOUBLE = 20;

// ---------------------------------------------------------------------------------------------
// Raw CA messages, written independently of mod/ca so the test does not trust the code under test.

interface Fields {
  type?: number;
  count?: number;
  p1?: number;
  p2?: number;
}

function message(
  cmd: number,
  fields: Fields = {},
  payload: Uint8Array = new Uint8Array(0),
): Uint8Array {
  const size = (payload.length + 7) & ~7;
  const bytes = new Uint8Array(16 + size);
  const view = new DataView(bytes.buffer);
  view.setUint16(0, cmd);
  view.setUint16(2, size);
  view.setUint16(4, fields.type ?? 0);
  view.setUint16(6, fields.count ?? 0);
  view.setUint32(8, (fields.p1 ?? 0) >>> 0);
  view.setUint32(12, (fields.p2 ?? 0) >>> 0);
  bytes.set(payload, 16);
  return bytes;
}

function cString(text: string): Uint8Array {
  const encoded = new TextEncoder().encode(text);
  const bytes = new Uint8Array(encoded.length + 1);
  bytes.set(encoded);
  return bytes;
}

function float64(value: number): Uint8Array {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setFloat64(0, value);
  return bytes;
}

function uint16(value: number): Uint8Array {
  const bytes = new Uint8Array(2);
  new DataView(bytes.buffer).setUint16(0, value);
  return bytes;
}

function eventAddPayload(mask: number): Uint8Array {
  const bytes = new Uint8Array(16);
  new DataView(bytes.buffer).setUint16(12, mask);
  return bytes;
}

function handshake(names: readonly string[]): Uint8Array[] {
  return [
    message(CMD.VERSION, { count: 13 }),
    message(CMD.CLIENT_NAME, {}, cString("hostile")),
    message(CMD.HOST_NAME, {}, cString("localhost")),
    ...names.map((name, cid) => message(CMD.CREATE_CHAN, { p1: cid, p2: 13 }, cString(name))),
  ];
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.length;
  }
  return bytes;
}

/** A decoded message from the server. */
interface Received {
  cmd: number;
  size: number;
  type: number;
  count: number;
  p1: number;
  p2: number;
  payload: Uint8Array;
}

/** A raw TCP circuit that reads messages only when asked to. */
class RawCircuit {
  #conn: Deno.TcpConn;
  #buffer: Uint8Array = new Uint8Array(0);
  #closed = false;

  constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
  }

  static async open(port: number): Promise<RawCircuit> {
    return new RawCircuit(await Deno.connect({ hostname: "127.0.0.1", port }));
  }

  async write(...messages: Uint8Array[]): Promise<void> {
    const bytes = concat(messages);
    let written = 0;
    while (written < bytes.length) written += await this.#conn.write(bytes.subarray(written));
  }

  /** Read messages until `match` accepts one; the circuit is closed if the deadline passes. */
  async until(what: string, match: (m: Received) => boolean, timeoutMs = 10_000) {
    const timer = setTimeout(() => this.close(), timeoutMs);
    try {
      while (true) {
        const received = await this.#next();
        if (received === null) throw new Error(`Circuit closed while waiting for ${what}`);
        if (match(received)) return received;
      }
    } catch (error) {
      throw new Error(`Cannot read ${what}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#conn.close();
  }

  async #next(): Promise<Received | null> {
    if (!(await this.#fill(16))) return null;
    let view = new DataView(this.#buffer.buffer, this.#buffer.byteOffset);
    let size = view.getUint16(2);
    let count = view.getUint16(6);
    let headerSize = 16;
    if (size === 0xffff) {
      if (!(await this.#fill(24))) return null;
      view = new DataView(this.#buffer.buffer, this.#buffer.byteOffset);
      size = view.getUint32(16);
      count = view.getUint32(20);
      headerSize = 24;
    }
    if (!(await this.#fill(headerSize + size))) return null;
    view = new DataView(this.#buffer.buffer, this.#buffer.byteOffset);
    const received: Received = {
      cmd: view.getUint16(0),
      size,
      type: view.getUint16(4),
      count,
      p1: view.getUint32(8),
      p2: view.getUint32(12),
      payload: this.#buffer.slice(headerSize, headerSize + size),
    };
    this.#buffer = this.#buffer.slice(headerSize + size);
    return received;
  }

  async #fill(n: number): Promise<boolean> {
    while (this.#buffer.length < n) {
      const chunk = new Uint8Array(65536);
      const read = await this.#conn.read(chunk);
      if (read === null) return false;
      this.#buffer = concat([this.#buffer, chunk.subarray(0, read)]);
    }
    return true;
  }
}

/** Open a circuit, create one channel and return it with its SID and access rights. */
async function openChannel(port: number, name: string) {
  const circuit = await RawCircuit.open(port);
  await circuit.write(...handshake([name]));
  const rights = await circuit.until("ACCESS_RIGHTS", (m) => m.cmd === CMD.ACCESS_RIGHTS);
  const created = await circuit.until("CREATE_CHAN reply", (m) => m.cmd === CMD.CREATE_CHAN);
  return { circuit, sid: created.p2, rights: rights.p2, type: created.type, count: created.count };
}

// ---------------------------------------------------------------------------------------------
// The server process.

/** One line on stderr with the figures behind a memory assertion, for whoever reads the log. */
function report(what: string, before: Memory, after: Memory): void {
  const mib = (n: number) => (n / 2 ** 20).toFixed(1);
  // deno-lint-ignore no-console
  console.error(
    `${what}; server RSS ${mib(before.rss)} → ${mib(after.rss)} MiB, ` +
      `live heap ${mib(before.heapUsed)} → ${mib(after.heapUsed)} MiB`,
  );
}

/** Server memory at one moment. */
interface Memory {
  /** VmRSS in bytes. */
  rss: number;
  /** Live JS heap in bytes after a full GC (NaN when not measured). */
  heapUsed: number;
}

async function startFuzzServer(): Promise<{ server: JsonLineProcess; port: number }> {
  const port = await freeCaPort();
  const server = new JsonLineProcess(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--quiet",
      new URL("../helpers/ca_fuzz_server.ts", import.meta.url).pathname,
    ],
    env: { ...caLoopbackEnv(port), IOCSUP_LOG_LEVEL: "error" },
    label: "ca_fuzz_server.ts",
  });
  await server.waitForLine("the fuzz server to be ready", (l) => l.event === "ready");
  return { server, port };
}

/** The server's VmRSS and, after a full GC, its live JS heap. */
async function memory(server: JsonLineProcess): Promise<Memory> {
  const seen = server.lines.length;
  await server.send("mem");
  const line = await server.waitForLine(
    "the memory report",
    (l) => l.event === "mem" && server.lines.indexOf(l) >= seen,
  );
  return { rss: procFigures(server.pid).rssBytes, heapUsed: line.heapUsed as number };
}

async function stopServer(server: JsonLineProcess): Promise<void> {
  const { status } = await server.stop();
  assert.equal(status.code, 0, `server exited with ${status.code}\n${server.stderr}`);
  assert.ok(server.lines.some((l) => l.event === "closed"), "server did not report a clean close");
}

interface OpResult {
  op: string;
  pv: string;
  value?: unknown;
  error?: string;
  status?: number;
}

/** A pyepics client reads and writes a few PVs; the results must be what the server holds. */
async function assertServedCorrectly(port: number, marker: number): Promise<void> {
  const { results } = await runPyScript<{ results: OpResult[] }>("ca_ops.py", {
    port,
    args: [JSON.stringify({
      timeout: 10,
      ops: [
        { op: "put", pv: FUZZ_PVS.long, value: marker, wait: true },
        { op: "get", pv: FUZZ_PVS.long },
        { op: "ctrl", pv: FUZZ_PVS.double },
        { op: "info", pv: FUZZ_PVS.readOnly },
        { op: "get", pv: FUZZ_PVS.readOnly },
      ],
    })],
  });
  for (const result of results) assert.equal(result.error, undefined, JSON.stringify(result));
  const [, get, ctrl, info, readOnly] = results;
  assert.deepEqual(get?.value, { value: marker });
  assert.equal((ctrl?.value as Record<string, unknown>).units, "mm");
  assert.deepEqual(info?.value, { ftype: "double", count: 1, read: true, write: false });
  assert.deepEqual(readOnly?.value, { value: 3 });
}

// ---------------------------------------------------------------------------------------------
// Fuzz frames.

function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
}

class FrameMaker {
  #random: () => number;

  constructor(seed: number) {
    this.#random = xorshift(seed);
  }

  int(n: number): number {
    return Math.floor(this.#random() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }

  /** A SID that often belongs to a live channel (small ids) and sometimes is absurd. */
  sid(): number {
    return this.int(4) === 0 ? this.int(2 ** 32) : this.int(12);
  }

  name(): string {
    const names = Object.values(FUZZ_PVS);
    return this.int(3) === 0 ? "NO:SUCH:" + this.int(1e6) : this.pick(names);
  }

  bytes(n: number): Uint8Array {
    return Uint8Array.from({ length: n }, () => this.int(256));
  }

  /** A well-formed client message of a random kind. */
  valid(): Uint8Array {
    const type = this.int(5) === 0 ? this.int(39) : DBR_DOUBLE;
    const count = this.pick([0, 1, 1, 2, 100]);
    switch (this.int(14)) {
      case 0:
        return message(CMD.VERSION, { type: this.int(100), count: 13 });
      case 1:
        return message(
          CMD.EVENT_ADD,
          { type, count, p1: this.sid(), p2: this.int(50) },
          eventAddPayload(this.int(16)),
        );
      case 2:
        return message(CMD.EVENT_CANCEL, { type, count, p1: this.sid(), p2: this.int(50) });
      case 3:
        return message(CMD.READ, { type, count, p1: this.sid(), p2: this.int(50) });
      case 4:
        return message(
          CMD.WRITE,
          { type: DBR_DOUBLE, count: 1, p1: this.sid(), p2: 0 },
          float64(this.int(1000)),
        );
      case 5:
        return message(
          CMD.SEARCH,
          { type: this.pick([5, 10]), count: 13, p1: 1, p2: 1 },
          cString(this.name()),
        );
      case 6:
        return message(this.pick([CMD.EVENTS_OFF, CMD.EVENTS_ON, CMD.READ_SYNC, CMD.ECHO]));
      case 7:
        return message(CMD.CLEAR_CHANNEL, { p1: this.sid(), p2: this.int(4) });
      case 8:
        return message(CMD.READ_NOTIFY, { type, count, p1: this.sid(), p2: this.int(1000) });
      case 9:
        return message(CMD.CREATE_CHAN, { p1: this.int(100), p2: 13 }, cString(this.name()));
      case 10:
        return message(CMD.WRITE_NOTIFY, {
          type: DBR_ENUM,
          count: 1,
          p1: this.sid(),
          p2: this.int(1000),
        }, uint16(this.int(20)));
      case 11:
        return message(
          CMD.WRITE_NOTIFY,
          { type: 0, count: 1, p1: this.sid(), p2: 7 },
          cString(String(this.int(100))),
        );
      case 12:
        return message(
          this.pick([CMD.CLIENT_NAME, CMD.HOST_NAME]),
          {},
          cString("x".repeat(this.int(600))),
        );
      default:
        return message(CMD.WRITE, {
          type: DBR_DOUBLE,
          count: this.pick([2, 1000, 0xfffe]),
          p1: this.sid(),
        }, float64(1));
    }
  }

  /** A valid message, often mutated in one of many ways. */
  frame(): Uint8Array {
    const base = this.valid();
    const view = new DataView(base.buffer);
    switch (this.int(12)) {
      case 0:
      case 1:
        return base;
      case 2: // unknown or misplaced command
        view.setUint16(0, this.int(101));
        return base;
      case 3: // one header field random or extreme
        view.setUint16(2 * this.int(4), this.pick([0, 0xffff, 0x8000, this.int(0x10000)]));
        view.setUint32(8 + 4 * this.int(2), this.pick([0, 0xffffffff, this.int(2 ** 32)]));
        return base;
      case 4: // bad type
        view.setUint16(4, this.int(101));
        return base;
      case 5: // truncated payload: the next frame's bytes are read as the rest
        return base.subarray(0, Math.max(1, this.int(base.length)));
      case 6: { // huge declared size in the extended form
        const huge = new Uint8Array(24 + this.int(64));
        const hv = new DataView(huge.buffer);
        huge.set(base.subarray(0, 16));
        hv.setUint16(2, 0xffff);
        hv.setUint16(6, 0);
        hv.setUint32(16, this.pick([0xffffffff, 0x7ffffff8, 2 ** 24, 1 << 20]));
        hv.setUint32(20, this.pick([0xffffffff, 1 << 24, 0, 1]));
        return huge;
      }
      case 7: // misaligned size
        view.setUint16(2, (this.int(2000) * 8) + 1 + this.int(7));
        return base;
      case 8: // bit flips
        for (let i = 0; i < 1 + this.int(4); i++) {
          const at = this.int(base.length);
          base[at] = (base[at] ?? 0) ^ (1 << this.int(8));
        }
        return base;
      case 9: // random bytes
        return this.bytes(1 + this.int(64));
      case 10: // declared count far beyond the payload
        view.setUint16(6, this.pick([0xffff, 0xfffe, 60000]));
        return base;
      default: // bad SID
        view.setUint32(8, this.pick([0xffffffff, 0x7fffffff, this.int(2 ** 32)]));
        return base;
    }
  }

  /** A search datagram: VERSION + SEARCHes, often mutated, or garbage. */
  datagram(): { bytes: Uint8Array; frames: number } {
    if (this.int(10) === 0) {
      return { bytes: this.bytes(this.pick([0, 1, 15, 16, 17, 1024, 9000])), frames: 1 };
    }
    const searches = 1 + this.int(5);
    const parts = [message(CMD.VERSION, { type: 1, count: 13, p1: this.int(2 ** 32) })];
    for (let i = 0; i < searches; i++) {
      const search = message(
        CMD.SEARCH,
        { type: 5, count: 13, p1: i, p2: i },
        cString(this.name()),
      );
      parts.push(this.int(3) === 0 ? this.mutateSearch(search) : search);
    }
    return { bytes: concat(parts), frames: parts.length };
  }

  mutateSearch(search: Uint8Array): Uint8Array {
    const view = new DataView(search.buffer);
    switch (this.int(6)) {
      case 0:
        view.setUint16(2, this.pick([0xffff, 0x7ff8, 3, 4096]));
        return search;
      case 1:
        view.setUint16(0, this.int(101));
        return search;
      case 2:
        view.setUint16(6, this.pick([0, 1, 3, 0xffff]));
        return search;
      case 3:
        return search.subarray(0, this.int(search.length));
      case 4:
        search.fill(0x41, 16);
        return search;
      default:
        view.setUint16(4, this.pick([0, 10, 0xffff]));
        return search;
    }
  }
}

/** One hostile TCP connection: write frames in random chunks, half-close, drain until EOF. */
async function fuzzConnection(port: number, maker: FrameMaker, frames: number): Promise<number> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const parts = maker.int(8) === 0 ? [] : handshake([maker.name(), maker.name()]);
  for (let i = 0; i < frames; i++) parts.push(maker.frame());
  const drain = (async () => {
    const buffer = new Uint8Array(65536);
    try {
      while ((await conn.read(buffer)) !== null) { /* discard replies */ }
    } catch {
      // Reset by the server or closed by us below.
    }
  })();
  let delivered = 0;
  try {
    for (const part of parts) {
      let written = 0;
      while (written < part.length) written += await conn.write(part.subarray(written));
      delivered++;
    }
    await conn.closeWrite();
  } catch {
    // The server closed the circuit: the rest of this connection's frames are not delivered.
  }
  const timer = setTimeout(() => conn.close(), 3_000);
  await drain;
  clearTimeout(timer);
  try {
    conn.close();
  } catch {
    // Closed by the timer.
  }
  return delivered;
}

async function fuzzUdp(udpPort: number, maker: FrameMaker, datagrams: number) {
  const socket = dgram.createSocket("udp4");
  let replies = 0;
  socket.on("message", () => replies++);
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  let frames = 0;
  try {
    for (let i = 0; i < datagrams; i += 25) {
      const batch = Array.from({ length: Math.min(25, datagrams - i) }, () => maker.datagram());
      await Promise.all(
        batch.map(({ bytes }) =>
          new Promise<void>((resolve) => socket.send(bytes, udpPort, "127.0.0.1", () => resolve()))
        ),
      );
      frames += batch.reduce((n, d) => n + d.frames, 0);
    }
    // Replies to the valid searches prove the UDP side kept working during the fuzz.
    await waitFor("search replies during the UDP fuzz", () => replies > 0);
  } finally {
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
  return { frames, replies };
}

/** TCP connections in groups of 16 (4–33 frames each), then UDP datagrams; frames delivered. */
async function fuzzRound(
  port: number,
  udpPort: number,
  maker: FrameMaker,
  size: { connections: number; datagrams: number },
): Promise<{ tcp: number; udp: number; replies: number }> {
  let tcp = 0;
  for (let done = 0; done < size.connections; done += 16) {
    const frames = Array.from({ length: 16 }, () => 4 + maker.int(30));
    const delivered = await Promise.all(frames.map((n) => fuzzConnection(port, maker, n)));
    tcp += delivered.reduce((a, b) => a + b, 0);
  }
  const udp = await fuzzUdp(udpPort, maker, size.datagrams);
  return { tcp, udp: udp.frames, replies: udp.replies };
}

// ---------------------------------------------------------------------------------------------

Deno.test("CaServer survives 10,000 fuzzed TCP and UDP frames and still serves libca", async () => {
  const { server, port } = await startFuzzServer();
  try {
    const ready = server.lines.find((l) => l.event === "ready") as { udpPort: number };
    await assertServedCorrectly(port, 1);
    const maker = new FrameMaker(SEED);
    // A first, smaller round lets the runtime's allocator pools and the JIT settle.
    await fuzzRound(port, ready.udpPort, maker, { connections: 128, datagrams: 500 });
    const before = await memory(server);

    const { tcp, udp, replies } = await fuzzRound(port, ready.udpPort, maker, {
      connections: 384,
      datagrams: 1500,
    });
    assert.ok(tcp + udp >= MIN_FUZZ_FRAMES, `only ${tcp} TCP + ${udp} UDP frames delivered`);
    assert.ok(replies > 0, "no search replies during the UDP fuzz");

    await assertServedCorrectly(port, 2);
    const after = await memory(server);
    report(`fuzz: ${tcp} TCP + ${udp} UDP frames, ${replies} search replies`, before, after);
    assert.ok(
      after.rss - before.rss < RSS_GROWTH_BOUND,
      `RSS grew from ${before.rss} to ${after.rss} bytes`,
    );
    assert.ok(
      after.heapUsed - before.heapUsed < HEAP_GROWTH_BOUND,
      `live JS heap grew from ${before.heapUsed} to ${after.heapUsed} bytes`,
    );
    await stopServer(server);
  } finally {
    await server.kill();
  }
});

Deno.test("CaServer bounds memory for a subscriber that stops reading during 1 kHz posts", async () => {
  const { server, port } = await startFuzzServer();
  let slow: RawCircuit | undefined;
  try {
    await assertServedCorrectly(port, 1);
    const before = await memory(server);

    const opened = await openChannel(port, FUZZ_PVS.fast);
    slow = opened.circuit;
    assert.equal(opened.count, FAST_COUNT);
    await slow.write(message(
      CMD.EVENT_ADD,
      { type: DBR_TIME_DOUBLE, count: 0, p1: opened.sid, p2: 1 },
      eventAddPayload(1 | 4),
    ));
    await slow.until("the initial update", (m) => m.cmd === CMD.EVENT_ADD && m.p2 === 1);
    // From here on the circuit is never read again.

    let peak = before.rss;
    await server.send("post 5000 1000");
    await waitFor("5000 posts of the 16 kB waveform", () => {
      peak = Math.max(peak, procFigures(server.pid).rssBytes);
      return server.lines.some((l) => l.event === "posted");
    }, { timeoutMs: 120_000, intervalMs: 100 });
    peak = Math.max(peak, procFigures(server.pid).rssBytes);

    await assertServedCorrectly(port, 2);
    const after = await memory(server);
    report("stalled subscriber: 5000 posts of 16 kB at 1 kHz", before, { ...after, rss: peak });
    assert.ok(
      peak - before.rss < RSS_GROWTH_BOUND,
      `RSS grew from ${before.rss} to ${peak} bytes with a stalled subscriber`,
    );
    slow.close();
    await stopServer(server);
  } finally {
    slow?.close();
    await server.kill();
  }
});

Deno.test("CaServer refuses raw writes to a read-only PV with ECA_NOWTACCESS", async () => {
  const { server, port } = await startFuzzServer();
  let circuit: RawCircuit | undefined;
  try {
    const opened = await openChannel(port, FUZZ_PVS.readOnly);
    circuit = opened.circuit;
    assert.equal(opened.rights, 1, "read-only PV must advertise read access only");

    await circuit.write(
      message(CMD.WRITE_NOTIFY, { type: DBR_DOUBLE, count: 1, p1: opened.sid, p2: 77 }, float64(9)),
    );
    const notify = await circuit.until("the WRITE_NOTIFY reply", (m) => m.cmd === CMD.WRITE_NOTIFY);
    assert.equal(notify.p2, 77);
    assert.equal(notify.p1, ECA_NOWTACCESS);

    await circuit.write(
      message(CMD.WRITE, { type: DBR_DOUBLE, count: 1, p1: opened.sid, p2: 0 }, float64(9)),
    );
    const error = await circuit.until("the ERROR reply", (m) => m.cmd === CMD.ERROR);
    assert.equal(error.p2, ECA_NOWTACCESS);
    assert.equal(new DataView(error.payload.buffer).getUint16(0), CMD.WRITE, "embedded request");

    await circuit.write(
      message(CMD.READ_NOTIFY, { type: DBR_DOUBLE, count: 1, p1: opened.sid, p2: 78 }),
    );
    const read = await circuit.until("the READ_NOTIFY reply", (m) => m.cmd === CMD.READ_NOTIFY);
    assert.equal(read.p1, ECA_NORMAL);
    assert.equal(new DataView(read.payload.buffer).getFloat64(0), 3, "value unchanged");
    circuit.close();
    await stopServer(server);
  } finally {
    circuit?.close();
    await server.kill();
  }
});
