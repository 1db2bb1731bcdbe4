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
