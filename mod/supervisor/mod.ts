/**
 * supervisord layer: conf rendering, daemon control, the XML-RPC client, the event-listener
 * protocol and process states.
 *
 * @module
 */
export * from "./states.ts";
export * from "./conf_escape.ts";
export * from "./conf_render.ts";
export * from "./conf_summary.ts";
export * from "./xmlrpc_client.ts";
export * from "./daemon.ts";
export * from "./event_listener.ts";
export * from "./process_marker.ts";
export * from "./proc_table.ts";
export * from "./orphans.ts";
