/**
 * The UDP messages (§3): SEARCH, SEARCH_RESPONSE, BEACON, ORIGIN_TAG, as payload codecs.
 * {@linkcode ./messages.ts} adds headers and dispatch.
 *
 * @module
 */

import { ADDRESS_SIZE } from "./address.ts";
import { LocalProtocolError, RemoteProtocolError } from "./errors.ts";
import type { PvaReader } from "./reader.ts";
import { readTyped, type TypedValue, writeTyped } from "./value.ts";
import type { PvaWriter } from "./writer.ts";

/** SEARCH flags bit 0: reply even when nothing is found. */
export const SEARCH_MUST_REPLY = 0x01;
/** SEARCH flags bit 7: the client sent this search by unicast (forward it, §3.5). */
export const SEARCH_UNICAST = 0x80;
/** Bytes in a GUID. */
export const GUID_SIZE = 12;

/** One name searched for. */
export interface SearchChannel {
  /** searchInstanceID: the client's id, copied into the response. */
  id: number;
  /** PV name. */
  name: string;
}

/** SEARCH (C→S, UDP or TCP). */
export interface SearchMessage {
  /** Discriminator. */
  kind: "Search";
  /** searchSequenceID, copied into the response. */
  sequence: number;
  /** {@linkcode SEARCH_MUST_REPLY} | {@linkcode SEARCH_UNICAST}. */
  flags: number;
  /** Where to reply (16 bytes); unspecified = the datagram's source IP. */
  responseAddress: Uint8Array;
  /** Port to reply to (use it, not the UDP source port). */
  responsePort: number;
  /** Transport protocols the client accepts; empty = any. */
  protocols: string[];
  /** Names searched (empty for a discovery ping). */
  channels: SearchChannel[];
}

/** SEARCH_RESPONSE (S→C). */
export interface SearchResponseMessage {
  /** Discriminator. */
  kind: "SearchResponse";
  /** Our GUID (12 bytes). */
  guid: Uint8Array;
  /** Copied from the request. */
  sequence: number;
  /** 16 bytes; `::ffff:0.0.0.0` = connect to the datagram's source. */
  serverAddress: Uint8Array;
  /** Our TCP port. */
  serverPort: number;
  /** `"tcp"`. */
  protocol: string;
  /** True when `ids` are names we have; false for negative or discovery replies. */
  found: boolean;
  /** searchInstanceIDs answered. */
  ids: number[];
}

/** BEACON (S→broadcast). */
export interface BeaconMessage {
  /** Discriminator. */
  kind: "Beacon";
  /** Our GUID (12 bytes). */
  guid: Uint8Array;
  /** Flags byte (0). */
  flags: number;
  /** beaconSequenceID, wrapping at 256. */
  sequence: number;
  /** Incremented when our set of PVs changes (constant is fine). */
  changeCount: number;
  /** 16 bytes; unspecified = the datagram's source. */
  serverAddress: Uint8Array;
  /** Our TCP port. */
  serverPort: number;
  /** `"tcp"`. */
  protocol: string;
  /** Server status; QSRV2 sends the NULL type. */
  status: TypedValue;
}

/** ORIGIN_TAG (forwarder → local multicast group), prefix of a forwarded search. */
export interface OriginTagMessage {
  /** Discriminator. */
  kind: "OriginTag";
  /** Where the original datagram was received (16 bytes); unspecified is accepted by all. */
  address: Uint8Array;
}

function address(r: PvaReader): Uint8Array {
  return r.bytesView(ADDRESS_SIZE).slice();
}

function fixed(w: PvaWriter, bytes: Uint8Array, n: number, what: string): void {
  if (bytes.length !== n) throw new LocalProtocolError(`Cannot encode ${what}: need ${n} bytes`);
  w.bytes(bytes);
}

/**
 * Write the payload of a SEARCH message.
 *
 * @param w Destination.
 * @param m The message.
 */
