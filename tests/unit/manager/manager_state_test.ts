import assert from "node:assert/strict";
import { join } from "node:path";
import { loadManagerState, ManagerStateSaver } from "../../../mod/manager/manager_state.ts";

Deno.test("ManagerStateSaver writes the newest state last and loadManagerState() reads it", async () => {
  const dir = await Deno.makeTempDir();
  const file = join(dir, "manager-state.json");
  try {
    assert.deepEqual(await loadManagerState(file), {
      supervisordPid: 0,
      restarts: {},
      lastExits: {},
      log: null,
    });
    const saver = new ManagerStateSaver(file, (error) => {
      throw error;
    });
    const exit = { status: null, signal: "SIGSEGV", expected: false, requested: false, time: "t" };
    for (let i = 0; i < 10; i++) {
      saver.save({
        supervisordPid: 42,
        restarts: { a: i },
        lastExits: { a: exit },
        log: { ino: 7, offset: i },
      });
    }
    await saver.flush();
    assert.deepEqual(await loadManagerState(file), {
      supervisordPid: 42,
      restarts: { a: 9 },
      lastExits: { a: exit },
      log: { ino: 7, offset: 9 },
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadManagerState() reads the old restart-only file and skips malformed entries", async () => {
  const dir = await Deno.makeTempDir();
  const file = join(dir, "manager-state.json");
  try {
    await Deno.writeTextFile(file, JSON.stringify({ supervisordPid: 5, restarts: { a: 2 } }));
    assert.deepEqual(await loadManagerState(file), {
      supervisordPid: 5,
      restarts: { a: 2 },
      lastExits: {},
      log: null,
    });
    await Deno.writeTextFile(
      file,
      JSON.stringify({
        supervisordPid: "x",
        restarts: { a: "2", b: 1 },
        lastExits: {
          a: { status: "3" },
          b: { status: 3, signal: null, expected: true, requested: false, time: "t" },
        },
        log: { ino: 1 },
      }),
    );
    const state = await loadManagerState(file);
    assert.equal(state.supervisordPid, 0);
    assert.deepEqual(state.restarts, { b: 1 });
    assert.deepEqual(Object.keys(state.lastExits), ["b"]);
    assert.equal(state.log, null);
    await Deno.writeTextFile(file, "{not json");
    assert.deepEqual((await loadManagerState(file)).restarts, {});
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
