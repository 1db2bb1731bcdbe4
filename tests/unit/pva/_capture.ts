/**
 * Parser of the decoded PVA captures in tests/fixtures/pva-captures (a copy of
 * shared/pva-captures/*.txt; see its README for the line format).
 *
 * @module
 */

import { fileURLToPath } from "node:url";

/** The decoded captures, copied into the repo so a plain clone runs the tests. */
export const CAPTURE_DIR = fileURLToPath(new URL("../../fixtures/pva-captures/", import.meta.url));

/** Every capture file. */
export const CAPTURE_FILES: readonly string[] = [
  "01-pvxinfo.txt",
  "02-pvxget.txt",
  "03-pvxput.txt",
  "04-pvxmonitor.txt",
  "05-missing-pv.txt",
  "06-beacons.txt",
  "07-handshake.txt",
  "08-pvacpp-tools.txt",
  "09-large-array.txt",
  "10-two-servers.txt",
  "11-idle-echo.txt",
];

/** One PVA message of a capture. */
export interface CaptureMessage {
  /** File name. */
  file: string;
  /** Section id, e.g. `"02b"`. */
  section: string;
  /** 1-based line number in the file. */
  line: number;
  /** Time stamp text (groups the messages of one UDP datagram). */
  t: string;
  /** `C->S`, `S->C` or `FWD`. */
  dir: string;
  /** `UDP` or `TCPn`. */
  transport: string;
  /** For UDP: `src>dst`. */
  route: string;
  /** Command name from the line, e.g. `"GET"`. */
  name: string;
  /** Command code from the line. */
  code: number;
  /** Header bytes as on the wire. */
  hdr: Uint8Array;
  /** Payload bytes as on the wire (only the shown part when `elided`). */
  payload: Uint8Array;
  /** Bytes cut from the text file (the pcap has them). */
  elided: number;
  /** The decoder's note after `|`. */
  note: string;
}

/**
 * Parse hex.
 *
 * @param s Hex digits.
 * @returns The bytes.
 */
export function hex(s: string): Uint8Array {
  const clean = s.replace(/\s+/g, "");
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * @param b Bytes.
 * @returns Lower-case hex.
 */
export function toHex(b: Uint8Array): string {
  return [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
}

const LINE_RE =
  /^(\S+) (C->S|S->C|FWD) (UDP (\S+)|TCP\d+) (\w+)\((\d+)\) v\d+ flags=\S+ (?:size|value)=\S+ hdr=([0-9a-f]{16}) payload=([0-9a-f]*|-)(?:\.\.\.\(\+(\d+) bytes elided\))? \| (.*)$/;

/**
 * Parse one capture file.
 *
 * @param file File name inside {@linkcode CAPTURE_DIR}.
 * @returns Its PVA messages in capture order.
 */
export function readCapture(file: string): CaptureMessage[] {
  const text = Deno.readTextFileSync(CAPTURE_DIR + file);
  const out: CaptureMessage[] = [];
  let section = "";
  text.split("\n").forEach((line, i) => {
    if (line.startsWith("## ")) {
      section = line.slice(3).split(" ")[0]!;
      return;
    }
    if (line.startsWith("#")) return;
    const m = LINE_RE.exec(line);
    if (!m) return;
    out.push({
      file,
      section,
      line: i + 1,
      t: m[1]!,
      dir: m[2]!,
      transport: m[3]!.startsWith("UDP") ? "UDP" : m[3]!,
      route: m[4] ?? "",
      name: m[5]!,
      code: Number(m[6]),
      hdr: hex(m[7]!),
      payload: m[8] === "-" ? new Uint8Array(0) : hex(m[8]!),
      elided: Number(m[9] ?? 0),
      note: m[10]!,
    });
  });
  return out;
}

/**
 * The bytes of a message as on the wire.
 *
 * @param m A message (not elided).
 * @returns Header and payload.
 */
export function wire(m: CaptureMessage): Uint8Array {
  const out = new Uint8Array(8 + m.payload.length);
  out.set(m.hdr);
  out.set(m.payload, 8);
  return out;
}

/**
 * Rebuild an elided payload that is a plain run of doubles 1, 2, 3, … (the middle segments of
 * pvput's segmented array PUT, 09a/09d): the text shows its start, the pcap has the rest.
 *
 * @param m An elided message.
 * @returns The full payload, or `undefined` when it is not such a run.
 */
export function rebuildDoubleRun(m: CaptureMessage): Uint8Array | undefined {
  const total = m.payload.length + m.elided;
  if (total % 8 !== 0) return undefined;
  const full = new Uint8Array(total);
  const view = new DataView(full.buffer);
  for (let i = 0; i < total / 8; i++) view.setFloat64(8 * i, i + 1, true);
  return full.subarray(0, m.payload.length).every((b, i) => b === m.payload[i]) ? full : undefined;
}

/** A TCP connection of a section: the messages of each direction in order. */
export interface Connection {
  /** `file section TCPn`. */
  key: string;
  /** Messages sent by the client. */
  client: CaptureMessage[];
  /** Messages sent by the server. */
  server: CaptureMessage[];
  /** Both directions in capture order. */
  all: CaptureMessage[];
}

/**
 * Group the TCP messages of a file by connection.
 *
 * @param messages The file's messages.
 * @returns Connections in order of appearance.
 */
export function connections(messages: CaptureMessage[]): Connection[] {
  const byKey = new Map<string, Connection>();
  for (const m of messages) {
    if (m.transport === "UDP") continue;
    const key = `${m.file} ${m.section} ${m.transport}`;
    let c = byKey.get(key);
    if (!c) byKey.set(key, c = { key, client: [], server: [], all: [] });
    (m.dir === "C->S" ? c.client : c.server).push(m);
    c.all.push(m);
  }
  return [...byKey.values()];
}

/**
 * Group UDP messages into datagrams (same time, route and direction, consecutive lines).
 *
 * @param messages The file's messages.
 * @returns Datagrams as message lists.
 */
export function datagrams(messages: CaptureMessage[]): CaptureMessage[][] {
  const out: CaptureMessage[][] = [];
  let prev: CaptureMessage | undefined;
  for (const m of messages) {
    if (m.transport !== "UDP") {
      prev = undefined;
      continue;
    }
    const same = prev && prev.t === m.t && prev.route === m.route && prev.dir === m.dir &&
      prev.section === m.section && prev.line === m.line - 1;
    if (same) out[out.length - 1]!.push(m);
    else out.push([m]);
    prev = m;
  }
  return out;
}

/**
 * The `n`-th message of a section matching a direction and command name.
 *
 * @param file Capture file.
 * @param section Section id.
 * @param dir `C->S`, `S->C` or `FWD`.
 * @param name Command name as in the file.
 * @param n Index among the matches.
 * @returns The message.
 * @throws {Error} When there is none.
 */
export function pick(
  file: string,
  section: string,
  dir: string,
  name: string,
  n = 0,
): CaptureMessage {
  const found =
    readCapture(file).filter((m) => m.section === section && m.dir === dir && m.name === name)[n];
  if (!found) throw new Error(`No ${dir} ${name} #${n} in ${file} ${section}`);
  return found;
}
