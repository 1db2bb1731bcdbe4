/**
 * The pvAccess protocol, sans I/O (pva-protocol.md): bytes in, typed messages out, and back.
 * No sockets, timers or clocks: a server's connection state machine (its "circuit") is built on
 * top, and the socket code around that.
 *
 * Layers, bottom up:
 * - primitives: {@linkcode PvaReader} / {@linkcode PvaWriter} (numbers in a message's byte order,
 *   sizes, strings), {@linkcode BitSet}, {@linkcode Status};
 * - types and values: {@linkcode FieldDesc} with the per-connection {@linkcode TypeCache},
 *   {@linkcode Value}, partial values ({@linkcode PartialValue}, bits numbered by
 *   {@linkcode fieldIndex}), normative types as QSRV2 serves them ({@linkcode ntScalar},
 *   {@linkcode ntScalarArray}, {@linkcode ntEnum});
 * - framing: {@linkcode FrameSplitter} (TCP stream → frames), {@linkcode SegmentAssembler}
 *   (segments → messages), {@linkcode splitDatagram} (UDP);
 * - messages: {@linkcode decodeMessage} / {@linkcode encodeMessage} over the
 *   {@linkcode PvaMessage} union; {@linkcode serverGreeting}; pvRequest interpretation
 *   ({@linkcode parsePvRequest}, {@linkcode selectionMask}); search handling
 *   ({@linkcode planSearchDatagram}, {@linkcode searchReply}).
 *
 * Per TCP connection a server keeps one {@linkcode FrameSplitter}, one
 * {@linkcode SegmentAssembler}, one {@linkcode TypeCache} (what the client defined with 0xFD) and
 * its table of operations by ioid (the type it sent in each INIT reply, which
 * {@linkcode DecodeOptions.types} hands back to the decoder for PUT data). It sends little-endian
 * on TCP and big-endian on UDP, and never uses the type cache or segmentation when sending.
 *
 * @example A GET served from a server circuit
 * ```ts
 * import {
 *   BitSet, decodeMessage, encodeMessage, FrameSplitter, ntScalar, parsePvRequest,
 *   type PvaMessage, SegmentAssembler, selectionMask, serverGreeting, STATUS_OK, TypeCache,
 *   type StructDesc,
 * } from "./mod.ts";
 *
 * const type = ntScalar("int"); // one shared type object per PV
 * const splitter = new FrameSplitter();
 * const segments = new SegmentAssembler();
 * const cache = new TypeCache();
 * const ops = new Map<number, { type: StructDesc; mask: BitSet }>();
 * const out: Uint8Array[] = [serverGreeting()]; // first write on accept
 *
 * function onMessage(m: PvaMessage): PvaMessage[] {
 *   switch (m.kind) {
 *     case "CreateChannelRequest":
 *       return m.channels.map((c) => ({ kind: "CreateChannelReply", cid: c.cid, sid: 1, status: STATUS_OK }));
 *     case "InitRequest": {
 *       const mask = selectionMask(parsePvRequest(m.pvRequest), type)!;
 *       ops.set(m.ioid, { type, mask });
 *       return [{ kind: "InitReply", command: m.command, ioid: m.ioid, subcmd: m.subcmd, status: STATUS_OK, type }];
 *     }
 *     case "GetExec": {
 *       const op = ops.get(m.ioid);
 *       if (!op) return []; // exec for a destroyed ioid: ignore
 *       const bits = BitSet.of(1).and(op.mask);
 *       return [{ kind: "GetReply", ioid: m.ioid, subcmd: m.subcmd, status: STATUS_OK, data: { type, bits, value: { value: 5 } } }];
 *     }
 *     default:
 *       return [];
 *   }
 * }
 *
 * function onBytes(chunk: Uint8Array): void {
 *   for (const frame of splitter.push(chunk)) {
 *     const whole = segments.accept(frame);
 *     if (!whole) continue;
 *     const m = decodeMessage(whole, { cache, types: (ioid) => ops.get(ioid)?.type });
 *     for (const reply of onMessage(m)) out.push(encodeMessage(reply));
 *   }
 * }
 *
 * // CREATE_CHANNEL "CAP:HB" as pvxget sends it (cid 0x12345678):
 * onBytes(Uint8Array.from([0xca, 2, 0, 7, 13, 0, 0, 0, 1, 0, 0x78, 0x56, 0x34, 0x12, 6, ...new TextEncoder().encode("CAP:HB")]));
 * out.length; // 2
 * ```
 *
 * @module
 */

export * from "./address.ts";
export * from "./bitset.ts";
export * from "./commands.ts";
export * from "./errors.ts";
export * from "./field_desc.ts";
export * from "./field_index.ts";
export * from "./frame.ts";
export * from "./greeting.ts";
export * from "./header.ts";
export * from "./messages.ts";
export {
  type CreateChannelReplyMessage,
  type CreateChannelRequestMessage,
  credentials,
  type DestroyChannelMessage,
  type EchoMessage,
  type GetFieldMessage,
  type GetFieldReplyMessage,
  type RequestEndMessage,
  type TextMessage,
  type ValidatedMessage,
  type ValidationOfferMessage,
  type ValidationReplyMessage,
} from "./_msg_connection.ts";
export {
  type DataReplyMessage,
  type DataTypes,
  destroysAfter,
  type GetExecMessage,
  type InitReplyMessage,
  type InitRequestMessage,
  type MonitorEndMessage,
  type MonitorExecMessage,
  monitorStart,
  type MonitorUpdateMessage,
  type OtherOperationMessage,
  type PutExecMessage,
  type PutFetchMessage,
  type PutReplyMessage,
  type RpcExecMessage,
  type RpcReplyMessage,
} from "./_msg_operation.ts";
export {
  type BeaconMessage,
  GUID_SIZE,
  type OriginTagMessage,
  SEARCH_MUST_REPLY,
  SEARCH_UNICAST,
  type SearchChannel,
  type SearchMessage,
  type SearchResponseMessage,
} from "./_msg_udp.ts";
export * from "./nt.ts";
export * from "./partial.ts";
export * from "./pv_request.ts";
export * from "./reader.ts";
export * from "./search_plan.ts";
export * from "./segments.ts";
export * from "./status.ts";
export * from "./type_cache.ts";
export * from "./value.ts";
export * from "./writer.ts";
