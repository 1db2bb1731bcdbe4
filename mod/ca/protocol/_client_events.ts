/**
 * What a client circuit reports about its server: replies translated into channel, read and
 * monitor events.
 *
 * @module
 */

import type { ChannelValue } from "./_client_time_value.ts";

/** What the server told us, as a discriminated union on `kind`. */
export type ClientEvent =
  | { kind: "ServerVersion"; minor: number }
  | {
    kind: "ChannelConnected";
    cid: number;
    nativeType: number;
    nativeCount: number;
    rights: number;
  }
  | { kind: "AccessRightsChanged"; cid: number; rights: number }
  | { kind: "ChannelCreateFailed"; cid: number }
  | { kind: "ChannelDisconnected"; cid: number }
  | { kind: "MonitorUpdate"; cid: number; subid: number; value: ChannelValue }
  | { kind: "MonitorFailed"; cid: number; subid: number; eca: number }
  | { kind: "ReadDone"; cid: number; ioid: number; value: ChannelValue }
  | { kind: "ReadFailed"; cid: number; ioid: number; eca: number }
  | { kind: "WriteDone"; cid: number; ioid: number }
  | { kind: "WriteFailed"; cid: number; ioid: number; eca: number; text: string }
  | { kind: "ServerError"; cid: number; eca: number; text: string }
  | { kind: "EchoReply" };
