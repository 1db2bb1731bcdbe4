/**
 * Serialises control actions per IOC: a write that arrives while an earlier one on the same IOC
 * is still running waits its turn instead of being lost or racing it.
 *
 * @module
 */

/** Per-key FIFO of async actions. */
export class ControlQueue {
  #tails = new Map<string, Promise<void>>();
  #pending = new Map<string, number>();

  /**
   * Run `action` after every earlier action of `key` has finished.
   *
   * @param key The IOC name.
   * @param action The work; its rejection is returned to the caller, not to later actions.
   * @returns Resolves when this action has finished.
   */
  run(key: string, action: () => Promise<void>): Promise<void> {
    this.#pending.set(key, (this.#pending.get(key) ?? 0) + 1);
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const result = previous.then(action).finally(() => {
      const left = (this.#pending.get(key) ?? 1) - 1;
      if (left === 0) {
        this.#pending.delete(key);
        if (this.#tails.get(key) === tail) this.#tails.delete(key);
      } else {
        this.#pending.set(key, left);
      }
    });
    const tail = result.catch(() => {});
    this.#tails.set(key, tail);
    return result;
  }

  /** How many actions of `key` are queued or running. */
  pending(key: string): number {
    return this.#pending.get(key) ?? 0;
  }

  /** Resolves when every queued action has finished. */
  async drain(): Promise<void> {
    while (this.#tails.size > 0) await Promise.all(this.#tails.values());
  }
}
