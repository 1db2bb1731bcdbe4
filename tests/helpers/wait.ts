/**
 * Wait for a condition with a deadline instead of sleeping a fixed time.
 *
 * @module
 */

/** Options for {@linkcode waitFor}. */
export interface WaitOptions {
  /** Give up after this many milliseconds. @default 10000 */
  timeoutMs?: number;
  /** Poll interval in milliseconds. @default 50 */
  intervalMs?: number;
}

/**
 * Poll `check` until it returns a value other than `undefined`/`false`, or throw naming `what`.
 *
 * @param what Description used in the timeout error.
 * @param check Condition; may be async.
 * @param options Timeout and interval.
 * @returns The first truthy value of `check`.
 */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  options: WaitOptions = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  let lastError: unknown;
  while (true) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`Timed out waiting for ${what}`, { cause: lastError });
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 50));
  }
}
