import assert from "node:assert/strict";
import { ControlQueue } from "../../../mod/manager/control_queue.ts";

Deno.test("ControlQueue.run() runs one IOC's actions in order, one at a time", async () => {
  const queue = new ControlQueue();
  const log: string[] = [];
  const gates: (() => void)[] = [];
  const step = (name: string) => () =>
    new Promise<void>((resolve) => {
      log.push(`start ${name}`);
      gates.push(() => {
        log.push(`end ${name}`);
        resolve();
      });
    });
  const first = queue.run("a", step("stop"));
  const second = queue.run("a", step("run"));
  const other = queue.run("b", step("other"));
  assert.equal(queue.pending("a"), 2);
  await Promise.resolve();
  await Promise.resolve();
  assert.deepEqual(log, ["start stop", "start other"]);
  gates.shift()!();
  await first;
  await Promise.resolve();
  assert.deepEqual(log.slice(2), ["end stop", "start run"]);
  gates.shift()!();
  gates.shift()!();
  await Promise.all([second, other]);
  assert.equal(queue.pending("a"), 0);
  assert.equal(queue.pending("b"), 0);
});

Deno.test("ControlQueue.run() keeps going after a failed action", async () => {
  const queue = new ControlQueue();
  const failed = queue.run("a", () => Promise.reject(new Error("spawn error")));
  const next = queue.run("a", () => Promise.resolve());
  await assert.rejects(failed, /spawn error/);
  await next;
  await queue.drain();
  assert.equal(queue.pending("a"), 0);
});
