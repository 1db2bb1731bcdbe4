/**
 * The pvAccess client: {@linkcode PvaClient} (search, connect, get, put, monitor, reconnect),
 * the per-connection state machine {@linkcode ClientConnection} (sans I/O), the search datagrams
 * and responses ({@linkcode searchDatagrams}, {@linkcode foundServers}), and the simple value
 * form handed to callers ({@linkcode PvaValue}: `value` plus alarm, time stamp and display;
 * enums as `{ index, choices }`).
 *
 * @example Usage
 * ```ts ignore
 * import { PvaClient, valueString } from "./mod.ts";
 * const client = new PvaClient({ addrList: "127.0.0.1", autoAddrList: false });
 * console.log(valueString((await client.get("DEMO:MODE")).value)); // "Run"
 * await client.close();
 * ```
 *
 * @module
 */

export * from "./client.ts";
export * from "./connection.ts";
export * from "./pv_name.ts";
export * from "./search.ts";
export * from "./values.ts";
