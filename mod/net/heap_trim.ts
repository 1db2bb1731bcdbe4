/**
 * Give freed heap back to the operating system after many clients left.
 *
 * Closed connections free their socket and buffer memory to glibc's allocator, which keeps most
 * of it mapped: a server that saw 4,000 clients come and go stayed at 1.5× its start RSS (a bare
 * Deno TCP server: 1.43×). glibc's `malloc_trim(0)` returns those pages. It needs FFI, so it runs
 * only where that permission is granted (iocsup runs with all permissions) and libc is glibc; it is
 * skipped silently elsewhere.
 *
 * @module
 */

type Trim = () => void;

let trim: Trim | null | undefined;

function loadTrim(): Trim | null {
  try {
    if (Deno.build.os !== "linux") return null;
    if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") return null;
    const lib = Deno.dlopen("libc.so.6", {
      malloc_trim: { parameters: ["usize"], result: "i32" },
    });
    return () => void lib.symbols.malloc_trim(0n);
  } catch {
    return null;
  }
}

/** Closed connections or channels after which the freed heap is worth handing back to the OS
 * (one `pvxget` of 10,000 PVs leaves MiBs in glibc's free lists). */
const TRIM_AFTER_CLOSED = 256;
/** Quiet ticks that trim after such a wave: V8 and the runtime free what they held a little later. */
const TRIM_TICKS = 6;

/**
 * When a server trims: after a wave of closed connections (or channels), on each of the next few
 * ticks that saw no more close. CA and PVA servers call {@linkcode HeapTrimmer.closed} as they
 * close and {@linkcode HeapTrimmer.tick} from their watchdog.
 *
 * @example Usage
 * ```ts
 * import { HeapTrimmer } from "./heap_trim.ts";
 * const trimmer = new HeapTrimmer();
 * trimmer.closed(300);
 * trimmer.tick(); // quiet since the wave: trims (where glibc and FFI allow)
 * ```
 */
export class HeapTrimmer {
  #closedSinceTrim = 0;
  #closedAtLastTick = 0;
  #trimsLeft = 0;

  /**
   * Count closed connections or channels.
   *
   * @param count How many just closed.
   */
  closed(count = 1): void {
    this.#closedSinceTrim += count;
  }

  /** One watchdog tick: trims when the wave is over. */
  tick(): void {
    const quiet = this.#closedSinceTrim === this.#closedAtLastTick;
    if (quiet && this.#closedSinceTrim >= TRIM_AFTER_CLOSED) {
      this.#closedSinceTrim = 0;
      this.#trimsLeft = TRIM_TICKS;
    }
    if (quiet && this.#trimsLeft > 0) {
      this.#trimsLeft--;
      trimHeap();
    }
    this.#closedAtLastTick = this.#closedSinceTrim;
  }
}

/**
 * Return free heap pages to the OS when the platform allows it.
 *
 * @returns Whether a trim ran.
 */
export function trimHeap(): boolean {
  if (trim === undefined) trim = loadTrim();
  if (trim === null) return false;
  trim();
  return true;
}
