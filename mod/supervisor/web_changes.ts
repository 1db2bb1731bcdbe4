/**
 * Differences between the web UI supervisord serves and the one the settings ask for.
 * supervisord reads `[inet_http_server]` only when it starts (`reloadConfig` compares process
 * groups only), so `reload` keeps the section in force and names what waits for a restart.
 *
 * @module
 */

/** A web UI login, as in `[inet_http_server]`. */
export interface WebLogin {
  /** `host:port`. */
  listen: string;
  /** User name. */
  username: string;
  /** Password. */
  password: string;
}

/**
 * The web UI settings that differ.
 *
 * @param inForce The section supervisord runs with, or undefined when the UI is off.
 * @param wanted What the settings ask for, or undefined for `web: false`.
 * @returns Setting names (`general.web` when the UI is turned on or off, else
 *   `general.web.listen`, `general.web.username`, `general.web.password`); empty when equal.
 * @example Usage
 * ```ts
 * import { webChanges } from "./web_changes.ts";
 * const old = { listen: "127.0.0.1:9001", username: "iocsup", password: "a" };
 * webChanges(old, { ...old, password: "b" }); // ["general.web.password"]
 * ```
 */
export function webChanges(inForce: WebLogin | undefined, wanted: WebLogin | undefined): string[] {
  if (inForce === undefined || wanted === undefined) {
    return inForce === wanted ? [] : ["general.web"];
  }
  const keys = ["listen", "username", "password"] as const;
  return keys.filter((key) => inForce[key] !== wanted[key]).map((key) => `general.web.${key}`);
}
