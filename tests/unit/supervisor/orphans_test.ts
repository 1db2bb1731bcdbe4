import assert from "node:assert/strict";
import { classifyOrphans } from "../../../mod/supervisor/orphans.ts";
import { markerEnv } from "../../../mod/supervisor/process_marker.ts";
import { parseEnviron, parseStat, type ProcEntry } from "../../../mod/supervisor/proc_table.ts";

const DIR = "/srv/ioc-supervisor";

function proc(
  pid: number,
  ppid: number,
  pgid: number,
  env: Record<string, string> = {},
  state = "S",
): ProcEntry {
  return { pid, ppid, pgid, state, env: new Map(Object.entries(env)) };
}

Deno.test("parseStat() reads state, parent and group after a command name with ') ('", () => {
  assert.deepEqual(parseStat("77 (a) (b c) T 1 70 70 0 -1 4194560"), {
    state: "T",
    ppid: 1,
    pgid: 70,
  });
  assert.equal(parseStat("garbage"), undefined);
});

Deno.test("parseEnviron() keeps only the names asked for, first definition wins", () => {
  const bytes = new TextEncoder().encode("PATH=/bin\0IOCSUP_PROGRAM=a=b\0IOCSUP_PROGRAM=x\0");
  assert.deepEqual(
    [...parseEnviron(bytes, ["IOCSUP_PROGRAM", "NOPE"])],
    [["IOCSUP_PROGRAM", "a=b"]],
  );
  assert.equal(parseEnviron(new Uint8Array(), ["PATH"]).size, 0);
});

Deno.test("classifyOrphans() finds marked processes no running supervisord owns", () => {
  const table = [
    proc(1, 0, 1),
    // An IOC left by a dead supervisord, with a child and a child that cleared its environment.
    proc(100, 1, 100, markerEnv(DIR, "alpha")),
    proc(101, 100, 100, markerEnv(DIR, "alpha")),
    proc(102, 100, 100),
    // The manager, stopped (state T) when supervisord died.
    proc(200, 1, 200, markerEnv(DIR, "iocsup-manager"), "T"),
    // Another state directory's IOC, an unmarked process, a zombie of ours.
    proc(300, 1, 300, markerEnv("/other", "alpha")),
    proc(301, 1, 301),
    proc(302, 1, 302, markerEnv(DIR, "beta"), "Z"),
  ];
  assert.deepEqual(classifyOrphans(table, { stateDirs: [DIR] }), [
    { program: "alpha", leader: 100, pids: [100, 101, 102], pgids: [100], ungrouped: [] },
    { program: "iocsup-manager", leader: 200, pids: [200], pgids: [200], ungrouped: [] },
  ]);
  assert.deepEqual(
    classifyOrphans(table, { stateDirs: [DIR], program: "iocsup-manager" }).map((o) => o.program),
    ["iocsup-manager"],
  );
});

Deno.test("classifyOrphans() leaves alone what the running supervisord supervises", () => {
  const table = [
    proc(1, 0, 1),
    proc(50, 1, 50), // supervisord
    proc(100, 50, 100, markerEnv(DIR, "alpha")),
    proc(101, 100, 100, markerEnv(DIR, "alpha")),
    // A copy of alpha from the supervisord before, re-parented to pid 1.
    proc(400, 1, 400, markerEnv(DIR, "alpha")),
  ];
  assert.deepEqual(classifyOrphans(table, { stateDirs: [DIR], supervisordPid: 50 }), [
    { program: "alpha", leader: 400, pids: [400], pgids: [400], ungrouped: [] },
  ]);
});

Deno.test("classifyOrphans() never lists the caller or signals the caller's group", () => {
  const table = [
    proc(1, 0, 1),
    // iocsup run from a shell inside an IOC: shell 100 (group 100) → iocsup 110 (group 110).
    proc(100, 1, 100, markerEnv(DIR, "alpha")),
    proc(110, 100, 110, markerEnv(DIR, "alpha")),
    // A process of alpha in the caller's group (group 110), and one outside any group of ours.
    proc(120, 110, 110, markerEnv(DIR, "alpha")),
  ];
  assert.deepEqual(classifyOrphans(table, { stateDirs: [DIR], selfPid: 110 }), [
    { program: "alpha", leader: 120, pids: [120], pgids: [], ungrouped: [120] },
  ]);
});
