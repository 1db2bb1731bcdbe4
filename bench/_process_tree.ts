/**
 * Memory of a process tree, for benches that weigh what each IOC costs (its own process and the
 * helpers iocsup runs around it): summed VmRSS and PSS over the tree under a pid, from /proc.
 *
 * @module
 */

/**
 * Children of every process, from each /proc/<pid>/stat's parent pid.
 *
 * @returns Parent pid → child pids.
 */
export function ppidTable(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry.name));
      children.set(ppid, list);
    } catch {
      // Gone since readdir.
    }
  }
  return children;
}

/** A process tree's summed figures. */
export interface TreeMemory {
  /** Process names (comm), root first, breadth first. */
  names: string[];
  /** Summed VmRSS in KiB. */
  rssKiB: number;
  /** Summed PSS in KiB (shared pages split between their users). */
  pssKiB: number;
}

/**
 * Sum the memory of `root` and everything under it.
 *
 * @param root The tree's root pid.
 * @param children From {@linkcode ppidTable}, taken just before.
 * @returns Names, RSS and PSS.
 */
export function treeMemory(root: number, children: Map<number, number[]>): TreeMemory {
  const result: TreeMemory = { names: [], rssKiB: 0, pssKiB: 0 };
  const todo = [root];
  while (todo.length > 0) {
    const pid = todo.shift()!;
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const rollup = Deno.readTextFileSync(`/proc/${pid}/smaps_rollup`);
    result.names.push(/^Name:\s+(\S+)/m.exec(status)?.[1] ?? "?");
    result.rssKiB += Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN);
    result.pssKiB += Number(/^Pss:\s+(\d+) kB/m.exec(rollup)?.[1] ?? NaN);
    todo.push(...(children.get(pid) ?? []));
  }
  return result;
}

/** Summed memory of the process trees of one group of IOCs. */
export interface GroupMemory extends TreeMemory {
  /** How many IOCs were summed. */
  iocs: number;
}

/**
 * Sum the process-tree memory of running supervisord programs by group (e.g. console vs plain).
 *
 * @param infos supervisord's process infos (`getAllProcessInfo`).
 * @param groups Every group, so each has a sum even when empty.
 * @param groupOf The group of a program name, or `undefined` to skip it.
 * @returns Per group: the first tree's process names and the summed RSS and PSS.
 */
export function memoryByGroup<G extends string>(
  infos: readonly { name: string; pid: number; statename: string }[],
  groups: readonly G[],
  groupOf: (name: string) => G | undefined,
): Record<G, GroupMemory> {
  const children = ppidTable();
  const sums = {} as Record<G, GroupMemory>;
  for (const group of groups) sums[group] = { names: [], rssKiB: 0, pssKiB: 0, iocs: 0 };
  for (const info of infos) {
    const group = groupOf(info.name);
    if (group === undefined) continue;
    if (info.statename !== "RUNNING") throw new Error(`${info.name} is ${info.statename}`);
    const tree = treeMemory(info.pid, children);
    const sum = sums[group];
    if (sum.iocs === 0) sum.names = tree.names;
    sum.iocs++;
    sum.rssKiB += tree.rssKiB;
    sum.pssKiB += tree.pssKiB;
  }
  return sums;
}
