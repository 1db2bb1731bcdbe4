/**
 * pvAccess for iocsup: a server ({@linkcode PvaServer}, the same surface as the CA server's
 * `CaServer`) on top of the sans-I/O protocol in `protocol/`.
 *
 * @example Serve a PV
 * ```ts ignore
 * import { PvaServer } from "./mod.ts";
 * const server = await PvaServer.start();
 * const mode = server.addPv({ name: "X:MODE", type: "enum", value: 0, enumStrings: ["Stop", "Run"] });
 * // mode is a mod/pv Pv: a CaServer can serve the same object (`ca.addPv(mode)`).
 * mode.post(1);
 * await server.close();
 * ```
 *
 * @module
 */

export { PvaServer, type PvaServerOptions } from "./server/server.ts";
export { PvaCircuit, type PvaCircuitOptions, type PvaDirectory } from "./server/circuit.ts";
export type {
  PeerInfo,
  PvaAlarm,
  PvaKind,
  PvaMetadata,
  PvaObserver,
  PvaRange,
  PvaSource,
  PvaValue,
} from "./server/source.ts";
export {
  type BitSet,
  ntEnum,
  ntScalar,
  ntScalarArray,
  type PvaMessage,
  type StructDesc,
  type StructValue,
} from "./protocol/mod.ts";
