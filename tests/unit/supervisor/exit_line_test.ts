import assert from "node:assert/strict";
import { exitCodeOf, exitText, parseExitLine } from "../../../mod/supervisor/exit_line.ts";

const T = "2026-12-01 10:00:00,123";

Deno.test("parseExitLine() reads exits as supervisord 4.2 logs them", () => {
  assert.deepEqual(parseExitLine(`${T} WARN exited: flaky (exit status 1; not expected)`), {
    name: "flaky",
    status: 1,
    signal: null,
    expected: false,
    requested: false,
    time: T,
  });
  assert.deepEqual(parseExitLine(`${T} INFO exited: a.b-c_1 (exit status 0; expected)`), {
    name: "a.b-c_1",
    status: 0,
    signal: null,
    expected: true,
    requested: false,
    time: T,
  });
  assert.deepEqual(
    parseExitLine(`${T} WARN exited: seg (terminated by SIGSEGV (core dumped); not expected)`),
    { name: "seg", status: null, signal: "SIGSEGV", expected: false, requested: false, time: T },
  );
  assert.deepEqual(parseExitLine(`${T} WARN stopped: slow (terminated by SIGKILL)`), {
    name: "slow",
    status: null,
    signal: "SIGKILL",
    expected: null,
    requested: true,
    time: T,
  });
  assert.deepEqual(parseExitLine(`${T} INFO stopped: slow (exit status 0)`)?.status, 0);
  assert.equal(
    parseExitLine(`${T} WARN exited: rt (terminated by signal 34; not expected)`)
      ?.signal,
    "signal 34",
  );
  assert.equal(
    parseExitLine(`${T} WARN exited: odd (unknown termination cause 0x057f; not expected)`)
      ?.signal,
    "unknown",
  );
});

Deno.test("parseExitLine() ignores every other line", () => {
  for (
    const line of [
      `${T} INFO spawned: 'flaky' with pid 123`,
      `${T} INFO success: flaky entered RUNNING state, process has stayed up for > than 1 seconds (startsecs)`,
      `${T} INFO gave up: flaky entered FATAL state, too many start retries too quickly`,
      `${T} INFO exited: flaky (something else; expected)`,
      `exited: flaky (exit status 1; not expected)`,
      "",
      `${T} INFO waiting for slow to stop`,
    ]
  ) {
    assert.equal(parseExitLine(line), undefined, line);
  }
});

Deno.test("exitCodeOf() gives the status, or 128 + the Linux signal number as shells do", () => {
  assert.equal(exitCodeOf({ status: 3, signal: null }), 3);
  assert.equal(exitCodeOf({ status: 0, signal: null }), 0);
  assert.equal(exitCodeOf({ status: null, signal: "SIGSEGV" }), 139);
  assert.equal(exitCodeOf({ status: null, signal: "SIGKILL" }), 137);
  assert.equal(exitCodeOf({ status: null, signal: "SIGTERM" }), 143);
  assert.equal(exitCodeOf({ status: null, signal: "SIGIOT" }), 134);
  assert.equal(exitCodeOf({ status: null, signal: "signal 34" }), 162);
  assert.equal(exitText({ status: null, signal: "SIGSEGV" }), "SIGSEGV");
  assert.equal(exitText({ status: 3, signal: null }), "3");
});
