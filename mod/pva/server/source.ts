/**
 * What the PVA server needs from a PV, whatever model holds it: the boundary between the
 * protocol-neutral PV (value, alarm, time, metadata, subscribers, write handler) and the pvAccess
 * circuit, which turns it into normative types. Kept small so another PV model can be adapted to
 * it with a thin wrapper.
 *
 * @module
 */

/** Value kinds, as QSRV2 maps record types to normative types (pva-protocol.md §5). */
export type PvaKind = "double" | "int" | "ubyte" | "string" | "enum";

/** A PV's value: a number (enum: the index) or string, or an array of them. */
export type PvaValue = number | string | readonly number[] | readonly string[];

/** Who a client is: its address and, for the "ca" auth method, the user and host it claims. */
export interface PeerInfo {
  /** Client IP address. */
  address: string;
  /** Client TCP port. */
  port: number;
  /** Auth method the client chose ("anonymous" or "ca"). */
  method: string;
  /** "ca" user name ("" for anonymous, and for pvxs 1.5.2 clients, which send it empty). */
  user: string;
  /** "ca" host name claimed by the client ("" when not given). */
  host: string;
}

/** Alarm state in NT terms. */
export interface PvaAlarm {
  /** 0 NO_ALARM, 1 MINOR, 2 MAJOR, 3 INVALID. */
  severity: number;
  /** NT alarm status (0 none, 1 DEVICE, 2 DRIVER, 3 RECORD, 4 DB, 5 CONF, 6 UNDEFINED, 7 CLIENT). */
  status: number;
  /** The alarm condition's name ("HIGH", "STATE"), "" when not in alarm. */
  message: string;
}

/** Lower and upper bound. */
export interface PvaRange {
  /** Low limit. */
  low: number;
  /** High limit. */
  high: number;
}

/** Static description of a PV. */
export interface PvaMetadata {
  /** What the PV means (display.description). */
  description: string;
  /** Engineering units. */
  units: string;
  /** Display precision (served for doubles only, as QSRV2 does). */
  precision: number;
  /** Display limits. */
  display?: PvaRange;
  /** Control limits (QSRV2 serves the display limits when there are none). */
  control?: PvaRange;
  /** Alarm limits. */
  alarm?: { lolo: number; low: number; high: number; hihi: number };
}

/** Told about changes of a source; called synchronously by the source. */
export interface PvaObserver {
  /** Value, alarm or time changed. */
  update(): void;
  /** The PV is no longer served. */
  removed(): void;
}

/** A PV as the pvAccess server sees it. */
export interface PvaSource {
  /** Channel name. */
  readonly name: string;
  /** Value kind. */
  readonly kind: PvaKind;
  /** Whether the value is an array (NTScalarArray). */
  readonly array: boolean;
  /** Current value. */
  readonly value: PvaValue;
  /** Enum choices ([] for other kinds). */
  readonly choices: readonly string[];
  /** Current alarm. */
  readonly alarm: PvaAlarm;
  /** Time of the current value, milliseconds since 1970 (POSIX). */
  readonly timestamp: number;
  /** Description, units, limits. */
  readonly metadata: PvaMetadata;
  /**
   * Watch the source.
   *
   * @param observer Called on every change, synchronously.
   * @returns Stops watching.
   */
  subscribe(observer: PvaObserver): () => void;
  /**
   * Whether a client may write (QSRV2 still lets it connect, get and see the put structure).
   *
   * @param peer The client.
   * @returns Permission.
   */
  canWrite(peer: PeerInfo): boolean;
  /**
   * Write a value (already converted to the PV's kind; an enum gets its index).
   *
   * @param value The value.
   * @param peer The client.
   * @returns Settles when the write is done; rejects with the reason shown to the client.
   */
  write(value: PvaValue, peer: PeerInfo): Promise<void>;
}