export function writeSearch(w: PvaWriter, m: SearchMessage): void {
  w.u32(m.sequence);
  w.u8(m.flags);
  w.bytes(new Uint8Array(3));
  fixed(w, m.responseAddress, ADDRESS_SIZE, "address");
  w.u16(m.responsePort);
  w.size(m.protocols.length);
  for (const p of m.protocols) w.string(p);
  w.u16(m.channels.length);
  for (const c of m.channels) {
    w.u32(c.id);
    w.string(c.name);
  }
}

/**
 * Read the payload of a SEARCH message.
 *
 * @param r Source positioned at the payload.
 * @returns The message.
 */
export function readSearch(r: PvaReader): SearchMessage {
  const sequence = r.u32();
  const flags = r.u8();
  r.bytesView(3);
  const responseAddress = address(r);
  const responsePort = r.u16();
  const np = r.count("search protocols");
  const protocols = Array.from({ length: np }, () => r.string());
  const n = r.u16();
  if (n * 5 > r.remaining) throw new RemoteProtocolError(`Cannot decode SEARCH: count ${n}`);
  const channels = Array.from({ length: n }, () => ({ id: r.u32(), name: r.string() }));
  return { kind: "Search", sequence, flags, responseAddress, responsePort, protocols, channels };
}

/**
 * Write the payload of a SEARCH_RESPONSE message.
 *
 * @param w Destination.
 * @param m The message.
 */
export function writeSearchResponse(w: PvaWriter, m: SearchResponseMessage): void {
  fixed(w, m.guid, GUID_SIZE, "GUID");
  w.u32(m.sequence);
  fixed(w, m.serverAddress, ADDRESS_SIZE, "address");
  w.u16(m.serverPort);
  w.string(m.protocol);
  w.u8(m.found ? 1 : 0);
  w.u16(m.ids.length);
  for (const id of m.ids) w.u32(id);
}

/**
 * Read the payload of a SEARCH_RESPONSE message.
 *
 * @param r Source positioned at the payload.
 * @returns The message.
 */
export function readSearchResponse(r: PvaReader): SearchResponseMessage {
  const guid = r.bytesView(GUID_SIZE).slice();
  const sequence = r.u32();
  const serverAddress = address(r);
  const serverPort = r.u16();
  const protocol = r.string();
  const found = r.bool();
  const n = r.u16();
  if (n * 4 > r.remaining) {
    throw new RemoteProtocolError(`Cannot decode SEARCH_RESPONSE: count ${n}`);
  }
  const ids = Array.from({ length: n }, () => r.u32());
  return {
    kind: "SearchResponse",
    guid,
    sequence,
    serverAddress,
    serverPort,
    protocol,
    found,
    ids,
  };
}

/**
 * Write the payload of a BEACON message.
 *
 * @param w Destination.
 * @param m The message.
 */
export function writeBeacon(w: PvaWriter, m: BeaconMessage): void {
  fixed(w, m.guid, GUID_SIZE, "GUID");
  w.u8(m.flags);
  w.u8(m.sequence & 0xff);
  w.u16(m.changeCount);
  fixed(w, m.serverAddress, ADDRESS_SIZE, "address");
  w.u16(m.serverPort);
  w.string(m.protocol);
  writeTyped(w, m.status);
}

/**
 * Read the payload of a BEACON message.
 *
 * @param r Source positioned at the payload.
 * @returns The message.
 */
export function readBeacon(r: PvaReader): BeaconMessage {
  return {
    kind: "Beacon",
    guid: r.bytesView(GUID_SIZE).slice(),
    flags: r.u8(),
    sequence: r.u8(),
    changeCount: r.u16(),
    serverAddress: address(r),
    serverPort: r.u16(),
    protocol: r.string(),
    status: readTyped(r),
  };
}

/**
 * Write the payload of a ORIGIN_TAG message.
 *
 * @param w Destination.
 * @param m The message.
 */
export function writeOriginTag(w: PvaWriter, m: OriginTagMessage): void {
  fixed(w, m.address, ADDRESS_SIZE, "address");
}

/**
 * Read the payload of a ORIGIN_TAG message.
 *
 * @param r Source positioned at the payload.
 * @returns The message.
 */
export function readOriginTag(r: PvaReader): OriginTagMessage {
  return { kind: "OriginTag", address: address(r) };
}
