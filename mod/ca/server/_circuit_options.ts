/**
 * What a server tells a circuit when it creates one, and what a circuit reports back without
 * closing. circuit.ts re-exports these types.
 *
 * @module
 */

import type { ChannelDirectory } from "./_channel_source.ts";

/** Limits and environment of a circuit. */
export interface CircuitOptions {
  /** PV lookup. */
  directory: ChannelDirectory;
  /** Client IP address (used as host until HOST_NAME arrives). */
  peerHost: string;
  /** Our TCP port, for SEARCH replies over TCP. */
  tcpPort: number;
  /** Largest request payload accepted. @default 16384 */
  maxArrayBytes?: number;
  /** Most channels per circuit. @default 100000 */
  maxChannels?: number;
  /** Most subscriptions per circuit. @default 100000 */
  maxSubscriptions?: number;
  /** Most output bytes (replies) held for a client that does not read. @default 16 MiB */
  maxQueueBytes?: number;
  /** Called when output became available outside `Circuit.recv`. */
  onWake?: () => void;
  /** Source of SIDs (a server-wide counter, as RSRV has); ids in use on this circuit are skipped. */
  allocateSid?: () => number;
}

/** Something worth logging that did not close the circuit. */
export interface CircuitNotice {
  /** Sentence-case description. */
  readonly message: string;
}
