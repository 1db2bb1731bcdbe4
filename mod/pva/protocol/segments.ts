/**
 * Reassembly of segmented application messages (§1.5): a first segment, middle segments and a
 * last one, with the same command, possibly with control messages in between. pvAccessCPP
 * segments large PUTs; we accept segments and never send them.
 *
 * @module
 */

import { RemoteProtocolError } from "./errors.ts";
import type { Frame } from "./frame.ts";

/** Options of {@linkcode SegmentAssembler}. */
export interface SegmentAssemblerOptions {
  /**
   * Largest reassembled payload.
   * @default {67108864}
   */
  maxMessage?: number;
}

/** Per-connection reassembly state: at most one segmented message is open at a time. */
export class SegmentAssembler {
  #parts: Uint8Array[] = [];
  #size = 0;
  #first: Frame | undefined;
  #max: number;

  /**
   * @param options Size limit.
   * @example Usage
   * ```ts
   * import { SegmentAssembler } from "./segments.ts";
   * new SegmentAssembler().open; // false
   * ```
   */
  constructor(options: SegmentAssemblerOptions = {}) {
    this.#max = options.maxMessage ?? 64 * 1024 * 1024;
  }

  /** Whether a first segment has arrived and its last has not. */
  get open(): boolean {
    return this.#first !== undefined;
  }

  /**
   * Feed one frame.
   *
   * @param frame A frame from the splitter.
   * @returns The frame itself (unsegmented or control), the reassembled message after its last
   *   segment (header segment `"none"`, size the total), or `undefined` while a message is open.
   * @throws {RemoteProtocolError} On a continuation without a first segment, a new first segment
   *   or another application message while one is open, a different command, or a total above
   *   the limit (pvxs drops the connection in these cases).
   */
  accept(frame: Frame): Frame | undefined {
    const h = frame.header;
    if (h.control) return frame;
    if (h.segment === "none") {
      if (this.#first) {
        throw new RemoteProtocolError(
          `Cannot interleave message ${h.command} with a segmented one`,
        );
      }
      return frame;
    }
    if (h.segment === "first") {
      if (this.#first) throw new RemoteProtocolError("Cannot start a segmented message twice");
      // Kept across pushes: copied out of the splitter's buffer.
      this.#first = frame;
      this.#parts = [frame.payload.slice()];
      this.#size = frame.payload.length;
      return undefined;
    }
    const first = this.#first;
    if (!first) {
      throw new RemoteProtocolError(`Cannot accept a ${h.segment} segment without a first`);
    }
    if (h.command !== first.header.command) {
      throw new RemoteProtocolError(
        `Cannot continue segmented command ${first.header.command} with command ${h.command}`,
      );
    }
    this.#size += frame.payload.length;
    if (this.#size > this.#max) {
      throw new RemoteProtocolError(`Cannot reassemble a message over ${this.#max} bytes`);
    }
    this.#parts.push(h.segment === "middle" ? frame.payload.slice() : frame.payload);
    if (h.segment === "middle") return undefined;
    const payload = new Uint8Array(this.#size);
    let at = 0;
    for (const p of this.#parts) {
      payload.set(p, at);
      at += p.length;
    }
    this.#first = undefined;
    this.#parts = [];
    return { header: { ...first.header, segment: "none", size: payload.length }, payload };
  }
}
