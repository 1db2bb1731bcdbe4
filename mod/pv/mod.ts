/**
 * Protocol-neutral process variables: one {@linkcode Pv} object holds a PV's value, alarm,
 * timestamp, metadata, access rules and write handler, and every protocol server serving it (CA,
 * pvAccess) observes that same object, so clients of either protocol see the same value from the
 * same `post`.
 *
 * To serve one PV from several servers, create it once and hand it to each server's `addPv`
 * (which also still takes a definition and creates the PV itself). `server.removePv(name)` stops
 * one server; `pv.remove()` retires the PV from every server.
 *
 * @example Two servers, one PV
 * ```ts ignore
 * import { Pv } from "./mod.ts";
 * import { CaServer } from "../ca/mod.ts";
 * import { PvaServer } from "../pva/mod.ts";
 * const ca = await CaServer.start({ port: 5064 });
 * const pva = await PvaServer.start({ port: 5075 });
 * const pv = new Pv({ name: "DEMO:TEMP", type: "double", value: 21.5, units: "C" });
 * for (const server of [ca, pva]) server.addPv(pv);
 * pv.post(22.0); // both protocols' monitors get 22.0
 * pv.remove(); // both servers stop serving it
 * ```
 *
 * @module
 */

export {
  type PostOptions,
  Pv,
  PvChange,
  type PvObserver,
  type PvOptions,
  type PvType,
  type PvValue,
  type WriteContext,
  type WriteResult,
} from "./pv.ts";
export { EPICS_EPOCH_OFFSET, type PvMeta, PvSnapshot, TYPE_CODES, type Values } from "./_state.ts";
export { type WriteRefusalReason, WriteRefused } from "./write_refused.ts";

import type { Pv } from "./pv.ts";

/** What a protocol server offers for serving shared PVs (CaServer and PvaServer implement it). */
export interface PvServer {
  /**
   * Serve a PV created elsewhere (it stays served until `removePv` or `pv.remove()`).
   *
   * @param pv The PV.
   * @returns The same PV.
   */
  addPv(pv: Pv): Pv;
  /** Re-evaluate every open channel's access rights (after `canWrite`'s answers changed). */
  refreshAccess(): void;
}
