/**
 * Per-connection bookkeeping of the PVA circuit: channels by sid and operations by ioid, and how
 * a monitor turns source changes into updates (coalesced: an update is built only when the
 * connection can take one, from what changed since the last one sent).
 *
 * @module
 */

import {
  BitSet,
  changedBits,
  GET,
  MONITOR,
  monitorStart,
  type MonitorUpdateMessage,
  parsePvRequest,
  PUT,
  type PvRequest,
  requestOptions,
  selectionMask,
  type StructDesc,
  type StructValue,
  type TypedValue,
} from "../protocol/mod.ts";
import type { NtSnapshot } from "./_nt_value.ts";
import type { PvaSource } from "./source.ts";

/** An open channel. */
export interface Channel {
  /** Our id. */
  readonly sid: number;
  /** The client's id. */
  readonly cid: number;
  /** The PV. */
  readonly source: PvaSource;
  /** Its NT type. */
  readonly type: StructDesc;
  /**
   * Operations on it: none, one (the usual case, held as is), or several. A client may open
   * 10,000s of channels at once: no collection per channel until one has two operations.
   */
  ops: Operation | Operation[] | undefined;
  /** PUTs whose write has not settled (monitor updates wait so the PUT reply goes first). */
  pendingPuts: number;
  /**
   * Stops watching the source, once a MONITOR made the channel watch it: a GET or PUT needs no
   * change reports, and the removal of a PV reaches the circuit from its server.
   */
  unsubscribe: (() => void) | undefined;
}

/**
 * Record an operation on its channel.
 *
 * @param op The operation.
 */
export function attachOp(op: Operation): void {
  const ch = op.channel;
  const ops = ch.ops;
  if (ops === undefined) ch.ops = op;
  else if (Array.isArray(ops)) ops.push(op);
  else ch.ops = [ops, op];
}

/**
 * Forget an operation on its channel.
 *
 * @param op The operation.
 */
export function detachOp(op: Operation): void {
  const ch = op.channel;
  const ops = ch.ops;
  if (ops === op) ch.ops = undefined;
  else if (Array.isArray(ops)) {
    const at = ops.indexOf(op);
    if (at >= 0) ops.splice(at, 1);
    if (ops.length === 1) ch.ops = ops[0];
  }
}

/**
 * The operations on a channel, as a list the caller may keep while operations come and go.
 *
 * @param ch The channel.
 * @returns A new array.
 */
export function opsOf(ch: Channel): Operation[] {
  const ops = ch.ops;
  return ops === undefined ? [] : Array.isArray(ops) ? [...ops] : [ops];
}

/** A GET, PUT or MONITOR after its INIT. */
export interface Operation {
  /** Request id. */
  readonly ioid: number;
  /** GET, PUT or MONITOR. */
  readonly command: number;
  /** Its channel. */
  readonly channel: Channel;
  /** The pvRequest's selection (shared between operations: do not modify). */
  readonly mask: BitSet;
  /** A PUT is waiting for its write to settle. */
  busy: boolean;
  /** The client cancelled the pending PUT: do not answer it. */
  abandoned: boolean;
  /** Monitor state, for MONITOR. */
  monitor?: MonitorState;
}

/** What a MONITOR remembers between updates. */
export interface MonitorState {
  /** Started (0x44) and not stopped. */
  running: boolean;
  /** Flow control on (`record._options.pipeline`). */
  pipeline: boolean;
  /** Updates the client still accepts (pipeline only). */
  window: number;
  /** The value last sent; `undefined` until the first update after a start. */
  last: StructValue | undefined;
}

/**
 * The next update of a monitor: every field with data after a start, then the fields that changed
 * since the last update, masked by the pvRequest selection.
 *
 * @param op The operation (with monitor state).
 * @param snap The source's current value (shared by the monitors of one source, so that what
 *   they remember as last sent is one object, not one copy each).
 * @returns The update, or `undefined` when nothing selected changed.
 */
