/**
 * The choice strings of EPICS' alarm menus (epics-base `menuAlarmSevr.dbd`, `menuAlarmStat.dbd`),
 * in code order: what an IOC's `.SEVR` and `.STAT` fields show as enum states.
 *
 * @module
 */

/** Alarm severities 0–3 (menuAlarmSevr). */
export const ALARM_SEVERITY_STRINGS: readonly string[] = Object.freeze([
  "NO_ALARM",
  "MINOR",
  "MAJOR",
  "INVALID",
]);

/**
 * Alarm statuses 0–21 (menuAlarmStat). More than the 16 states a DBR_CTRL_ENUM carries: like an
 * IOC, GR/CTRL_ENUM replies list the first 16, while enum → string conversions know all 22.
 */
export const ALARM_STATUS_STRINGS: readonly string[] = Object.freeze([
  "NO_ALARM",
  "READ",
  "WRITE",
  "HIHI",
  "HIGH",
  "LOLO",
  "LOW",
  "STATE",
  "COS",
  "COMM",
  "TIMEOUT",
  "HWLIMIT",
  "CALC",
  "SCAN",
  "LINK",
  "SOFT",
  "BAD_SUB",
  "UDF",
  "DISABLE",
  "SIMM",
  "READ_ACCESS",
  "WRITE_ACCESS",
]);
