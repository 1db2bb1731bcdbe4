/**
 * Control actions per IOC, collapsed to the latest intent. One action runs at a time per IOC;
 * writes that arrive meanwhile do not queue up one by one (twenty quick writes would replay
 * twenty stops and starts for many seconds): they replace each other, and only the newest runs
 * once the current action is done.
 *
 * Each request's promise settles with the action that carries it out: the running action for
 * the request that started it, and the next action for every request it absorbed (so a put
 * callback of a superseded write completes when the write that replaced it completes, with its
 * outcome).
 *
 * @module
 */

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

interface Slot<V> {
  /** The next action to run, if any was asked for while one runs. */
  next: { value: V; waiters: Waiter[] } | undefined;
  /** Resolves when this key has no action left. */
  idle: Promise<void>;
}

/** Options for {@linkcode ControlQueue}. */
export interface ControlQueueOptions<V> {
  /** Carry out one action; a rejection fails every request it carries out. */
  perform: (key: string, value: V) => Promise<void>;
}

/** Per-key latest-intent queue of async actions. */
export class ControlQueue<V> {
  #slots = new Map<string, Slot<V>>();
  #perform: (key: string, value: V) => Promise<void>;

  /** @param options What an action does. */
  constructor(options: ControlQueueOptions<V>) {
    this.#perform = options.perform;
  }

  /**
   * Ask for `value` on `key`: run it now if `key` is idle, else make it the next action,
   * replacing any next action not started yet.
   *
   * @param key The IOC name.
   * @param value The intent.
   * @returns Settles when the action carrying out this request has finished.
   * @example Usage
   * ```ts
   * import { ControlQueue } from "./control_queue.ts";
   * const done: number[] = [];
   * const queue = new ControlQueue<number>({ perform: async (_key, v) => void done.push(v) });
   * await Promise.all([queue.request("a", 0), queue.request("a", 1), queue.request("a", 2)]);
   * console.assert(done.join() === "0,2");
   * ```
   */
  request(key: string, value: V): Promise<void> {
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    const waiter = { resolve, reject };
    const slot = this.#slots.get(key);
    if (slot === undefined) {
      const fresh: Slot<V> = { next: undefined, idle: Promise.resolve() };
      this.#slots.set(key, fresh);
      fresh.idle = this.#run(key, fresh, value, [waiter]);
    } else if (slot.next === undefined) {
      slot.next = { value, waiters: [waiter] };
    } else {
      slot.next.value = value;
      slot.next.waiters.push(waiter);
    }
    return promise;
  }

  /** Whether `key` has an action running or waiting. */
  busy(key: string): boolean {
    return this.#slots.has(key);
  }

  /** Resolves when no key has an action left. */
  async drain(): Promise<void> {
    while (this.#slots.size > 0) {
      await Promise.all([...this.#slots.values()].map((slot) => slot.idle));
    }
  }

  async #run(key: string, slot: Slot<V>, value: V, waiters: Waiter[]): Promise<void> {
    for (;;) {
      try {
        await this.#perform(key, value);
        for (const w of waiters) w.resolve();
      } catch (error) {
        for (const w of waiters) w.reject(error);
      }
      const next = slot.next;
      if (next === undefined) break;
      slot.next = undefined;
      value = next.value;
      waiters = next.waiters;
    }
    this.#slots.delete(key);
  }
}
