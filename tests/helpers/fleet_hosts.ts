/**
 * Stand-in iocsup hosts for the fleet tests and bench: a CaServer on a loopback port serving the
 * manager PVs `iocsup fleet` reads (`MAN:heartbeat`, `MAN:iocs` and per IOC `_status`, `_hb`,
 * `_uptime`, `_restarts`), with the same types as the real manager.
 *
 * @module
 */
import { CaServer, type Pv } from "../../mod/ca/mod.ts";
import { STATUS_ENUM_ORDER } from "../../mod/supervisor/states.ts";
import { IOC_NAMES_COUNT } from "../../mod/manager/pv_specs.ts";

/** One served host. */
export interface FakeHost {
  /** The server. */
  server: CaServer;
  /** `MAN:heartbeat`. */
  heartbeat: Pv;
  /** `MAN:iocs`. */
  iocs: Pv;
  /** Every IOC's PVs by IOC name. */
  iocPvs: Map<string, { status: Pv; hb: Pv; uptime: Pv; restarts: Pv }>;
  /** Set the IOC list (adds PVs for new names). */
  setIocs(names: string[]): void;
}

/**
 * Serve a stand-in manager on 127.0.0.1.
 *
 * @param port CA port (TCP and UDP).
 * @param prefix The host's prefix.
 * @param names IOC names.
 * @returns The host.
 */
export async function fakeHost(port: number, prefix: string, names: string[]): Promise<FakeHost> {
  const env = {
    EPICS_CAS_INTF_ADDR_LIST: "127.0.0.1",
    EPICS_CAS_BEACON_ADDR_LIST: "127.0.0.1",
    EPICS_CAS_AUTO_BEACON_ADDR_LIST: "NO",
    EPICS_CAS_BEACON_PORT: String(port + 1),
  };
  const server = await CaServer.start({ port, env });
  const man = `${prefix}:MAN:`;
  const iocPvs: FakeHost["iocPvs"] = new Map();
  const host: FakeHost = {
    server,
    heartbeat: server.addPv({ name: man + "heartbeat", type: "long", value: 0 }),
    iocs: server.addPv({ name: man + "iocs", type: "char", count: IOC_NAMES_COUNT, value: [0] }),
    iocPvs,
    setIocs(list: string[]) {
      for (const name of list) {
        if (iocPvs.has(name)) continue;
        const p = `${man}${name}_`;
        iocPvs.set(name, {
          status: server.addPv({
            name: p + "status",
            type: "enum",
            value: STATUS_ENUM_ORDER.indexOf("RUNNING"),
            enumStrings: [...STATUS_ENUM_ORDER],
          }),
          hb: server.addPv({ name: p + "hb", type: "long", value: 0 }),
          uptime: server.addPv({ name: p + "uptime", type: "long", value: 0 }),
          restarts: server.addPv({ name: p + "restarts", type: "long", value: 0 }),
        });
      }
      host.iocs.post([...new TextEncoder().encode(list.join(" ")), 0]);
    },
  };
  host.setIocs(names);
  return host;
}
