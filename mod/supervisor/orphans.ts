/**
 * Orphans: processes a state directory's supervisord started (they carry its marker, see
 * process_marker.ts) that no running supervisord of that directory supervises any more, because
 * supervisord was killed. They keep IOCs (and the manager's CA port) busy, and a new supervisord
 * would start a second copy beside them, so iocsup finds them ({@linkcode findOrphans}) and stops
 * them as supervisord would have ({@linkcode stopOrphans}): the program's stopsignal to its process
 * group, stopwaitsecs of grace, then SIGKILL to the group.
 *
 * @module
 */
import { MARKER_NAMES, MARKER_PROGRAM, MARKER_STATE_DIR } from "./process_marker.ts";
import { type ProcEntry, processAlive, readProcessTable } from "./proc_table.ts";

/** One program's orphaned processes. */
export interface Orphan {
  /** supervisord program name: an IOC, or the manager's event listener. */
  program: string;
  /** The program's main process: the first marked process whose pid is its group id. */
  leader: number;
  /** Every orphaned process of the program (marked, or in a marked process's group), sorted. */
  pids: number[];
  /** Their process groups, sorted. */
  pgids: number[];
  /** Processes of `pids` outside those groups (they called setsid), signalled one by one. */
  ungrouped: number[];
}

/** Options for {@linkcode classifyOrphans}. */
export interface ClassifyOptions {
  /** The state directory as written in the marker (any spelling of it: resolved, real path). */
  stateDirs: readonly string[];
  /** pid of the running supervisord of that directory, if it runs: its descendants are fine. */
  supervisordPid?: number;
  /** The caller's pid: it and its ancestors are never orphans (iocsup run from an IOC). */
  selfPid?: number;
  /** Restrict to one program. */
  program?: string;
}

/** Options for {@linkcode findOrphans}. */
export interface FindOrphansOptions {
  /** pid of the running supervisord of the state directory, if it runs. */
  supervisordPid?: number;
  /** Restrict to one program. */
  program?: string;
  /** Root of procfs. @default "/proc" */
  procDir?: string;
}

/** How supervisord stops a program: from its section of the generated supervisord.conf. */
export interface StopPolicy {
  /** Signal name without `SIG` (`TERM`, `INT`, …). */
  stopsignal: string;
  /** Grace period before SIGKILL, seconds. */
  stopwaitsecs: number;
}

/** What {@linkcode stopOrphans} did to one orphan. */
export interface OrphanStopResult {
  /** The orphan as found. */
  orphan: Orphan;
  /** The graceful signal sent, with `SIG`. */
  signal: string;
  /** Seconds of grace it was given. */
  stopwaitsecs: number;
  /** True when it outlived the grace period and got SIGKILL. */
  killed: boolean;
  /** pids still alive at the end (only when even SIGKILL did not end them, e.g. state D). */
  remaining: number[];
}

/** Options for {@linkcode stopOrphans}. */
export interface StopOrphansOptions {
  /** State directory (to re-check, before SIGKILL, which processes still carry its marker). */
  stateDir: string;
  /** pid of the running supervisord of that directory, if it runs: its processes are spared. */
  supervisordPid?: number;
  /** How long to wait after SIGKILL before giving up, ms. @default 5000 */
  killWaitMs?: number;
  /** Poll interval, ms. @default 50 */
  pollMs?: number;
  /** Root of procfs. @default "/proc" */
  procDir?: string;
}

/**
 * Pick the orphans of one state directory out of a process table.
 *
 * @param table Processes, e.g. from `readProcessTable`.
 * @param options State directory spellings, running supervisord, caller's pid.
 * @returns One entry per orphaned program, sorted by name.
 * @example Usage
 * ```ts
 * import { classifyOrphans } from "./orphans.ts";
 * const env = new Map([["IOCSUP_STATE_DIR", "/s"], ["IOCSUP_PROGRAM", "ioc1"]]);
 * classifyOrphans([{ pid: 40, ppid: 1, pgid: 40, state: "S", env }], { stateDirs: ["/s"] });
 * // [{ program: "ioc1", leader: 40, pids: [40], pgids: [40], ungrouped: [] }]
 * ```
 */
export function classifyOrphans(table: readonly ProcEntry[], options: ClassifyOptions): Orphan[] {
  const byPid = new Map(table.map((entry) => [entry.pid, entry]));
  const ancestorsOf = (pid: number): number[] => {
    const chain: number[] = [];
    // Bounded: a pid table that changes during the scan could loop.
    for (let at = byPid.get(pid); at && chain.length < 4096; at = byPid.get(at.ppid)) {
      chain.push(at.pid);
      if (at.ppid === at.pid || at.ppid <= 1) break;
    }
    return chain;
  };
  const self = new Set(options.selfPid === undefined ? [] : ancestorsOf(options.selfPid));
  // Never signal a group the caller (or its shell) belongs to.
  const selfGroups = new Set([...self].map((pid) => byPid.get(pid)?.pgid));
  const supervised = (pid: number) =>
    options.supervisordPid !== undefined && ancestorsOf(pid).includes(options.supervisordPid);
  const candidate = (entry: ProcEntry) =>
    entry.state !== "Z" && entry.state !== "X" && !self.has(entry.pid) && !supervised(entry.pid);

  const marked = new Map<string, ProcEntry[]>();
  for (const entry of table) {
    const dir = entry.env.get(MARKER_STATE_DIR);
    const program = entry.env.get(MARKER_PROGRAM);
    if (dir === undefined || program === undefined || !options.stateDirs.includes(dir)) continue;
    if (options.program !== undefined && program !== options.program) continue;
    if (!candidate(entry)) continue;
    marked.set(program, [...(marked.get(program) ?? []), entry]);
  }
  const orphans: Orphan[] = [];
  for (const [program, entries] of marked) {
    const pgids = new Set(
      entries.map((e) => e.pgid).filter((pgid) => pgid > 1 && !selfGroups.has(pgid)),
    );
    const pids = new Set(entries.map((e) => e.pid));
    // Group members that cleared their environment are still part of the program.
    for (const entry of table) if (pgids.has(entry.pgid) && candidate(entry)) pids.add(entry.pid);
    const leader = entries.find((e) => e.pid === e.pgid) ?? entries[0]!;
    const sorted = [...pids].sort((a, b) => a - b);
    orphans.push({
      program,
      leader: leader.pid,
      pids: sorted,
      pgids: [...pgids].sort((a, b) => a - b),
      ungrouped: sorted.filter((pid) => !pgids.has(byPid.get(pid)?.pgid ?? 0)),
    });
  }
  return orphans.sort((a, b) => (a.program < b.program ? -1 : a.program > b.program ? 1 : 0));
}

