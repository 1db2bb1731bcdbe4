/**
 * stopOrphans() on real processes carrying the marker: the graceful signal to the process group,
 * SIGKILL to the group after stopwaitsecs, never a signal to the test's own group.
 */
import assert from "node:assert/strict";
import { findOrphans, markerEnv, stopOrphans } from "../../mod/supervisor/mod.ts";
import { pidAlive } from "../helpers/cli.ts";
import { waitFor } from "../helpers/wait.ts";

/** Start `sh -c script` with the marker, in its own process group (setsid) unless told not to. */
function spawnMarked(
  stateDir: string,
  program: string,
  script: string,
  ownGroup = true,
): Deno.ChildProcess {
  const argv = ownGroup ? ["setsid", "sh", "-c", script] : ["sh", "-c", script];
  return new Deno.Command(argv[0]!, {
    args: argv.slice(1),
    env: markerEnv(stateDir, program),
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
}

/** Run `fn` with a temp state directory; afterwards kill what still carries its marker. */
async function withStateDir(
  fn: (dir: string, children: Deno.ChildProcess[]) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "iocsup-orphans-" });
  const children: Deno.ChildProcess[] = [];
  try {
    await fn(dir, children);
  } finally {
    for (const pid of findOrphans(dir).flatMap((orphan) => orphan.pids)) {
      try {
        Deno.kill(pid, "SIGKILL");
      } catch { /* gone */ }
    }
    await Promise.all(children.map((child) => child.status));
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("stopOrphans() stops a group with its stopsignal, SIGKILLs one that ignores it", async () => {
  await withStateDir(async (dir, children) => {
    // "polite" exits on HUP (its child too); "stubborn" and its child ignore TERM.
    const polite = spawnMarked(dir, "polite", "trap 'exit 0' HUP; sleep 1000 & wait");
    const stubborn = spawnMarked(dir, "stubborn", "trap '' TERM; sleep 1000 & wait");
    children.push(polite, stubborn);
    {
      const found = await waitFor("both orphans with their children", () => {
        const orphans = findOrphans(dir);
        return orphans.length === 2 && orphans.every((o) => o.pids.length === 2) && orphans;
      });
      assert.deepEqual(found.map((o) => o.program), ["polite", "stubborn"]);
      for (const orphan of found) assert.deepEqual(orphan.pgids, [orphan.leader]);
      const results = await stopOrphans(
        found,
        (program) =>
          program === "polite"
            ? { stopsignal: "HUP", stopwaitsecs: 30 }
            : { stopsignal: "TERM", stopwaitsecs: 1 },
        { stateDir: dir },
      );
      assert.deepEqual(
        results.map((r) => [r.orphan.program, r.signal, r.killed, r.remaining]),
        [["polite", "SIGHUP", false, []], ["stubborn", "SIGTERM", true, []]],
      );
      for (const pid of found.flatMap((o) => o.pids)) assert.equal(pidAlive(pid), false);
      assert.deepEqual(findOrphans(dir), []);
      assert.equal((await polite.status).code, 0);
      assert.equal((await stubborn.status).signal, "SIGKILL");
    }
  });
});

Deno.test("stopOrphans() signals a marked process in the caller's group alone", async () => {
  await withStateDir(async (dir, children) => {
    const child = spawnMarked(dir, "same-group", "sleep 1000; true", false);
    children.push(child);
    {
      const [orphan] = await waitFor("the orphan: sh and its sleep", () => {
        const orphans = findOrphans(dir);
        return orphans.length === 1 && orphans[0]!.pids.length === 2 && orphans;
      });
      assert.deepEqual(orphan!.pgids, [], "the test's own group must never be signalled");
      assert.deepEqual(orphan!.ungrouped, orphan!.pids);
      assert.ok(orphan!.pids.includes(child.pid));
      const [result] = await stopOrphans(
        [orphan!],
        () => ({ stopsignal: "TERM", stopwaitsecs: 5 }),
        {
          stateDir: dir,
        },
      );
      assert.equal(result!.killed, false);
      assert.equal((await child.status).signal, "SIGTERM");
      assert.deepEqual(findOrphans(dir), []);
    }
  });
});
