/**
 * Options of the PVA server circuit: where channels come from, who the client is, and the
 * bounds a client cannot push past.
 *
 * @module
 */

import type { PvaSource } from "./source.ts";

/** Finds the PV for a channel name. */
export interface PvaDirectory {
  /**
   * Look up a channel name.
   *
   * @param name Channel name.
   * @returns The PV, or `undefined` when not served.
   */
  find(name: string): PvaSource | undefined;
  /**
   * The names served, for the built-in `server` channel (`pvxlist`); without it there is none.
   *
   * @returns The names.
   */
  names?(): Iterable<string>;
}

/** Options of {@linkcode PvaCircuit}. */
export interface PvaCircuitOptions {
  /** Where channels come from. */
  directory: PvaDirectory;
  /** Client IP address. */
  peerAddress: string;
  /** Client TCP port. */
  peerPort: number;
  /** Called when output appears outside {@linkcode PvaCircuit.recv}. @default no-op */
  onWake?: () => void;
  /** For SEARCH over TCP (§3.7): our GUID and TCP port. */
  identity?: { guid: Uint8Array; port: number };
  /** Queued reply bytes beyond which the client is dropped. @default 16 MiB */
  maxQueueBytes?: number;
  /** Largest message (after reassembly). @default 16 MiB */
  maxMessage?: number;
  /** Channels per connection (a client may get 10,000s of PVs at once, as pvxs allows). @default 65536 */
  maxChannels?: number;
  /** Operations per connection. @default 65536 */
  maxOperations?: number;
  /** PUTs whose write has not settled, per connection. @default 256 */
  maxPendingPuts?: number;
}
