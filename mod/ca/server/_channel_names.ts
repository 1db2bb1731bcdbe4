/**
 * How a channel name maps to a PV or one of its fields, as in an IOC: `NAME` and `NAME.VAL` and
 * `NAME.` are the PV, `NAME.FIELD` is a field of it, anything else is not ours.
 *
 * @module
 */

import type { ChannelSource } from "./_channel_source.ts";

/** A PV that may expose record fields. */
export interface FieldHolder extends ChannelSource {
  /**
   * A field of the PV as a channel.
   *
   * @param field Name after the dot, e.g. `"SEVR"`.
   * @returns The field, or `undefined` when the PV has none of that name.
   */
  field(field: string): ChannelSource | undefined;
}

/**
 * The channel a client means by `name`. An exact PV name wins, so a PV may have a dot in its
 * name; otherwise the text after the last dot is the field.
 *
 * @param name Requested channel name.
 * @param lookup PV by exact name.
 * @returns The PV, one of its fields, or `undefined`.
 * @example Usage
 * ```ts ignore
 * resolveChannel("P:MAN:all.SEVR", (n) => pvs.get(n)); // the SEVR field of P:MAN:all
 * ```
 */
export function resolveChannel(
  name: string,
  lookup: (name: string) => FieldHolder | undefined,
): ChannelSource | undefined {
  const exact = lookup(name);
  if (exact) return exact;
  const dot = name.lastIndexOf(".");
  if (dot <= 0) return undefined;
  const pv = lookup(name.slice(0, dot));
  if (!pv) return undefined;
  const field = name.slice(dot + 1);
  if (field === "" || field === "VAL") return pv;
  return pv.field(field);
}