export function nextMonitorUpdate(
  op: Operation,
  snap: NtSnapshot,
): MonitorUpdateMessage | undefined {
  const m = op.monitor!;
  const type = op.channel.type;
  let bits: BitSet;
  if (m.last === undefined) bits = selected(snap.bits, op);
  else {
    // Monitors in step (the usual fan-out) all compare the same two values: compare once.
    let changed = snap.changedFrom?.last === m.last ? snap.changedFrom.bits : undefined;
    if (changed === undefined) {
      changed = changedBits(type, m.last, snap.value).and(snap.bits);
      snap.changedFrom = { last: m.last, bits: changed };
    }
    bits = selected(changed, op);
  }
  m.last = snap.value;
  if (bits.empty) return undefined;
  return {
    kind: "MonitorUpdate",
    ioid: op.ioid,
    subcmd: 0,
    data: { type, bits, value: snap.value },
    overrun: new BitSet(),
  };
}

/** What an INIT request asks for. */
export interface InitParams {
  /** GET, PUT, MONITOR, or another operation (refused). */
  command: number;
  /** Request id. */
  ioid: number;
  /** The pvRequest. */
  pvRequest: TypedValue;
  /** MONITOR with pipeline: the initial window. */
  queueSize?: number | undefined;
}

/**
 * The operation an INIT creates on a channel, or why it cannot be created (the INIT reply's
 * ERROR text): unsupported commands (PUT_GET, ARRAY, PROCESS, RPC), a selection that matches no
 * field ("Op Create implied error", as QSRV2), an unparseable pipelined `queueSize` (as pvxs).
 *
 * @param channel The channel.
 * @param init The request.
 * @returns The operation, or the error message.
 */
export function createOperation(channel: Channel, init: InitParams): Operation | string {
  const { command, ioid } = init;
  if (command !== GET && command !== PUT && command !== MONITOR) {
    return "Operation not supported by this server";
  }
  const req = requestOf(init.pvRequest);
  const mask = maskOf(req, channel.type);
  if (!mask) return "Op Create implied error: no field selected";
  const op: Operation = { ioid, command, channel, mask, busy: false, abandoned: false };
  if (command === MONITOR) {
    const options = requestOptions(req);
    const bad = options.problems.find((p) => p.startsWith("queueSize"));
    if (options.pipeline && bad) return `Cannot use ${bad}`;
    op.monitor = {
      running: false,
      pipeline: options.pipeline,
      window: init.queueSize ?? options.queueSize,
      last: undefined,
    };
  }
  return op;
}

/** The last pvRequest parsed (the decoder hands out one value for a run of equal requests). */
let lastParsed: { value: TypedValue; req: PvRequest } | undefined;

function requestOf(value: TypedValue): PvRequest {
  if (lastParsed?.value !== value) lastParsed = { value, req: parsePvRequest(value) };
  return lastParsed.req;
}

/** The mask of every field of a type, shared by the operations that select everything. */
const ALL_FIELDS = new WeakMap<StructDesc, BitSet>();

/**
 * The bits of `bits` an operation selected: `bits` itself when it selected every field (most
 * do; a GET of 10,000 PVs then builds no set per reply). Shared: do not modify the result.
 *
 * @param bits Bits of a value of the operation's type.
 * @param op The operation.
 * @returns The selected bits.
 */
export function selected(bits: BitSet, op: Operation): BitSet {
  return ALL_FIELDS.get(op.channel.type) === op.mask ? bits : bits.and(op.mask);
}

/** The selection of a request; shared (not to be modified) when it is every field. */
function maskOf(req: PvRequest, type: StructDesc): BitSet | undefined {
  if (req.fields !== null) return selectionMask(req, type);
  let all = ALL_FIELDS.get(type);
  if (all === undefined) ALL_FIELDS.set(type, all = selectionMask(req, type)!);
  return all;
}

/**
 * Apply a MONITOR exec to a monitor: a pipeline ack widens the window, 0x44 starts, 0x04 stops.
 *
 * @param m The monitor.
 * @param subcmd The exec's subcommand.
 * @param ack With 0x80: how many more updates the client accepts.
 * @returns Whether the monitor was (re)started: its next update carries everything.
 */
export function applyMonitorExec(
  m: MonitorState,
  subcmd: number,
  ack: number | undefined,
): boolean {
  if (ack !== undefined) m.window += ack;
  const start = monitorStart(subcmd);
  if (start === false) m.running = false;
  if (start !== true || m.running) return false;
  m.running = true;
  m.last = undefined;
  return true;
}
