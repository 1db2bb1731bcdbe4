/**
 * Parser of the decoded captures in tests/fixtures/ca-captures (see its README for the format),
 * and a PV database equivalent to the one they were captured against.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import type { ChannelDirectory } from "../../../mod/ca/server/circuit.ts";
import { Pv, type PvValue } from "../../../mod/pv/pv.ts";
import { CaPv } from "../../../mod/ca/server/_ca_pv.ts";

/** The decoded captures: a copy of shared/ca-captures/*.txt, so a plain clone can run the tests. */
export const CAPTURE_DIR = fileURLToPath(
  new URL("../../fixtures/ca-captures/", import.meta.url),
);

/** One CA message of a capture. */
export interface CaptureMessage {
  /** `## ` section id, e.g. `"01a"`. */
  section: string;
  /** `C→S`, `S→C`, `S→R`, … */
  dir: string;
  /** `UDP` or `TCPn`. */
  transport: string;
  /** Header bytes as on the wire. */
  hdr: Uint8Array;
  /** Payload bytes as on the wire. */
  payload: Uint8Array;
  /** The decoder's note after `|`. */
  note: string;
  /** For UDP: index of the datagram (unique within the file). */
  datagram: number;
  /** For UDP: `src -> dst` of the datagram. */
  route: string;
}

function hex(s: string): Uint8Array {
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

const LINE_RE =
  /^\+[\d.]+ (\S+) (UDP|TCP\d+) .*?hdr=([0-9a-f]+) payload=([0-9a-f]*|-)(?:\.\.\.\(\+(\d+) bytes, all 00\))? \| (.*)$/;
const DATAGRAM_RE = /^# \+[\d.]+ \S+ UDP datagram (\S+ -> \S+),/;

/**
 * Parse one capture file.
 *
 * @param name File name inside {@linkcode CAPTURE_DIR}.
 * @returns Its CA messages in capture order.
 */
export function readCapture(name: string): CaptureMessage[] {
  const text = Deno.readTextFileSync(CAPTURE_DIR + name);
  const out: CaptureMessage[] = [];
  let section = "";
  let datagram = -1;
  let route = "";
  for (const line of text.split("\n")) {
    if (line.startsWith("## ")) {
      section = line.slice(3).split(":")[0]!;
      continue;
    }
    const d = DATAGRAM_RE.exec(line);
    if (d) {
      datagram++;
      route = d[1]!;
      continue;
    }
    const m = LINE_RE.exec(line);
    if (!m) continue;
    const head = m[4] === "-" ? new Uint8Array(0) : hex(m[4]!);
    const extra = Number(m[5] ?? 0);
    const payload = new Uint8Array(head.length + extra);
    payload.set(head);
    out.push({
      section,
      dir: m[1]!,
      transport: m[2]!,
      hdr: hex(m[3]!),
      payload,
      note: m[6]!,
      datagram: m[2] === "UDP" ? datagram : -1,
      route: m[2] === "UDP" ? route : "",
    });
  }
  return out;
}

/** The capture database (README "Server database") as PVs, plus the knobs a replay needs. */
export interface CaptureDatabase {
  /** Lookup for circuits. */
  directory: ChannelDirectory;
  /** PVs by name. */
  pvs: Map<string, Pv>;
  /** Make CAP:RO writable or read-only (what `dbpf CAP:RO.ASG` did). */
  setRoWritable(writable: boolean): void;
}

function aiAlarm(v: number): { status: number; severity: number } {
  if (v >= 8) return { status: 3, severity: 2 };
  if (v >= 5) return { status: 4, severity: 1 };
  if (v <= -8) return { status: 5, severity: 2 };
  if (v <= -5) return { status: 6, severity: 1 };
  return { status: 0, severity: 0 };
}

/**
 * Build the capture database.
 *
 * @returns PVs equivalent to the softIoc records of the captures.
 */
export function captureDatabase(): CaptureDatabase {
  const pvs = new Map<string, Pv>();
  let roWritable = false;
  const add = (pv: Pv) => pvs.set(pv.name, pv);
  const ai: Pv = new Pv({
    name: "CAP:AI",
    type: "double",
    value: 1.23,
    precision: 2,
    units: "mbar",
    display: { low: -10, high: 10 },
    control: { low: -10, high: 10 },
    alarm: { lolo: -8, low: -5, high: 5, hihi: 8 },
    className: "ai",
    onWrite: (v: PvValue) => {
      ai.post(v, aiAlarm(v as number));
      return undefined;
    },
  });
  add(ai);
  const mbbo: Pv = new Pv({
    name: "CAP:MBBO",
    type: "enum",
    value: 0,
    enumStrings: ["Stop", "Run", "Reset"],
    className: "mbbo",
    onWrite: (v: PvValue) => {
      const sev = [0, 1, 2][v as number] ?? 0;
      mbbo.post(v, { severity: sev, status: sev > 0 ? 7 : 0 });
      return undefined;
    },
  });
  add(mbbo);
  add(
    new Pv({
      name: "CAP:WF",
      type: "double",
      count: 8,
      value: [1.5, 2.5, 3.5],
      className: "waveform",
    }),
  );
  add(new Pv({ name: "CAP:STR", type: "string", value: "hello world", className: "stringout" }));
  add(
    new Pv({
      name: "CAP:LONG",
      type: "long",
      value: 42,
      units: "cnt",
      display: { low: 0, high: 100 },
      control: { low: -1000, high: 1000 },
      className: "longout",
    }),
  );
  add(new Pv({ name: "CAP:CNT", type: "double", value: 0, className: "calc" }));
  add(
    new Pv({
      name: "CAP:RO",
      type: "long",
      value: 5,
      className: "longout",
      canWrite: () => roWritable,
    }),
  );
  add(
    new Pv({
      name: "CAP:BIG",
      type: "char",
      count: 65535,
      value: [1, 2, 3],
      className: "waveform",
    }),
  );
  const served = new Map([...pvs].map(([name, pv]) => [name, new CaPv(pv)]));
  return {
    directory: { find: (name) => served.get(name) },
    pvs,
    setRoWritable(writable) {
      roWritable = writable;
    },
  };
}
