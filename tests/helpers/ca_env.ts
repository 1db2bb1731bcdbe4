/**
 * Environment that pins Channel Access to loopback on a per-test port. Every CA client or server
 * a test starts gets this, so no CA traffic leaves 127.0.0.1.
 *
 * @module
 */

/**
 * CA environment for server and clients on 127.0.0.1 with the given port.
 *
 * @param port UDP/TCP server port.
 * @param repeaterPort Beacon destination port (a free one; no caRepeater is needed).
 * @returns Variables to merge into a child process environment.
 */
export function caLoopbackEnv(port: number, repeaterPort = port + 1): Record<string, string> {
  return {
    EPICS_CA_SERVER_PORT: String(port),
    EPICS_CAS_SERVER_PORT: String(port),
    EPICS_CA_REPEATER_PORT: String(repeaterPort),
    EPICS_CAS_BEACON_PORT: String(repeaterPort),
    EPICS_CAS_INTF_ADDR_LIST: "127.0.0.1",
    EPICS_CAS_BEACON_ADDR_LIST: "127.0.0.1",
    EPICS_CAS_AUTO_BEACON_ADDR_LIST: "NO",
    EPICS_CA_AUTO_ADDR_LIST: "NO",
    EPICS_CA_ADDR_LIST: "127.0.0.1",
  };
}
