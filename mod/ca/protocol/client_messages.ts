/**
 * The client's side of the wire: encoders of the requests a CA client sends (search datagrams,
 * the circuit handshake, channel and subscription requests), the decoders of every server reply,
 * the reassembly of replies from a TCP stream, the channel state table, the events a client
 * circuit reports, the requests in flight whose answers become those events, and the DBR_TIME
 * payload decoder.
 *
 * @module
 */

export { CHANNEL_ACCEPTS, type ChannelInfo, type ChannelState } from "./_client_channel_states.ts";
export type { ClientEvent } from "./_client_events.ts";
export { type AnswerReply, PendingRequests, type Subscription } from "./_client_pending.ts";
export {
  type DataReply,
  decodeReply,
  type Reply,
  REPLY_DECODERS,
  type ReplyKind,
} from "./_client_replies.ts";
export { type Frame, ReplyReader } from "./_client_reply_reader.ts";
export {
  writeClearChannel,
  writeCreateChan,
  writeEcho,
  writeEventAdd,
  writeEventCancel,
  writeHello,
  writeReadNotify,
  writeWrite,
  writeWriteNotify,
} from "./_client_requests.ts";
export {
  decodeSearchReplies,
  encodeSearchDatagrams,
  MAX_SEARCH_DATAGRAM,
  type SearchEntry,
} from "./_client_search.ts";
export {
  type ChannelValue,
  decodeTimeValue,
  EPICS_EPOCH_OFFSET,
  timeTypeOf,
  type TimeValue,
  toChannelValue,
} from "./_client_time_value.ts";
