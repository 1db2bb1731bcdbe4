import assert from "node:assert/strict";
import {
  isProcessStateName,
  ProcessState,
  RUNNING_STATES,
  stateNameOf,
  STATUS_ENUM_ORDER,
  statusEnumIndex,
  STOPPED_STATES,
} from "../../../mod/supervisor/states.ts";

Deno.test("ProcessState has supervisord's codes", () => {
  assert.deepEqual(ProcessState, {
    STOPPED: 0,
    STARTING: 10,
    RUNNING: 20,
    BACKOFF: 30,
    STOPPING: 40,
    EXITED: 100,
    FATAL: 200,
    UNKNOWN: 1000,
  });
});

Deno.test("statusEnumIndex() follows the _status PV order", () => {
  assert.deepEqual(STATUS_ENUM_ORDER.map(statusEnumIndex), [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.equal(statusEnumIndex("STOPPED"), 0);
  assert.equal(statusEnumIndex("RUNNING"), 2);
  assert.equal(statusEnumIndex("FATAL"), 6);
  assert.equal(statusEnumIndex("UNKNOWN"), 7);
});

Deno.test("stateNameOf() maps codes to names and unknown codes to UNKNOWN", () => {
  for (const name of STATUS_ENUM_ORDER) assert.equal(stateNameOf(ProcessState[name]), name);
  assert.equal(stateNameOf(5), "UNKNOWN");
});

Deno.test("STOPPED_STATES and RUNNING_STATES split the states like supervisord", () => {
  assert.deepEqual([...RUNNING_STATES].sort(), ["BACKOFF", "RUNNING", "STARTING"]);
  assert.deepEqual([...STOPPED_STATES].sort(), ["EXITED", "FATAL", "STOPPED", "UNKNOWN"]);
  assert.equal(isProcessStateName("STOPPING"), true);
  assert.equal(isProcessStateName("toString"), false);
});