/**
 * Find the orphans of a state directory in `/proc`.
 *
 * @param stateDir Absolute state directory.
 * @param options The running supervisord's pid (when it runs), a program, the procfs root.
 * @returns One entry per orphaned program, sorted by name.
 * @example Usage
 * ```ts ignore
 * const orphans = findOrphans(paths.dir); // supervisord is not running
 * ```
 */
export function findOrphans(stateDir: string, options: FindOrphansOptions = {}): Orphan[] {
  const stateDirs = [stateDir];
  try {
    // The directory may have been named through a symlink when it was started.
    const real = Deno.realPathSync(stateDir);
    if (real !== stateDir) stateDirs.push(real);
  } catch {
    // Removed since (iocsup clean): the name as given is all there is.
  }
  return classifyOrphans(
    readProcessTable({
      envNames: MARKER_NAMES,
      ...(options.procDir ? { procDir: options.procDir } : {}),
    }),
    {
      stateDirs,
      selfPid: Deno.pid,
      ...(options.supervisordPid !== undefined ? { supervisordPid: options.supervisordPid } : {}),
      ...(options.program !== undefined ? { program: options.program } : {}),
    },
  );
}

/**
 * Stop orphans as supervisord stops a program with `stopasgroup`/`killasgroup`: the stopsignal
 * (then SIGCONT, so a stopped process can act on it) to each process group, wait up to
 * stopwaitsecs, then SIGKILL every group and process of the program that still carries the
 * marker (looked up again, so a process forked meanwhile is not missed and a reused pid is not
 * hit). All orphans are stopped at the same time.
 *
 * @param orphans From {@linkcode findOrphans}.
 * @param policyOf The stop signal and grace period of a program.
 * @param options State directory, waits, procfs root.
 * @returns One result per orphan, in the given order.
 * @throws {Deno.errors.PermissionDenied} When a process belongs to another user.
 * @example Usage
 * ```ts ignore
 * const results = await stopOrphans(findOrphans(dir), () => ({ stopsignal: "TERM", stopwaitsecs: 10 }), { stateDir: dir });
 * ```
 */
export function stopOrphans(
  orphans: readonly Orphan[],
  policyOf: (program: string) => StopPolicy,
  options: StopOrphansOptions,
): Promise<OrphanStopResult[]> {
  return Promise.all(orphans.map((orphan) => stopOne(orphan, policyOf(orphan.program), options)));
}

async function stopOne(
  orphan: Orphan,
  policy: StopPolicy,
  options: StopOrphansOptions,
): Promise<OrphanStopResult> {
  const procDir = options.procDir ?? "/proc";
  const signal = `SIG${policy.stopsignal.replace(/^SIG/, "")}` as Deno.Signal;
  signalAll(orphan, signal);
  if (signal !== "SIGKILL") signalAll(orphan, "SIGCONT");
  await waitGone(orphan.pids, policy.stopwaitsecs * 1000, options.pollMs, procDir);
  const left = findOrphans(options.stateDir, {
    program: orphan.program,
    ...(options.supervisordPid !== undefined ? { supervisordPid: options.supervisordPid } : {}),
    ...(options.procDir ? { procDir: options.procDir } : {}),
  });
  for (const current of left) signalAll(current, "SIGKILL");
  const alive = await waitGone(
    left.flatMap((o) => o.pids),
    options.killWaitMs ?? 5_000,
    options.pollMs,
    procDir,
  );
  const killed = left.length > 0;
  return {
    orphan,
    signal,
    stopwaitsecs: policy.stopwaitsecs,
    killed,
    remaining: alive,
  };
}

function signalAll(orphan: Orphan, signal: Deno.Signal): void {
  for (const pgid of orphan.pgids) sendSignal(-pgid, signal);
  for (const pid of orphan.ungrouped) sendSignal(pid, signal);
}

function sendSignal(target: number, signal: Deno.Signal): void {
  try {
    Deno.kill(target, signal);
  } catch (error) {
    // Gone already: that is what we want.
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
}

async function waitGone(
  pids: readonly number[],
  timeoutMs: number,
  pollMs = 50,
  procDir = "/proc",
): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const alive: number[] = [];
    for (const pid of pids) if (await processAlive(pid, procDir)) alive.push(pid);
    if (alive.length === 0 || Date.now() >= deadline) return alive;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
