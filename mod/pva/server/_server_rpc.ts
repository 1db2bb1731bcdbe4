/**
 * The built-in `server` channel pvxs servers offer (pva-protocol.md §4.9): `pvxlist <host:port>`
 * calls it by RPC with an NTURI whose `query.op` is `channels` (answer: the names served, as an
 * NTScalarArray of strings) or `info` (answer: implementation and version).
 *
 * @module
 */

import {
  ALARM_T,
  errorStatus,
  type InitRequestMessage,
  type PvaMessage,
  RPC,
  type RpcExecMessage,
  scalar,
  scalarArray,
  STATUS_OK,
  structure,
  type StructValue,
  TIME_T,
} from "../protocol/mod.ts";

/** The channel name pvxlist asks for. */
export const SERVER_CHANNEL = "server";

const CHANNELS_T = structure("epics:nt/NTScalarArray:1.0", {
  value: scalarArray("string"),
  alarm: ALARM_T,
  timeStamp: TIME_T,
});
const INFO_T = structure("", { implLang: scalar("string"), version: scalar("string") });

/** The `server` channels of one connection and their RPC operations. */
export class ServerRpc {
  /** sid → cid. */
  #channels = new Map<number, number>();
  /** ioid → sid. */
  #ops = new Map<number, number>();

  /** Open `server` channels. */
  get size(): number {
    return this.#channels.size;
  }

  /**
   * Open a `server` channel.
   *
   * @param sid Our id.
   * @param cid The client's id.
   */
  open(sid: number, cid: number): void {
    this.#channels.set(sid, cid);
  }

  /**
   * @param sid A channel id.
   * @returns Whether it is a `server` channel.
   */
  has(sid: number): boolean {
    return this.#channels.has(sid);
  }

  /**
   * Close a `server` channel.
   *
   * @param sid Its id.
   * @returns The DESTROY_CHANNEL echo, or `undefined` when it is not one.
   */
  close(sid: number): PvaMessage | undefined {
    const cid = this.#channels.get(sid);
    if (cid === undefined) return undefined;
    this.#channels.delete(sid);
    for (const [ioid, s] of this.#ops) if (s === sid) this.#ops.delete(ioid);
    return { kind: "DestroyChannel", sid, cid };
  }

  /**
   * Whether an operation belongs to a `server` channel.
   *
   * @param ioid Request id.
   * @returns True when it does.
   */
  hasOp(ioid: number): boolean {
    return this.#ops.has(ioid);
  }

  /**
   * Forget an operation (DESTROY_REQUEST).
   *
   * @param ioid Request id.
   */
  forget(ioid: number): void {
    this.#ops.delete(ioid);
  }

  /**
   * Answer an INIT on a `server` channel: RPC only.
   *
   * @param m The request.
   * @returns The INIT reply.
   */
  init(m: InitRequestMessage): PvaMessage {
    const { command, ioid, subcmd } = m;
    if (command !== RPC) {
      const status = errorStatus("The server channel only answers RPC");
      return { kind: "InitReply", command, ioid, subcmd, status };
    }
    this.#ops.set(ioid, m.sid);
    return { kind: "InitReply", command, ioid, subcmd, status: STATUS_OK };
  }

  /**
   * Answer an RPC.
   *
   * @param m The request (an NTURI with `query.op`).
   * @param names The names served.
   * @returns The reply, or `undefined` for an unknown operation.
   */
  exec(m: RpcExecMessage, names: () => Iterable<string>): PvaMessage | undefined {
    if (!this.#ops.has(m.ioid)) return undefined;
    if (m.subcmd & 0x10) this.#ops.delete(m.ioid);
    const query = ((m.args.value ?? {}) as StructValue)["query"] as StructValue | null | undefined;
    const op = query?.["op"];
    const reply = { kind: "RpcReply" as const, ioid: m.ioid, subcmd: m.subcmd };
    if (op === "channels") {
      const value = {
        value: [...names()].sort(),
        alarm: { severity: 0, status: 0, message: "" },
        timeStamp: { secondsPastEpoch: 0n, nanoseconds: 0, userTag: 0 },
      };
      return { ...reply, status: STATUS_OK, result: { type: CHANNELS_T, value } };
    }
    if (op === "info") {
      const value = { implLang: "typescript", version: "iocsup" };
      return { ...reply, status: STATUS_OK, result: { type: INFO_T, value } };
    }
    return { ...reply, status: errorStatus(`Unknown server operation ${JSON.stringify(op)}`) };
  }
}
