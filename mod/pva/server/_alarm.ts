/**
 * EPICS alarm conditions (the CA `status` 0–21) in NT terms, as QSRV2 maps them
 * (pva-protocol.md §5.1): an NT alarm status and the condition's name as message.
 *
 * @module
 */

import type { PvaAlarm } from "./source.ts";
import { ALARM_STATUS_STRINGS } from "../../pv/alarm.ts";

/** NT status per condition: DEVICE 1, DRIVER 2, RECORD 3, DB 4, UNDEFINED 6. */
const NT_STATUS = [0, 6, 6, 1, 1, 1, 1, 1, 1, 2, 2, 1, 3, 3, 3, 3, 3, 2, 4, 4, 4, 4];

/**
 * The NT alarm of an EPICS severity and alarm condition.
 *
 * @param severity 0–3.
 * @param condition EPICS alarm condition 0–21 (as CA's `status`).
 * @returns Severity, NT status and message ("" when there is no alarm).
 * @example Usage
 * ```ts
 * import { ntAlarm } from "./_alarm.ts";
 * ntAlarm(1, 4); // { severity: 1, status: 1, message: "HIGH" }
 * ```
 */
export function ntAlarm(severity: number, condition: number): PvaAlarm {
  if (condition <= 0 || condition >= ALARM_STATUS_STRINGS.length) {
    return { severity, status: 0, message: "" };
  }
  return { severity, status: NT_STATUS[condition]!, message: ALARM_STATUS_STRINGS[condition]! };
}
