import assert from "node:assert/strict";
import { Pv } from "../../../mod/pv/pv.ts";
import { CaPv } from "../../../mod/ca/server/_ca_pv.ts";
import type { ChannelObserver } from "../../../mod/ca/server/_channel_source.ts";

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

Deno.test("a CA PV reports changes only to channels that listen", () => {
  const pv = new Pv({ name: "A", type: "double", value: 0 });
  const served = new CaPv(pv);
  const idle = recorder();
  const listening = recorder();
  served.observe(idle);
  served.observe(listening);
  served.listen(listening, true);
  pv.post(1);
  assert.deepEqual([idle.events, listening.events], [0, 1]);
  served.listen(listening, false);
  pv.post(2);
  assert.deepEqual([idle.events, listening.events], [0, 1]);
});

Deno.test("Pv.remove() reports removal to every CA channel, listening or not", () => {
  const pv = new Pv({ name: "A", type: "double", value: 0 });
  const served = new CaPv(pv);
  const idle = recorder();
  const listening = recorder();
  served.observe(idle);
  served.observe(listening);
  served.listen(listening, true);
  pv.remove();
  assert.deepEqual([idle.removed, listening.removed], [1, 1]);
});

Deno.test("unobserve() also stops the changes of a listening CA channel", () => {
  const pv = new Pv({ name: "A", type: "double", value: 0 });
  const served = new CaPv(pv);
  const o = recorder();
  served.observe(o);
  served.listen(o, true);
  served.unobserve(o);
  pv.post(1);
  pv.remove();
  assert.deepEqual([o.events, o.removed], [0, 0]);
});
