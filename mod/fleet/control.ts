/**
 * One control action on one host of a fleet: a CA put of Stop, Run or Reset to
 * `{prefix}:MAN:<ioc>_control`. `iocsup fleet control` and the fleet web view both come here, so
 * both meet the same host's access rules with the same errors.
 *
 * @module
 */
import type { CaClient } from "../ca/mod.ts";
import { CONTROL_STATES } from "../manager/pv_specs.ts";

/** A `_control` state name: `Stop`, `Run` or `Reset`. */
export type ControlAction = (typeof CONTROL_STATES)[number];

/**
 * The action named by `text`, case-insensitively.
 *
 * @param text `stop`, `run` or `reset` in any case.
 * @returns The action, or undefined for any other text.
 * @example Usage
 * ```ts
 * import { parseControlAction } from "./control.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(parseControlAction("STOP"), "Stop");
 * assert.equal(parseControlAction("pause"), undefined);
 * ```
 */
export function parseControlAction(text: string): ControlAction | undefined {
  return CONTROL_STATES.find((s) => s.toLowerCase() === text.toLowerCase());
}

/** The `_control` PV of one IOC of one host. */
export function controlPv(prefix: string, ioc: string): string {
  return `${prefix}:MAN:${ioc}_control`;
}

/**
 * Write an action to an IOC's `_control` on its host.
 *
 * @param client A CA client that searches where the host is (its fleet.yaml `addr`).
 * @param prefix The host's prefix.
 * @param ioc The IOC name.
 * @param action Stop, Run or Reset.
 * @param options `timeoutMs` for finding, connecting and the answer; `wait`: put with callback,
 *   settled once the manager reports the action done.
 * @returns The PV written.
 * @throws {Error} `Cannot put "…_control": ECA_…` when the host refuses (its access rules, a
 *   failed action) or does not answer in time.
 */
export async function controlIoc(
  client: CaClient,
  prefix: string,
  ioc: string,
  action: ControlAction,
  options: { timeoutMs: number; wait: boolean },
): Promise<string> {
  const pv = controlPv(prefix, ioc);
  await client.put(pv, CONTROL_STATES.indexOf(action), options);
  return pv;
}
