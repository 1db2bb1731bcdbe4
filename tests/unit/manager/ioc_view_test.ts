import assert from "node:assert/strict";
import {
  controlFromState,
  controlSeverity,
  heartbeatSeconds,
  type IocView,
  statusOf,
  uptimeOf,
} from "../../../mod/manager/ioc_view.ts";
import type { ProcessStateName } from "../../../mod/supervisor/states.ts";

function view(state: ProcessStateName, extra: Partial<IocView> = {}): IocView {
  return { state, pid: 0, start: 0, exitstatus: 0, expectedExit: true, restarts: 0, ...extra };
}

Deno.test("controlFromState() reads Run while supervisord wants the process up", () => {
  const run = ["STARTING", "RUNNING", "BACKOFF"];
  for (
    const state of [
      "STOPPED",
      "STARTING",
      "RUNNING",
      "BACKOFF",
      "STOPPING",
      "EXITED",
      "FATAL",
      "UNKNOWN",
    ] as const
  ) {
    assert.equal(controlFromState(state), run.includes(state) ? 1 : 0, state);
  }
});

Deno.test("controlSeverity() is MINOR for Stop and Reset, none for Run", () => {
  assert.deepEqual([0, 1, 2].map(controlSeverity), [1, 0, 1]);
});

Deno.test("statusOf() gives the enum index in design order and the contract severities", () => {
  const table: [ProcessStateName, boolean, number, number][] = [
    ["STOPPED", true, 0, 0],
    ["STARTING", true, 1, 0],
    ["RUNNING", true, 2, 0],
    ["BACKOFF", true, 3, 1],
    ["STOPPING", true, 4, 0],
    ["EXITED", true, 5, 0],
    ["EXITED", false, 5, 2],
    ["FATAL", true, 6, 2],
    ["UNKNOWN", true, 7, 3],
  ];
  for (const [state, expectedExit, index, severity] of table) {
    assert.deepEqual(statusOf(view(state, { expectedExit })), { index, severity }, state);
  }
});

Deno.test("uptimeOf() counts whole seconds while RUNNING only", () => {
  assert.equal(uptimeOf(view("RUNNING", { start: 1000 }), 1012.9), 12);
  assert.equal(uptimeOf(view("STOPPED", { start: 1000 }), 1012), 0);
  assert.equal(uptimeOf(view("RUNNING", { start: 2000 }), 1000), 0);
});

Deno.test("heartbeatSeconds() follows the Python tool's contract", () => {
  const now = 100_000;
  assert.equal(heartbeatSeconds(view("STOPPED"), undefined, now), 999);
  assert.equal(heartbeatSeconds(view("BACKOFF"), { connected: true, lastChangeMs: now }, now), 999);
  assert.equal(heartbeatSeconds(view("RUNNING"), undefined, now), 0);
  assert.equal(
    heartbeatSeconds(view("RUNNING"), { connected: false, lastChangeMs: now }, now),
    120,
  );
  assert.equal(
    heartbeatSeconds(view("RUNNING"), { connected: true, lastChangeMs: undefined }, now),
    120,
  );
  assert.equal(
    heartbeatSeconds(view("RUNNING"), { connected: true, lastChangeMs: now - 2500 }, now),
    2,
  );
  assert.equal(heartbeatSeconds(view("RUNNING"), { connected: true, lastChangeMs: 0 }, now), 100);
  assert.equal(
    heartbeatSeconds(view("RUNNING"), { connected: true, lastChangeMs: -1e9 }, now),
    998,
  );
});
