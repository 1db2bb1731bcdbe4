/**
 * What a circuit needs from the PVs it serves: lookup by name, a snapshot to read, rights, writes
 * and change notification. `CaPv` (_ca_pv.ts) implements it; circuit.ts re-exports these types.
 *
 * @module
 */

import type { Values } from "../protocol/convert.ts";
import type { DbrSource } from "../protocol/dbr.ts";

/** Who is on the other end, as used for access decisions. */
export interface ClientInfo {
  /** Host name the client announced (HOST_NAME), else its IP address. */
  readonly host: string;
  /** User name the client announced (CLIENT_NAME), else `""`. */
  readonly user: string;
}

/** A channel's value and metadata at one moment, with a per-type cache of encoded payloads. */
export interface Snapshot extends DbrSource {
  /**
   * Encoded payloads keyed by `type + 64 * count`, created by the first circuit that sends this
   * snapshot as a monitor update (most snapshots are never sent, so most never get one).
   */
  encoded: Map<number, Uint8Array> | undefined;
}

/** What a circuit needs from a channel's holder to learn about changes. */
export interface ChannelObserver {
  /**
   * The value, alarm or metadata changed.
   *
   * @param mask DBE_* bits of what changed.
   * @param snap The new state.
   */
  onEvent(mask: number, snap: Snapshot): void;
  /** The PV is gone (the circuit sends SERVER_DISCONN). */
  onRemoved(): void;
}

/** A process variable as a circuit sees it. */
export interface ChannelSource {
  /** Canonical name. */
  readonly name: string;
  /** Native value type 0–6. */
  readonly nativeType: number;
  /** Maximum element count (NELM). */
  readonly count: number;
  /** The current state. */
  snapshot(): Snapshot;
  /**
   * Access rights for a client: bit 0 read, bit 1 write.
   *
   * @param client The client.
   * @returns 0–3.
   */
  rights(client: ClientInfo): number;
  /**
   * Apply a client's write.
   *
   * @param values Decoded elements, of value type `ctx.srcType`.
   * @param ctx The written value type and the client.
   * @returns The ECA status, now or once the write has completed.
   */
  write(values: Values, ctx: { srcType: number; client: ClientInfo }): number | Promise<number>;
  /**
   * Apply a client's write of one element (the common put), without the arrays of
   * {@linkcode ChannelSource.write}. Optional: without it such writes go through `write`.
   *
   * @param value The element: a string when `srcType` is DBR_STRING, else a number.
   * @param srcType The value type the client wrote.
   * @param client The client.
   * @returns The ECA status, now or once the write has completed.
   */
  writeOne?(value: number | string, srcType: number, client: ClientInfo): number | Promise<number>;
  /**
   * Start reporting removal, and changes too unless the source implements
   * {@linkcode ChannelSource.listen}.
   *
   * @param observer Receiver of changes.
   */
  observe(observer: ChannelObserver): void;
  /**
   * Stop reporting anything.
   *
   * @param observer A receiver passed to {@linkcode ChannelSource.observe}.
   */
  unobserve(observer: ChannelObserver): void;
  /**
   * Report changes to an observer or stop doing so; removal is reported either way. A channel
   * without subscriptions needs no changes, and `catime` opens 10,000 channels of one PV: without
   * this every put would call each of them. Optional: a source without it reports every change to
   * every observer.
   *
   * @param observer A receiver passed to {@linkcode ChannelSource.observe}.
   * @param on Whether it wants changes.
   */
  listen?(observer: ChannelObserver, on: boolean): void;
}

/** Name lookup for CREATE_CHAN and TCP searches. */
export interface ChannelDirectory {
  /**
   * Find a PV by the name a client used.
   *
   * @param name Requested name.
   * @returns The PV, or `undefined`.
   */
  find(name: string): ChannelSource | undefined;
  /**
   * Find a PV by the exact bytes of the name, without building a string (the CREATE_CHAN hot
   * path). `undefined` is not final: the circuit then asks {@linkcode ChannelDirectory.find}.
   *
   * @param bytes Buffer holding the NUL-terminated name.
   * @param at Start of the name.
   * @param max Most bytes the name may span.
   * @returns The PV, or `undefined`.
   */
  findBytes?(bytes: Uint8Array, at: number, max: number): ChannelSource | undefined;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
/** Keeps hashes small integers, which V8 stores and hashes without allocating. */
const HASH_MASK = 0x3fffffff;

/**
 * FNV-1a of an ASCII name, as {@linkcode NameIndex.find} computes it over bytes.
 *
 * @param name The name.
 * @returns The hash, or -1 when the name is not plain ASCII (such names are not indexed).
 */
function hashName(name: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === 0 || c > 0x7f) return -1;
    h = Math.imul(h ^ c, FNV_PRIME);
  }
  return h & HASH_MASK;
}

/**
 * Exact ASCII names by a hash of their bytes: a lookup hashes the request bytes in place instead
 * of building a string that V8 would hash again. A name whose hash is taken is simply not indexed
 * and is found by the string lookup instead.
 */
export class NameIndex<T extends { readonly name: string }> {
  #byHash = new Map<number, T>();

  /**
   * Index an item under its name.
   *
   * @param item The item.
   */
  add(item: T): void {
    const h = hashName(item.name);
    if (h >= 0 && !this.#byHash.has(h)) this.#byHash.set(h, item);
  }

  /**
   * Forget an item.
   *
   * @param item An item given to {@linkcode NameIndex.add}.
   */
  delete(item: T): void {
    const h = hashName(item.name);
    if (h >= 0 && this.#byHash.get(h) === item) this.#byHash.delete(h);
  }

  /**
   * The item whose name equals the NUL-terminated bytes at `at`.
   *
   * @param bytes Buffer holding the name.
   * @param at Start of the name.
   * @param max Most bytes the name may span.
   * @returns The item, or `undefined` when it is not indexed.
   */
  find(bytes: Uint8Array, at: number, max: number): T | undefined {
    const end = Math.min(at + max, bytes.length);
    let h = FNV_OFFSET;
    let i = at;
    for (; i < end; i++) {
      const b = bytes[i]!;
      if (b === 0) break;
      h = Math.imul(h ^ b, FNV_PRIME);
    }
    const item = this.#byHash.get(h & HASH_MASK);
    if (item === undefined) return undefined;
    const name = item.name;
    if (name.length !== i - at) return undefined;
    for (let k = 0; k < name.length; k++) {
      if (name.charCodeAt(k) !== bytes[at + k]) return undefined;
    }
    return item;
  }
}
