/**
 * The fleet page's static files, read once from `web/fleet/` in the repository: beside the
 * sources when run with `deno run`, and from inside the binary built by `deno task compile`
 * (its `--include web/`). No build step and nothing from a CDN.
 *
 * @module
 */

/** One file ready to serve. */
export interface Asset {
  /** Its bytes. */
  body: Uint8Array<ArrayBuffer>;
  /** `Content-Type`. */
  type: string;
}

/** URL path → file in web/fleet/ and its type. */
const FILES: Readonly<Record<string, [file: string, type: string]>> = {
  "/": ["index.html", "text/html; charset=utf-8"],
  "/fleet.js": ["fleet.js", "text/javascript; charset=utf-8"],
  "/fleet.css": ["fleet.css", "text/css; charset=utf-8"],
};

/**
 * Read every file of the page.
 *
 * @returns The files by URL path.
 * @throws {Error} Naming the file when one is missing (a binary compiled without `web/`).
 */
export async function loadAssets(): Promise<Map<string, Asset>> {
  const entries = await Promise.all(
    Object.entries(FILES).map(async ([path, [file, type]]) => {
      const url = new URL(`../../../web/fleet/${file}`, import.meta.url);
      try {
        return [path, { body: await Deno.readFile(url), type }] as const;
      } catch (error) {
        throw new Error(`Cannot read the fleet page file ${url.pathname}: ${error}`, {
          cause: error,
        });
      }
    }),
  );
  return new Map(entries);
}
