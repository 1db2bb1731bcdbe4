import assert from "node:assert/strict";
import {
  EventParser,
  type ListenerEvent,
  MAX_HEADER_BYTES,
  MAX_PAYLOAD_BYTES,
  processStateEvent,
  READY,
  resultOk,
  runEventListener,
} from "../../../mod/supervisor/event_listener.ts";

const encoder = new TextEncoder();

/** One event as supervisord frames it: header line with the payload's byte length, payload. */
function frame(eventname: string, payload: string, serial = 1): Uint8Array {
  const len = encoder.encode(payload).length;
  return encoder.encode(
    `ver:3.0 server:supervisor serial:${serial} pool:iocsup-manager poolserial:${serial} ` +
      `eventname:${eventname} len:${len}\n${payload}`,
  );
}

const RUNNING = frame(
  "PROCESS_STATE_RUNNING",
  "processname:ioc1 groupname:ioc1 from_state:STARTING pid:4242",
);
const EXITED = frame(
  "PROCESS_STATE_EXITED",
  "processname:ioc2 groupname:ioc2 from_state:RUNNING expected:0 pid:17",
  2,
);
const LOG = frame(
  "PROCESS_LOG_STDOUT",
  "processname:a groupname:a pid:1 channel:stdout\nhé\nllo",
  3,
);

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

Deno.test("READY and resultOk() are the protocol's literal tokens", () => {
  assert.equal(READY, "READY\n");
  assert.equal(resultOk(), "RESULT 2\nOK");
});

Deno.test("EventParser.feed() parses a PROCESS_STATE event", () => {
  const events = new EventParser().feed(RUNNING);
  assert.equal(events.length, 1);
  assert.deepEqual(events[0], {
    headers: {
      ver: "3.0",
      server: "supervisor",
      serial: "1",
      pool: "iocsup-manager",
      poolserial: "1",
      eventname: "PROCESS_STATE_RUNNING",
      len: "60",
    },
    payloadHeaders: {
      processname: "ioc1",
      groupname: "ioc1",
      from_state: "STARTING",
      pid: "4242",
    },
    payloadData: "",
  });
});

Deno.test("EventParser.feed() gives the same events for input split at every byte offset", () => {
  const all = concat(RUNNING, EXITED, LOG);
  const expected = new EventParser().feed(all);
  assert.equal(expected.length, 3);
  assert.equal(expected[2]?.payloadData, "hé\nllo");
  for (let cut = 0; cut <= all.length; cut++) {
    const parser = new EventParser();
    const got = [...parser.feed(all.subarray(0, cut)), ...parser.feed(all.subarray(cut))];
    assert.deepEqual(got, expected, `split at ${cut}`);
    assert.equal(parser.pendingBytes, 0);
  }
});

Deno.test("EventParser.feed() handles input fed one byte at a time", () => {
  const all = concat(RUNNING, LOG, EXITED);
  const parser = new EventParser();
  const got: ListenerEvent[] = [];
  for (let i = 0; i < all.length; i++) got.push(...parser.feed(all.subarray(i, i + 1)));
  assert.deepEqual(got, new EventParser().feed(all));
});

Deno.test("EventParser.feed() rejects a header without len", () => {
  assert.throws(() => new EventParser().feed(encoder.encode("eventname:X\n")), /no "len"/);
});

Deno.test("EventParser.feed() rejects an oversized payload before it arrives", () => {
  const header = encoder.encode(`eventname:X len:${MAX_PAYLOAD_BYTES + 1}\n`);
  assert.throws(() => new EventParser().feed(header), /limit/);
});

Deno.test("EventParser.feed() rejects a header line longer than the limit", () => {
  const parser = new EventParser();
  assert.throws(() => parser.feed(new Uint8Array(MAX_HEADER_BYTES + 1).fill(0x61)), /longer/);
});

Deno.test("processStateEvent() reads transitions, pid and expected", () => {
  const [running, exited, log] = new EventParser().feed(concat(RUNNING, EXITED, LOG));
  assert.deepEqual(processStateEvent(running as ListenerEvent), {
    processName: "ioc1",
    groupName: "ioc1",
    fromState: "STARTING",
    toState: "RUNNING",
    pid: 4242,
    expected: undefined,
    tries: undefined,
  });
  const e = processStateEvent(exited as ListenerEvent);
  assert.equal(e?.toState, "EXITED");
  assert.equal(e?.expected, false);
  assert.equal(processStateEvent(log as ListenerEvent), undefined);
});

Deno.test("runEventListener() acknowledges each event before handling it, until EOF", async () => {
  const chunks = [RUNNING.subarray(0, 10), RUNNING.subarray(10), EXITED];
  const written: string[] = [];
  const seen: string[] = [];
  const decoder = new TextDecoder();
  await runEventListener((event) => {
    const acks = written.filter((w) => w === resultOk()).length;
    seen.push(`${event.headers.eventname} after ${acks} acks`);
  }, {
    input: {
      read(p: Uint8Array): Promise<number | null> {
        const chunk = chunks.shift();
        if (chunk === undefined) return Promise.resolve(null);
        p.set(chunk);
        return Promise.resolve(chunk.length);
      },
    },
    output: {
      write(p: Uint8Array): Promise<number> {
        written.push(decoder.decode(p));
        return Promise.resolve(p.length);
      },
    },
  });
  assert.deepEqual(written, [READY, resultOk(), READY, resultOk(), READY]);
  assert.deepEqual(seen, [
    "PROCESS_STATE_RUNNING after 1 acks",
    "PROCESS_STATE_EXITED after 2 acks",
  ]);
});
