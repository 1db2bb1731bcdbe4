/**
 * The manager's PVs: names, types, access and meaning (design.md §4). One table serves the
 * manager (which creates them) and `iocsup pvs` (which lists them).
 *
 * @module
 */
import type { Settings } from "../config/types.ts";
import { STATUS_ENUM_ORDER } from "../supervisor/states.ts";

/** The `_control` and `MAN:all` states, in wire order (a contract with existing screens). */
export const CONTROL_STATES = ["Stop", "Run", "Reset"] as const;

/** `_control` values. */
export const Control = { Stop: 0, Run: 1, Reset: 2 } as const;

/** `_hb` while the IOC is not running (the Python tool's value). */
export const HB_NOT_RUNNING = 999;
/** `_hb` while the heartbeat PV cannot be reached over CA. */
export const HB_UNREACHABLE = 120;

/** CA value types used by the manager. */
export type ManagerPvType = "enum" | "long" | "string";

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
  /** The IOC it belongs to, or undefined for the manager's own PVs. */
  ioc: string | undefined;
  /** Which field of the IOC/manager it shows. */
  field: string;
  /** What it means, for `iocsup pvs`. */
  meaning: string;
}

/** `{prefix}:MAN:` */
export function manPrefix(prefix: string): string {
  return `${prefix}:MAN:`;
}

/**
 * The PVs of one IOC.
 *
 * @param prefix `general.prefix`.
 * @param ioc IOC name.
 * @returns Specs in a stable order.
 */
export function iocPvSpecs(prefix: string, ioc: string): ManagerPvSpec[] {
  const p = `${manPrefix(prefix)}${ioc}_`;
  const spec = (
    field: string,
    type: ManagerPvType,
    meaning: string,
    extra: Partial<ManagerPvSpec> = {},
  ): ManagerPvSpec => ({ name: p + field, type, access: "ro", ioc, field, meaning, ...extra });
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
  ];
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
    extra: Partial<ManagerPvSpec> = {},
  ) => ({
    name: p + field,
    type,
    access: "ro" as const,
    ioc: undefined,
    field,
    meaning,
    ...extra,
  });
  return [
    own("all", "enum", "write 0/1/2 to Stop/Run/Reset every IOC with autostart true", {
      access: "rw",
      enumStrings: CONTROL_STATES,
    }),
    own("heartbeat", "long", "manager heartbeat, +1 per second"),
    own("version", "string", "iocsup version"),
    own("running", "long", "IOCs in RUNNING state"),
    own("total", "long", "IOCs configured"),
    ...settings.iocs.flatMap((ioc) => iocPvSpecs(settings.general.prefix, ioc.name)),
  ];
}
