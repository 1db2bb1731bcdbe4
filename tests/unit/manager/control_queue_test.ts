import assert from "node:assert/strict";
import { ControlQueue } from "../../../mod/manager/control_queue.ts";

/** A queue whose actions wait for the test to end them, one gate per action. */
function gatedQueue() {
  const log: string[] = [];
  const gates: ((error?: Error) => void)[] = [];
  const queue = new ControlQueue<string>({
    perform: (key, value) =>
      new Promise<void>((resolve, reject) => {
        log.push(`start ${key} ${value}`);
        gates.push((error) => {
          log.push(`end ${key} ${value}`);
          if (error) reject(error);
          else resolve();
        });
      }),
  });
  return { queue, log, gates };
}

async function settle(): Promise<void> {
  await new Promise((r) => setTimeout(r, 0));
}

Deno.test("ControlQueue.request() runs at once when idle, one action at a time per key", async () => {
  const { queue, log, gates } = gatedQueue();
  const a = queue.request("a", "stop");
  const b = queue.request("b", "run");
  assert.deepEqual(log, ["start a stop", "start b run"]);
  assert.equal(queue.busy("a"), true);
  gates.shift()!();
  await a;
  assert.equal(queue.busy("a"), false);
  assert.equal(queue.busy("b"), true);
  gates.shift()!();
  await b;
  await queue.drain();
});

Deno.test("ControlQueue.request() collapses waiting requests to the newest", async () => {
  const { queue, log, gates } = gatedQueue();
  const settled: string[] = [];
  const track = (name: string, p: Promise<void>) =>
    p.then(() => settled.push(`${name} ok`), (e) => settled.push(`${name} ${e.message}`));
  track("w0", queue.request("a", "stop"));
  for (let i = 1; i < 20; i++) track(`w${i}`, queue.request("a", i % 2 ? "run" : "stop"));
  track("w20", queue.request("a", "run"));
  assert.deepEqual(log, ["start a stop"]);
  gates.shift()!();
  await settle();
  // The first write's callback completes with its own action; the next action is the newest.
  assert.deepEqual(settled, ["w0 ok"]);
  assert.deepEqual(log, ["start a stop", "end a stop", "start a run"]);
  gates.shift()!(new Error("spawn error"));
  await settle();
  // Every superseded write completes with the action that replaced it, failure included.
  assert.equal(settled.length, 21);
  assert.ok(settled.slice(1).every((s) => s.endsWith("spawn error")));
  assert.deepEqual(log, ["start a stop", "end a stop", "start a run", "end a run"]);
  assert.equal(queue.busy("a"), false);
});

Deno.test("ControlQueue keeps going after a failed action and drain() waits for the rest", async () => {
  const { queue, log, gates } = gatedQueue();
  const first = queue.request("a", "reset");
  const second = queue.request("a", "run");
  const drained = queue.drain().then(() => log.push("drained"));
  gates.shift()!(new Error("boom"));
  await assert.rejects(first, /boom/);
  await settle();
  assert.equal(log.at(-1), "start a run");
  gates.shift()!();
  await second;
  await drained;
  assert.equal(log.at(-1), "drained");
});
