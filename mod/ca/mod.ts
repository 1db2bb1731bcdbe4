/**
 * A Channel Access server: serve PVs to EPICS clients (caget, camonitor, pyepics, Phoebus).
 *
 * @example Usage
 * ```ts ignore
 * import { CaServer } from "./mod.ts";
 * const server = await CaServer.start({ port: 5064 });
 * const pv = server.addPv({ name: "DEMO:TEMP", type: "double", value: 21.5, units: "C" });
 * pv.post(22.0);
 * await server.close();
 * ```
 *
 * PVs are mod/pv's protocol-neutral {@linkcode Pv}s: `addPv` also takes one created elsewhere,
 * to serve it from this and other servers at once (see mod/pv/mod.ts).
 *
 * @module
 */

export { CaServer, type CaServerOptions } from "./server/server.ts";
export {
  type PostOptions,
  Pv,
  type PvOptions,
  type PvType,
  type PvValue,
  type WriteContext,
  WriteRefused,
} from "../pv/mod.ts";
export { LocalProtocolError, RemoteProtocolError } from "./protocol/errors.ts";
export * from "./protocol/status.ts";
export * from "./client/client.ts";
