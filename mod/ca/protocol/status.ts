/**
 * ECA status codes as they travel on the wire: `(number << 3) | severity`.
 *
 * @module
 */

/** Success. */
export const ECA_NORMAL = 1;
/** Out of resources. */
export const ECA_ALLOCMEM = 48;
/** Request or reply exceeds buffer limits. */
export const ECA_TOLARGE = 72;
/** Unknown or unusable DBR type. */
export const ECA_BADTYPE = 114;
/** Protocol violation. */
export const ECA_INTERNAL = 142;
/** Read or conversion failed. */
export const ECA_GETFAIL = 152;
/** Write rejected or conversion failed. */
export const ECA_PUTFAIL = 160;
/** Bad element count. */
export const ECA_BADCOUNT = 176;
/** Invalid string. */
export const ECA_BADSTR = 186;
/** Unknown subscription id. */
export const ECA_BADMONID = 242;
/** Client announced a protocol version that is no longer served. */
export const ECA_DEFUNCT = 278;
/** Invalid event mask. */
export const ECA_BADMASK = 330;
/** A previous put-callback is still in progress. */
export const ECA_PUTCBINPROG = 362;
/** No read access. */
export const ECA_NORDACCESS = 368;
/** No write access. */
export const ECA_NOWTACCESS = 376;
/** Unsupported legacy feature. */
export const ECA_ANACHRONISM = 386;
/** No reasonable conversion between the types. */
export const ECA_NOCONVERT = 400;
/** Unknown channel (SID). */
export const ECA_BADCHID = 410;
/** Not supported by this server. */
export const ECA_UNAVAILINSERV = 432;
/** Transfer too large for a client older than protocol 4.9. */
export const ECA_16KARRAYCLIENT = 464;

const NAMES: ReadonlyMap<number, string> = new Map([
  [ECA_NORMAL, "ECA_NORMAL"],
  [ECA_ALLOCMEM, "ECA_ALLOCMEM"],
  [ECA_TOLARGE, "ECA_TOLARGE"],
  [ECA_BADTYPE, "ECA_BADTYPE"],
  [ECA_INTERNAL, "ECA_INTERNAL"],
  [ECA_GETFAIL, "ECA_GETFAIL"],
  [ECA_PUTFAIL, "ECA_PUTFAIL"],
  [ECA_BADCOUNT, "ECA_BADCOUNT"],
  [ECA_BADSTR, "ECA_BADSTR"],
  [ECA_BADMONID, "ECA_BADMONID"],
  [ECA_DEFUNCT, "ECA_DEFUNCT"],
  [ECA_BADMASK, "ECA_BADMASK"],
  [ECA_PUTCBINPROG, "ECA_PUTCBINPROG"],
  [ECA_NORDACCESS, "ECA_NORDACCESS"],
  [ECA_NOWTACCESS, "ECA_NOWTACCESS"],
  [ECA_ANACHRONISM, "ECA_ANACHRONISM"],
  [ECA_NOCONVERT, "ECA_NOCONVERT"],
  [ECA_BADCHID, "ECA_BADCHID"],
  [ECA_UNAVAILINSERV, "ECA_UNAVAILINSERV"],
  [ECA_16KARRAYCLIENT, "ECA_16KARRAYCLIENT"],
]);

/**
 * The symbolic name of an ECA wire code.
 *
 * @param code Wire value, e.g. 376.
 * @returns The name, e.g. `"ECA_NOWTACCESS"`, or `"ECA_<code>"` for codes not listed here.
 * @example Usage
 * ```ts
 * import { ecaName } from "./status.ts";
 * ecaName(1); // "ECA_NORMAL"
 * ```
 */
export function ecaName(code: number): string {
  return NAMES.get(code) ?? `ECA_${code}`;
}
