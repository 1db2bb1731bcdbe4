/**
 * A small headless Chromium driver for page tests, over the Chrome DevTools Protocol with Deno's
 * own WebSocket (no puppeteer: it would download a browser). Starts Debian's `chromium` with a
 * temporary profile and `--remote-debugging-port=0`, reads the port it chose from
 * `DevToolsActivePort`, and drives one page: navigate, evaluate, wait for a condition, click,
 * screenshot. JavaScript dialogs (`confirm`) are accepted and recorded.
 *
 * @module
 */
import { join } from "node:path";
import { waitFor } from "./wait.ts";

/**
 * The Chromium executable on PATH, or undefined when none is installed (page tests skip).
 *
 * @returns Its path.
 */
export function chromiumPath(): string | undefined {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    for (const name of ["chromium", "chromium-browser"]) {
      try {
        const path = join(dir, name);
        if (Deno.statSync(path).isFile) return path;
      } catch { /* not here */ }
    }
  }
  return undefined;
}

interface Pending {
  resolve: (result: Record<string, unknown>) => void;
  reject: (error: Error) => void;
  method: string;
}

/** Options of {@linkcode Chromium.launch}. */
export interface ChromiumOptions {
  /** Viewport width, CSS px. @default 1000 */
  width?: number;
  /** Viewport height, CSS px. @default 500 */
  height?: number;
  /** Headers sent with every request of the page (e.g. `Authorization`). */
  headers?: Record<string, string>;
}

/** One headless Chromium with one page. Always `close()` it. */
export class Chromium {
  readonly #child: Deno.ChildProcess;
  readonly #profile: string;
  readonly #ws: WebSocket;
  readonly #pending = new Map<number, Pending>();
  #session = "";
  #nextId = 1;
  /** Messages of the JavaScript dialogs accepted so far. */
  readonly dialogs: string[] = [];

  private constructor(child: Deno.ChildProcess, profile: string, ws: WebSocket) {
    this.#child = child;
    this.#profile = profile;
    this.#ws = ws;
    ws.onmessage = (event) => this.#receive(JSON.parse(String(event.data)));
    ws.onclose = () => {
      for (const p of this.#pending.values()) p.reject(new Error(`CDP closed during ${p.method}`));
      this.#pending.clear();
    };
  }

  /**
   * Start Chromium and open a blank page.
   *
   * @param options Viewport and extra request headers.
   * @returns The driver.
   */
  static async launch(options: ChromiumOptions = {}): Promise<Chromium> {
    const exe = chromiumPath();
    if (exe === undefined) throw new Error("chromium is not installed");
    const profile = await Deno.makeTempDir({ prefix: "iocsup-chromium-" });
    const width = options.width ?? 1000;
    const height = options.height ?? 500;
    const child = new Deno.Command(exe, {
      args: [
        "--headless",
        // Chromium's sandbox cannot start as root (a test container); it is a test browser
        // that only ever opens our own loopback page.
        ...(Deno.uid() === 0 ? ["--no-sandbox"] : []),
        `--user-data-dir=${profile}`,
        "--remote-debugging-port=0",
        "--remote-debugging-address=127.0.0.1",
        "--disable-gpu",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-extensions",
        "--disable-background-networking",
        "--hide-scrollbars",
        `--window-size=${width},${height}`,
        "about:blank",
      ],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    let ws: WebSocket | undefined;
    try {
      const active = await waitFor("Chromium's DevToolsActivePort", async () => {
        const text = await Deno.readTextFile(join(profile, "DevToolsActivePort"));
        const [port, path] = text.split("\n");
        return port && path ? { port, path } : undefined;
      }, { timeoutMs: 30_000 });
      ws = new WebSocket(`ws://127.0.0.1:${active.port}${active.path}`);
      await new Promise<void>((resolve, reject) => {
        ws!.onopen = () => resolve();
        ws!.onerror = () => reject(new Error("Cannot connect to Chromium's DevTools socket"));
      });
      const browser = new Chromium(child, profile, ws);
      await browser.#attach(width, height, options.headers);
      return browser;
    } catch (error) {
      ws?.close();
      child.kill("SIGKILL");
      await child.status;
      await Deno.remove(profile, { recursive: true });
      throw error;
    }
  }

  async #attach(width: number, height: number, headers?: Record<string, string>): Promise<void> {
    const { targetInfos } = await this.#send("Target.getTargets") as {
      targetInfos: { targetId: string; type: string }[];
    };
    const page = targetInfos.find((t) => t.type === "page");
    const targetId = page?.targetId ??
      (await this.#send("Target.createTarget", { url: "about:blank" })).targetId;
    const { sessionId } = await this.#send("Target.attachToTarget", { targetId, flatten: true });
    this.#session = String(sessionId);
    await this.#send("Page.enable");
    await this.#send("Runtime.enable");
    await this.#send("Emulation.setDeviceMetricsOverride", {
      width,
      height,
      deviceScaleFactor: 1,
      mobile: false,
    });
    if (headers) {
      await this.#send("Network.enable");
      await this.#send("Network.setExtraHTTPHeaders", { headers });
    }
  }

