/**
 * Settings: load `settings.yaml`, validate it with source positions, apply defaults.
 *
 * @example Usage
 * ```ts ignore
 * import { loadSettings } from "./mod.ts";
 *
 * const settings = await loadSettings("settings.yaml");
 * for (const ioc of settings.iocs) console.log(ioc.name, ioc.command);
 * ```
 *
 * @module
 */
export * from "./types.ts";
export * from "./parse.ts";
export * from "./load.ts";
export * from "./ioc_name.ts";
export * from "./template.ts";
export * from "./shell_quote.ts";
export * from "./host.ts";
export * from "./conf_value.ts";
