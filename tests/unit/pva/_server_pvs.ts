/**
 * Test support for the PVA server unit tests: PVs equivalent to the records of the capture IOC
 * (tests/fixtures/pva-captures, cap.db), a circuit serving them, and a decoder of what a server
 * sends (tracking the types of INIT replies by ioid, as a client does).
 *
 * @module
 */

import { PvaCircuit, type PvaCircuitOptions } from "../../../mod/pva/server/circuit.ts";
import { Pv, type PvOptions } from "../../../mod/pv/mod.ts";
import { sharedPvSource } from "../../../mod/pva/server/shared_pv.ts";
import type { PvaSource } from "../../../mod/pva/server/source.ts";
import {
  decodeMessage,
  FrameSplitter,
  type PvaMessage,
  type StructDesc,
} from "../../../mod/pva/protocol/mod.ts";

/** cap.db as PV options (QSRV2 serves these as the captures show). */
export const CAP_PVS: PvOptions[] = [
  { name: "CAP:CTRL", type: "enum", value: 1, enumStrings: ["Stop", "Run", "Reset"] },
  { name: "CAP:HB", type: "long", value: 5, units: "s", display: { low: 0, high: 999 } },
  {
    name: "CAP:AI",
    type: "double",
    value: 1.23,
    precision: 2,
    units: "mbar",
    display: { low: -10, high: 10 },
    alarm: { lolo: -8, low: -5, high: 5, hihi: 8 },
  },
  { name: "CAP:STR", type: "string", value: "hello world" },
  { name: "CAP:WF", type: "double", count: 8, value: [1.5, 2.5, 3.5] },
  { name: "CAP:CNT", type: "double", value: 0 },
  { name: "CAP:RO", type: "long", value: 5, access: "ro" },
];

/** A directory of fresh {@linkcode CAP_PVS}. */
export function capPvs(): Map<string, Pv> {
  return new Map(CAP_PVS.map((o) => [o.name, new Pv(o)]));
}

/**
 * A circuit serving `pvs`.
 *
 * @param pvs The PVs.
 * @param options Extra circuit options.
 * @returns The circuit.
 */
export function circuitFor(
  pvs: Map<string, Pv>,
  options: Partial<PvaCircuitOptions> = {},
): PvaCircuit {
  // One source per PV, as the server keeps: removal is matched by identity.
  const sources = new Map<Pv, PvaSource>();
  const find = (name: string) => {
    const pv = pvs.get(name);
    if (!pv) return undefined;
    let source = sources.get(pv);
    if (!source) sources.set(pv, source = sharedPvSource(pv));
    return source;
  };
  return new PvaCircuit({
    directory: { find, names: () => pvs.keys() },
    peerAddress: "127.0.0.1",
    peerPort: 40000,
    ...options,
  });
}

/** Decodes a server's byte stream as a client would. */
export class ServerStream {
  #splitter = new FrameSplitter();
  #types = new Map<number, StructDesc>();

  /**
   * @param bytes Server output.
   * @returns The messages in it.
   */
  push(bytes: Uint8Array | undefined): PvaMessage[] {
    if (!bytes) return [];
    const out: PvaMessage[] = [];
    for (const f of this.#splitter.push(bytes)) {
      const m = decodeMessage(f, { types: (ioid) => this.#types.get(ioid) });
      if (m.kind === "InitReply" && m.type?.kind === "structure") this.#types.set(m.ioid, m.type);
      out.push(m);
    }
    return out;
  }
}