  #send(method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const id = this.#nextId++;
    const message: Record<string, unknown> = { id, method, params };
    if (this.#session !== "" && !method.startsWith("Target.") && !method.startsWith("Browser.")) {
      message.sessionId = this.#session;
    }
    const { promise, resolve, reject } = Promise.withResolvers<Record<string, unknown>>();
    this.#pending.set(id, { resolve, reject, method });
    this.#ws.send(JSON.stringify(message));
    return promise;
  }

  #receive(message: {
    id?: number;
    method?: string;
    params?: Record<string, unknown>;
    result?: Record<string, unknown>;
    error?: { message: string };
  }): void {
    if (message.id !== undefined) {
      const p = this.#pending.get(message.id);
      this.#pending.delete(message.id);
      if (message.error) p?.reject(new Error(`${p.method}: ${message.error.message}`));
      else p?.resolve(message.result ?? {});
      return;
    }
    if (message.method === "Page.javascriptDialogOpening") {
      // A confirm() blocks the page (and the click that opened it) until answered.
      this.dialogs.push(String(message.params?.message));
      void this.#send("Page.handleJavaScriptDialog", { accept: true }).catch(() => {});
    }
  }

  /**
   * Open a URL and wait until its document has loaded.
   *
   * @param url The page.
   */
  async navigate(url: string): Promise<void> {
    const result = await this.#send("Page.navigate", { url });
    if (result.errorText) throw new Error(`Cannot open ${url}: ${result.errorText}`);
    await this.waitFor(`${url} loaded`, `document.readyState === "complete"`);
  }

  /**
   * Evaluate an expression in the page (promises awaited).
   *
   * @param expression JavaScript source.
   * @returns Its value, passed by value (JSON-like).
   * @throws {Error} With the page's exception text.
   */
  async evaluate<T = unknown>(expression: string): Promise<T> {
    const reply = await this.#send("Runtime.evaluate", {
      expression,
      returnByValue: true,
      awaitPromise: true,
    }) as { result?: { value?: T }; exceptionDetails?: { text: string; exception?: unknown } };
    if (reply.exceptionDetails) {
      const detail = reply.exceptionDetails.exception as { description?: string } | undefined;
      throw new Error(`In the page: ${detail?.description ?? reply.exceptionDetails.text}`);
    }
    return reply.result?.value as T;
  }

  /**
   * Poll an expression until it is truthy.
   *
   * @param what Named in the time-out error.
   * @param expression JavaScript source.
   * @param timeoutMs Give up after this long. @default 15000
   * @returns The first truthy value.
   */
  waitFor<T = unknown>(what: string, expression: string, timeoutMs = 15_000): Promise<T> {
    return waitFor(what, async () => (await this.evaluate<T>(expression)) || undefined, {
      timeoutMs,
      intervalMs: 100,
    }) as Promise<T>;
  }

  /**
   * Click the centre of the first element matching a selector with real mouse events.
   *
   * @param selector A CSS selector.
   * @throws {Error} When nothing matches or the element is not visible.
   */
  async click(selector: string): Promise<void> {
    const box = await this.evaluate<{ x: number; y: number } | null>(`(() => {
      const el = document.querySelector(${JSON.stringify(selector)});
      if (!el) return null;
      el.scrollIntoView({ block: "center" });
      const r = el.getBoundingClientRect();
      return r.width > 0 && r.height > 0 ? { x: r.x + r.width / 2, y: r.y + r.height / 2 } : null;
    })()`);
    if (!box) throw new Error(`Cannot click ${selector}: no visible element matches`);
    const mouse = { x: box.x, y: box.y, button: "left", clickCount: 1 };
    await this.#send("Input.dispatchMouseEvent", { type: "mouseMoved", ...mouse });
    await this.#send("Input.dispatchMouseEvent", { type: "mousePressed", ...mouse });
    await this.#send("Input.dispatchMouseEvent", { type: "mouseReleased", ...mouse });
  }

  /**
   * Capture the viewport as a PNG.
   *
   * @returns The PNG bytes.
   */
  async screenshot(): Promise<Uint8Array> {
    const { data } = await this.#send("Page.captureScreenshot", { format: "png" });
    return Uint8Array.from(atob(String(data)), (c) => c.charCodeAt(0));
  }

  /** End Chromium (every process it started) and remove its profile. */
  async close(): Promise<void> {
    const ended = this.#child.status;
    let grace: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([
        this.#send("Browser.close"),
        new Promise((r) => grace = setTimeout(r, 5000)),
      ]);
    } catch { /* the socket closes as the browser ends */ }
    clearTimeout(grace);
    const timer = setTimeout(() => {
      try {
        this.#child.kill("SIGKILL");
      } catch { /* already ended */ }
    }, 10_000);
    await ended;
    clearTimeout(timer);
    this.#ws.close();
    await Deno.remove(this.#profile, { recursive: true });
  }
}
