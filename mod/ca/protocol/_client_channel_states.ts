/**
 * The client's channel state machine as data: the states, which replies a channel accepts in
 * each, and what a channel looks like from outside.
 *
 * @module
 */

import type { ReplyKind } from "./_client_replies.ts";

/** Lifecycle of a channel on a circuit. */
export type ChannelState = "creating" | "connected" | "clearing";

/** What a channel looks like from outside. */
export interface ChannelInfo {
  /** Lifecycle state. */
  readonly state: ChannelState;
  /** Native value type 0–6 (valid once connected). */
  readonly nativeType: number;
  /** Native element count (valid once connected). */
  readonly nativeCount: number;
  /** Access rights: bit 0 read, bit 1 write. */
  readonly rights: number;
}

/** Replies a channel accepts in each state; anything else about a known channel is a violation. */
export const CHANNEL_ACCEPTS: Readonly<Record<ChannelState, ReadonlySet<ReplyKind>>> = {
  creating: new Set<ReplyKind>([
    "AccessRightsReply",
    "CreateChanReply",
    "CreateChFailReply",
    "ServerDisconnReply",
  ]),
  connected: new Set<ReplyKind>(["AccessRightsReply", "ServerDisconnReply"]),
  // Replies already in flight when we cleared are dropped.
  clearing: new Set<ReplyKind>([
    "AccessRightsReply",
    "CreateChanReply",
    "CreateChFailReply",
    "ServerDisconnReply",
    "ClearChannelReply",
  ]),
};
