/**
 * What a circuit needs from the PVs it serves: lookup by name, a snapshot to read, rights, writes
 * and change notification. {@linkcode Pv} implements it; circuit.ts re-exports these types.
 *
 * @module
 */

import type { Values } from "./protocol/convert.ts";
import type { DbrSource } from "./protocol/dbr.ts";

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
   * Start reporting changes.
   *
   * @param observer Receiver of changes.
   */
  observe(observer: ChannelObserver): void;
  /**
   * Stop reporting changes.
   *
   * @param observer A receiver passed to {@linkcode ChannelSource.observe}.
   */
  unobserve(observer: ChannelObserver): void;
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
}
