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
/** Keeps hashes (+ 1) positive 32-bit integers. */
const HASH_MASK = 0x3fffffff;
/** Smallest table: a server with few PVs keeps a few hundred bytes. */
const MIN_SLOTS = 16;

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
 * of building a string that V8 would hash again. An open-addressing table (linear probing) over a
 * typed array of hashes: one probe is a load from contiguous memory, cheaper than a `Map` lookup,
 * and search and CREATE_CHAN each look up every name a client asks for.
 */
export class NameIndex<T extends { readonly name: string }> {
  /** Per slot: the name's hash + 1, or 0 when the slot is free. */
  #keys = new Int32Array(MIN_SLOTS);
  #items: (T | undefined)[] = new Array(MIN_SLOTS);
  #size = 0;

  /**
   * Index an item under its name (an item whose name is already indexed is ignored).
   *
   * @param item The item.
   */
  add(item: T): void {
    const h = hashName(item.name);
    if (h < 0) return;
    if ((this.#size + 1) * 4 > this.#keys.length * 3) this.#resize(this.#keys.length * 2);
    const key = h + 1;
    const keys = this.#keys;
    const mask = keys.length - 1;
    let slot = key & mask;
    for (; keys[slot] !== 0; slot = (slot + 1) & mask) {
      if (keys[slot] === key && this.#items[slot]!.name === item.name) return;
    }
    keys[slot] = key;
    this.#items[slot] = item;
    this.#size++;
  }

  /**
   * Forget an item.
   *
   * @param item An item given to {@linkcode NameIndex.add}.
   */
  delete(item: T): void {
    const h = hashName(item.name);
    if (h < 0) return;
    const key = h + 1;
    const keys = this.#keys;
    const mask = keys.length - 1;
    let slot = key & mask;
    for (; keys[slot] !== 0; slot = (slot + 1) & mask) {
      if (this.#items[slot] === item) break;
    }
    if (keys[slot] === 0) return;
    // Backward-shift deletion: move later entries of the probe run up, so no tombstones.
    for (let next = (slot + 1) & mask; keys[next] !== 0; next = (next + 1) & mask) {
      const home = keys[next]! & mask;
      const stays = slot <= next ? slot < home && home <= next : slot < home || home <= next;
      if (stays) continue;
      keys[slot] = keys[next]!;
      this.#items[slot] = this.#items[next];
      slot = next;
    }
    keys[slot] = 0;
    this.#items[slot] = undefined;
    this.#size--;
    if (this.#size * 8 < keys.length && keys.length > MIN_SLOTS) this.#resize(keys.length / 2);
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
    const key = (h & HASH_MASK) + 1;
    const length = i - at;
    const keys = this.#keys;
    const mask = keys.length - 1;
    for (let slot = key & mask; keys[slot] !== 0; slot = (slot + 1) & mask) {
      if (keys[slot] !== key) continue;
      const item = this.#items[slot]!;
      if (sameName(item.name, bytes, at, length)) return item;
    }
    return undefined;
  }

  #resize(slots: number): void {
    const keys = this.#keys;
    const items = this.#items;
    this.#keys = new Int32Array(slots);
    this.#items = new Array(slots);
    const mask = slots - 1;
    for (let s = 0; s < keys.length; s++) {
      const key = keys[s]!;
      if (key === 0) continue;
      let slot = key & mask;
      while (this.#keys[slot] !== 0) slot = (slot + 1) & mask;
      this.#keys[slot] = key;
      this.#items[slot] = items[s];
    }
  }
}

/** Whether `name` equals the `length` bytes at `at` (both ASCII). */
function sameName(name: string, bytes: Uint8Array, at: number, length: number): boolean {
  if (name.length !== length) return false;
  for (let k = 0; k < length; k++) {
    if (name.charCodeAt(k) !== bytes[at + k]) return false;
  }
  return true;
}
