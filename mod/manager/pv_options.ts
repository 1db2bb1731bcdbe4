/**
 * Turn a manager PV spec into the CA server's PV definition: type, enum strings, units, the
 * record type and description its `.RTYP`/`.DESC` fields show, and for the control PVs the write
 * handler and the `general.access` check.
 *
 * @module
 */
import type { AccessSettings } from "../config/types.ts";
import { type PvOptions, type WriteContext, WriteRefused } from "../pv/mod.ts";
import { getLogger } from "../log.ts";
import { Control, type ManagerPvSpec } from "./pv_specs.ts";

const log = getLogger("manager");

/** What a control PV needs besides its spec. */
export interface PvBinding {
  /**
   * Apply a control value (0 Stop, 1 Run, 2 Reset); returns the value to store, or a promise of
   * it that settles when the action is done (a put with callback completes then).
   */
  onControl?: (value: number) => number | undefined | Promise<number | undefined>;
  /** The access rules in force (read at each check, so a reload applies at once). */
  access: () => AccessSettings | undefined;
}

/**
 * Whether a client may write under `general.access` (absent rules: anyone, as in EPICS).
 *
 * @param access The rules.
 * @param ctx The client's host and user as sent in HOST_NAME / CLIENT_NAME.
 * @returns True when allowed.
 */
export function mayWrite(access: AccessSettings | undefined, ctx: WriteContext): boolean {
  if (access === undefined) return true;
  return (access.writeHosts.length === 0 || access.writeHosts.includes(ctx.host)) &&
    (access.writeUsers.length === 0 || access.writeUsers.includes(ctx.user));
}

/**
 * The CA definition of one manager PV.
 *
 * @param spec The PV's spec.
 * @param value Initial value.
 * @param binding Control handler and access rules.
 * @returns Options for `CaServer.addPv`.
 */
export function pvOptionsFor(
  spec: ManagerPvSpec,
  value: number | string | readonly number[],
  binding: PvBinding,
): PvOptions {
  const options: PvOptions = {
    name: spec.name,
    type: spec.type,
    value,
    access: spec.access,
    className: spec.recordType,
    description: spec.description,
    ...(spec.enumStrings ? { enumStrings: [...spec.enumStrings] } : {}),
    ...(spec.units ? { units: spec.units } : {}),
    ...(spec.count ? { count: spec.count } : {}),
  };
  if (spec.access !== "rw") return options;
  const onControl = binding.onControl;
  if (onControl) {
    options.onWrite = (written) => {
      const index = Number(written);
      if (!Number.isInteger(index) || index < Control.Stop || index > Control.Reset) {
        throw new WriteRefused();
      }
      return onControl(index);
    };
  }
  options.canWrite = (ctx) => {
    const ok = mayWrite(binding.access(), ctx);
    if (!ok) log.warn(`${spec.name}: write refused to ${ctx.user}@${ctx.host} (general.access)`);
    return ok;
  };
  return options;
}
