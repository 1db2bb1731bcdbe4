/**
 * A PUT exec on an operation: permission, conversion of the data to the PV's terms, the write,
 * and the reply once it settles (pva-protocol.md §4.6): ERROR "Put not permitted" for a refused
 * client, the reason for data the PV cannot take, the write's own refusal text, OK otherwise.
 *
 * @module
 */

import { errorStatus, type PartialValue, type Status, STATUS_OK } from "../protocol/mod.ts";
import { putValue } from "./_nt_put.ts";
import type { Operation } from "./_operations.ts";
import type { PeerInfo } from "./source.ts";

/** What a PUT needs from its circuit. */
export interface PutContext {
  /** The writing client. */
  readonly peer: PeerInfo;
  /** PUTs of the connection whose write has not settled, and the most allowed. */
  readonly pending: { count: number; readonly max: number };
  /** Queue the PUT reply (the circuit also ends the operation after a 0x10 exec). */
  reply(status: Status): void;
  /** A write settled (after its reply): the circuit wakes its socket layer. */
  settled(): void;
  /** Whether the connection is gone (then nothing is answered). */
  closed(): boolean;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Run a PUT exec; the reply is queued at once or when the write settles.
 *
 * @param op The PUT operation.
 * @param data The decoded BitSet and partial value (`undefined` when they could not be decoded).
 * @param ctx The circuit's side.
 */
export function execPut(op: Operation, data: PartialValue | undefined, ctx: PutContext): void {
  if (op.busy) return ctx.reply(errorStatus("Put in progress"));
  const ch = op.channel;
  if (!ch.source.canWrite(ctx.peer)) return ctx.reply(errorStatus("Put not permitted"));
  if (!data) return ctx.reply(errorStatus("Cannot decode put data"));
  let value;
  try {
    value = putValue(ch.source, { ...data, bits: data.bits.and(op.mask) });
  } catch (error) {
    return ctx.reply(errorStatus(message(error)));
  }
  if (value === undefined) return ctx.reply(STATUS_OK);
  if (ctx.pending.count >= ctx.pending.max) {
    return ctx.reply(errorStatus(`Too many puts in progress (${ctx.pending.max})`));
  }
  op.busy = true;
  ctx.pending.count++;
  ch.pendingPuts++;
  const settle = (status: Status) => {
    op.busy = false;
    ctx.pending.count--;
    ch.pendingPuts--;
    if (ctx.closed()) return;
    // Cancelled (CANCEL_REQUEST) or destroyed meanwhile: no answer.
    if (!op.abandoned) ctx.reply(status);
    ctx.settled();
  };
  // A source that throws instead of rejecting refuses the same way.
  new Promise<void>((resolve) => resolve(ch.source.write(value, ctx.peer))).then(
    () => settle(STATUS_OK),
    (error) => settle(errorStatus(message(error))),
  );
}
