import assert from "node:assert/strict";
import { Pv } from "../../../mod/ca/pv.ts";
import type { ChannelObserver } from "../../../mod/ca/circuit.ts";

function recorder(): ChannelObserver & { events: number; removed: number } {
  return {
    events: 0,
    removed: 0,
    onEvent() {
      this.events++;
    },
    onRemoved() {
      this.removed++;
    },
  };
}

Deno.test("Pv.post() reports changes only to observers that listen", () => {
  const pv = new Pv({ name: "A", type: "double", value: 0 });
  const idle = recorder();
  const listening = recorder();
  pv.observe(idle);
  pv.observe(listening);
  pv.listen(listening, true);
  pv.post(1);
  assert.deepEqual([idle.events, listening.events], [0, 1]);
  pv.listen(listening, false);
  pv.post(2);
  assert.deepEqual([idle.events, listening.events], [0, 1]);
});

Deno.test("Pv.remove() reports removal to every observer, listening or not", () => {
  const pv = new Pv({ name: "A", type: "double", value: 0 });
  const idle = recorder();
  const listening = recorder();
  pv.observe(idle);
  pv.observe(listening);
  pv.listen(listening, true);
  pv.remove();
  assert.deepEqual([idle.removed, listening.removed], [1, 1]);
});

Deno.test("Pv.unobserve() also stops the changes of a listening observer", () => {
  const pv = new Pv({ name: "A", type: "double", value: 0 });
  const o = recorder();
  pv.observe(o);
  pv.listen(o, true);
  pv.unobserve(o);
  pv.post(1);
  pv.remove();
  assert.deepEqual([o.events, o.removed], [0, 0]);
});
