/**
 * The manager's PVs: names, types, access and meaning (design.md §4). One table serves the
 * manager (which creates them) and `iocsup pvs` (which lists them).
 *
 * @module
 */
import type { Settings } from "../config/types.ts";
import { STATUS_ENUM_ORDER } from "../supervisor/states.ts";
import { LOG_BYTES_PER_LINE } from "./log_lines.ts";

/** The `_control` and `MAN:all` states, in wire order (a contract with existing screens). */
export const CONTROL_STATES = ["Stop", "Run", "Reset"] as const;

/** `_control` values. */
export const Control = { Stop: 0, Run: 1, Reset: 2 } as const;

/** `_hb` while the IOC is not running (the Python tool's value). */
export const HB_NOT_RUNNING = 999;
/** `_hb` while the heartbeat PV cannot be reached over CA. */
export const HB_UNREACHABLE = 120;

/** CA value types used by the manager. */
export type ManagerPvType = "enum" | "long" | "string" | "char";

/** One PV the manager serves. */
export interface ManagerPvSpec {
  /** Full PV name. */
  name: string;
  /** CA native type. */
  type: ManagerPvType;
  /** "rw" for control PVs, "ro" for everything else. */
  access: "ro" | "rw";
  /** Enum state strings (enum PVs only). */
  enumStrings?: readonly string[];
  /** Engineering units. */
  units?: string;
  /** Element count (NELM) of an array PV; absent for scalars. */
  count?: number;
  /**
   * Record type the Python tool served it from (its `.RTYP` and DBR_CLASS_NAME): mbbo for
   * writable enums, mbbi for read-only ones, longin for integers, stringin for strings; a CHAR
   * waveform for the `_log` text.
   */
  recordType: string;
  /** Its `.DESC` field: the IOC's description (else the IOC name), or a fixed text. */
  description: string;
  /** The IOC it belongs to, or undefined for the manager's own PVs. */
  ioc: string | undefined;
  /** Which field of the IOC/manager it shows. */
  field: string;
  /** What it means, for `iocsup pvs`. */
  meaning: string;
}

/**
 * The record type of a manager PV, as the Python tool created it.
 *
 * @param type Value type.
 * @param access Client access.
 * @returns `mbbo`, `mbbi`, `longin`, `stringin` or `waveform`.
 */
export function recordTypeOf(type: ManagerPvType, access: "ro" | "rw"): string {
  switch (type) {
    case "char":
      return "waveform";
    case "enum":
      return access === "rw" ? "mbbo" : "mbbi";
    case "long":
      return access === "rw" ? "longout" : "longin";
    case "string":
      return access === "rw" ? "stringout" : "stringin";
  }
}

/** Element count of `MAN:iocs`: room for hundreds of IOC names. */
export const IOC_NAMES_COUNT = 16384;

/** `{prefix}:MAN:` */
export function manPrefix(prefix: string): string {
  return `${prefix}:MAN:`;
}

/**
 * The PVs of one IOC.
 *
 * @param prefix `general.prefix`.
 * @param ioc IOC name.
 * @param options `description`: the IOC's description from settings, served in every one of its
 *   PVs' `.DESC` field (the IOC name when empty). `logLines`: `general.log_lines`, the lines `_log`
 *   holds (0 or absent: no `_log` and `_lastline`).
 * @returns Specs in a stable order.
 */
export function iocPvSpecs(
  prefix: string,
  ioc: string,
  options: { description?: string; logLines?: number } = {},
): ManagerPvSpec[] {
  const logLines = options.logLines ?? 0;
  const p = `${manPrefix(prefix)}${ioc}_`;
  const description = options.description || ioc;
  const spec = (
    field: string,
    type: ManagerPvType,
    meaning: string,
    extra: Partial<ManagerPvSpec> = {},
  ): ManagerPvSpec => {
    const access = extra.access ?? "ro";
    return {
      name: p + field,
      type,
      access,
      recordType: recordTypeOf(type, access),
      description,
      ioc,
      field,
      meaning,
      ...extra,
    };
  };
  return [
    spec("control", "enum", "write 0 Stop, 1 Run (start), 2 Reset (restart); follows reality", {
      access: "rw",
      enumStrings: CONTROL_STATES,
    }),
    spec("hb", "long", "heartbeat age in s: 999 not running, 120 heartbeat PV unreachable", {
      units: "s",
    }),
    spec("status", "enum", "supervisord state (alarm severity follows it)", {
      enumStrings: STATUS_ENUM_ORDER,
    }),
    spec("pid", "long", "process id, 0 when not running"),
    spec("uptime", "long", "seconds since the IOC started, 0 when not running", { units: "s" }),
    spec("restarts", "long", "unexpected exits since supervisord started"),
    spec("exitcode", "long", "exit status of the last exit"),
    spec("desc", "string", "description from settings"),
    ...(logLines > 0
      ? [
        spec(
          "log",
          "char",
          `last ${logLines} lines of output, "\\n"-separated, NUL-terminated (caget -S)`,
          { count: logNelm(logLines) },
        ),
        spec("lastline", "string", "newest line of output (first 39 bytes)"),
      ]
      : []),
  ];
}

/**
 * NELM of `_log`: {@linkcode LOG_BYTES_PER_LINE} bytes per line (when the lines are longer, the
 * oldest ones are left out).
 *
 * @param logLines `general.log_lines`.
 * @returns The element count.
 */
export function logNelm(logLines: number): number {
  return logLines * LOG_BYTES_PER_LINE;
}

/**
 * Every PV the manager serves for these settings: the manager's own, then each IOC's.
 *
 * @param settings Loaded settings.
 * @returns Specs in a stable order.
 */
export function managerPvSpecs(settings: Settings): ManagerPvSpec[] {
  const p = manPrefix(settings.general.prefix);
  const own = (
    field: string,
    type: ManagerPvType,
    meaning: string,
    description: string,
    extra: Partial<ManagerPvSpec> = {},
  ): ManagerPvSpec => {
    const access = extra.access ?? "ro";
    return {
      name: p + field,
      type,
      access,
      recordType: recordTypeOf(type, access),
      description,
      ioc: undefined,
      field,
      meaning,
      ...extra,
    };
  };
  return [
    own(
      "all",
      "enum",
      "write 0/1/2 to Stop/Run/Reset every IOC with autostart true",
      "Stop/Run/Reset all autostart IOCs",
      { access: "rw", enumStrings: CONTROL_STATES },
    ),
    own("heartbeat", "long", "manager heartbeat, +1 per second", "iocsup manager heartbeat"),
    own("version", "string", "iocsup version", "iocsup version"),
    own("running", "long", "IOCs in RUNNING state", "IOCs in RUNNING state"),
    own("total", "long", "IOCs configured", "IOCs configured"),
    own(
      "iocs",
      "char",
      "IOC names, space-separated (CHAR waveform, NUL-terminated; caget -S)",
      "IOC names",
      { count: IOC_NAMES_COUNT },
    ),
    ...settings.iocs.flatMap((ioc) =>
      iocPvSpecs(settings.general.prefix, ioc.name, {
        description: ioc.description,
        logLines: settings.general.logLines,
      })
    ),
  ];
}
