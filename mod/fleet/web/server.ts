/**
 * The fleet web view's HTTP server: the page (web/fleet/), the live fleet as server-sent events
 * from one shared {@linkcode FleetModel}, an IOC's last output lines (a get of its `_log`), and,
 * when allowed, Stop/Run/Reset as the same `_control` put `iocsup fleet control` does, over the
 * model's own CA client, so each host's access rules decide.
 *
 * Routes: `GET /`, `/fleet.js`, `/fleet.css`; `GET /events`; `GET /api/log?host=P&ioc=NAME`;
 * `POST /api/control` `{host, ioc, action}`. With a password every route needs HTTP Basic
 * authentication (user `iocsup`).
 *
 * @module
 */
import type { FleetHost } from "../config.ts";
import { FleetModel } from "../model.ts";
import { controlIoc, parseControlAction } from "../control.ts";
import { getLogger } from "../../log.ts";
import { loadAssets } from "./assets.ts";
import { BasicAuth, CHALLENGE } from "./auth.ts";
import { FleetFeed } from "./feed.ts";
import { isLoopback, type ListenAddress } from "./listen.ts";

const log = getLogger("fleet-web");

/** Time for a control action to be done (a put with callback), ms. */
const CONTROL_TIMEOUT_MS = 60_000;

/** Time for reading an IOC's `_log`, ms. */
const LOG_TIMEOUT_MS = 5_000;

/** Options of {@linkcode startFleetWeb}. */
export interface FleetWebOptions {
  /** Address to listen on. */
  listen: ListenAddress;
  /** Password for HTTP Basic auth; undefined: no login (refused with control or off loopback). */
  password: string | undefined;
  /** Serve Stop/Run/Reset. */
  control: boolean;
  /** Time for a host to answer before it shows "not answering", ms. */
  timeoutMs: number;
  /** Environment for the EPICS_CA_* search of hosts without `addr`. */
  env?: Record<string, string | undefined>;
}

/** A running fleet web view. */
export interface FleetWeb {
  /** The page's URL, with the port actually bound. */
  url: string;
  /** Stop serving, end every event stream and close the CA clients. */
  close(): Promise<void>;
}

const SECURITY_HEADERS = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "content-security-policy":
    "default-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; " +
    "frame-ancestors 'none'",
};

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: {
      ...SECURITY_HEADERS,
      "content-type": "application/json; charset=utf-8",
      "cache-control": "no-store",
    },
  });
}

/** Text of a CHAR waveform: bytes up to the first NUL, as UTF-8. */
function textOf(value: unknown): string {
  const bytes = Array.isArray(value) ? value as number[] : [Number(value)];
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(
    Uint8Array.from(end < 0 ? bytes : bytes.slice(0, end), (b) => b & 0xff),
  );
}

/** The host part of a `Host` header (`[::1]:8080` → `::1`). */
function hostOfHeader(header: string): string {
  const bracket = /^\[([^\]]*)\]/.exec(header);
  return bracket ? bracket[1]! : header.replace(/:\d*$/, "");
}

/**
 * Start serving the fleet.
 *
 * @param hosts The fleet's hosts, in display order.
 * @param options Address, password, control and the hosts' time-out.
 * @returns The running server.
 * @throws {Deno.errors.AddrInUse} When the address is taken (and other bind errors).
 */
export async function startFleetWeb(
  hosts: readonly FleetHost[],
  options: FleetWebOptions,
): Promise<FleetWeb> {
  if (options.password === undefined && (options.control || !options.listen.loopback)) {
    throw new Error("The fleet web view needs a password with control or off loopback");
  }
  const assets = await loadAssets();
  const auth = options.password === undefined ? undefined : new BasicAuth(options.password);
  // The feed reads the model only once a browser connects, after the model exists.
  const events = new FleetFeed({
    get hosts() {
      return model.hosts;
    },
  }, options.control);
  const model = new FleetModel(hosts, {
    timeoutMs: options.timeoutMs,
    onChange: () => events.changed(),
    ...(options.env ? { env: options.env } : {}),
  });

  /** The host's view and client, when `ioc` is one of its IOCs. */
  const target = (prefix: unknown, ioc: unknown) => {
    if (typeof prefix !== "string" || typeof ioc !== "string") return undefined;
    const view = model.hosts.find((h) => h.prefix === prefix);
    const client = model.clientOf(prefix);
    if (!view || !client || !view.iocs.some((i) => i.name === ioc)) return undefined;
    return { client, prefix, ioc };
  };

  const readLog = async (url: URL): Promise<Response> => {
    const t = target(url.searchParams.get("host"), url.searchParams.get("ioc"));
    if (!t) return json(404, { error: "No such IOC in the fleet" });
    const pv = `${t.prefix}:MAN:${t.ioc}_log`;
    try {
      const v = await t.client.get(pv, { timeoutMs: LOG_TIMEOUT_MS });
      return json(200, { host: t.prefix, ioc: t.ioc, pv, text: textOf(v.value) });
    } catch (error) {
      return json(502, { error: error instanceof Error ? error.message : String(error) });
    }
  };

  const control = async (req: Request, from: string): Promise<Response> => {
    if (!options.control) {
      return json(403, { error: "Control is off: start iocsup fleet --web with --allow-control" });
    }
    // Cross-site requests may carry the browser's cached Basic credentials: accept only the
    // page's own fetch (JSON content type forces a CORS preflight we never answer).
    const site = req.headers.get("sec-fetch-site");
    const origin = req.headers.get("origin");
    const sameOrigin = origin === null || origin === new URL(req.url).origin;
    if (
      !sameOrigin || (site !== null && site !== "same-origin") ||
      !/^application\/json\b/.test(req.headers.get("content-type") ?? "")
    ) {
      return json(403, { error: "Control requests must come from the fleet page itself" });
    }
    let body: Record<string, unknown>;
    try {
      body = await req.json();
    } catch {
      return json(400, { error: "Expected a JSON body {host, ioc, action}" });
    }
    const action = typeof body.action === "string" ? parseControlAction(body.action) : undefined;
    if (action === undefined) return json(400, { error: "action must be stop, run or reset" });
    const t = target(body.host, body.ioc);
    if (!t) return json(404, { error: "No such IOC in the fleet" });
    const what = `${t.prefix}/${t.ioc} ${action}`;
    try {
      const pv = await controlIoc(t.client, t.prefix, t.ioc, action, {
        timeoutMs: CONTROL_TIMEOUT_MS,
        wait: true,
      });
      log.info(`${what} done (requested from ${from})`);
      return json(200, { host: t.prefix, ioc: t.ioc, pv, action, done: true });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      log.warn(`${what} failed (requested from ${from}): ${message}`);
      return json(502, { error: message });
    }
  };

  const handle = (req: Request, info: Deno.ServeHandlerInfo<Deno.NetAddr>) => {
    const url = new URL(req.url);
    // On loopback without a password, a page elsewhere could still reach us through a DNS name
    // rebound to 127.0.0.1: its requests carry that name in Host, so only loopback names pass.
    if (options.listen.loopback && !isLoopback(hostOfHeader(req.headers.get("host") ?? ""))) {
      return json(421, { error: "Use a loopback address (127.0.0.1, localhost) in the URL" });
    }
    if (auth && !auth.accepts(req.headers.get("authorization"))) {
      return new Response("Login required\n", {
        status: 401,
        headers: { ...SECURITY_HEADERS, "www-authenticate": CHALLENGE },
      });
    }
    if (url.pathname === "/api/control") {
      if (req.method !== "POST") return json(405, { error: "Use POST" });
      return control(req, `${info.remoteAddr.hostname}:${info.remoteAddr.port}`);
    }
    if (req.method !== "GET" && req.method !== "HEAD") return json(405, { error: "Use GET" });
    if (url.pathname === "/events") {
      return new Response(events.open(), {
        headers: {
          ...SECURITY_HEADERS,
          "content-type": "text/event-stream; charset=utf-8",
          "cache-control": "no-store",
          // nginx and similar proxies would otherwise hold events back in their buffer.
          "x-accel-buffering": "no",
        },
      });
    }
    if (url.pathname === "/api/log") return readLog(url);
    const asset = assets.get(url.pathname);
    if (!asset) return json(404, { error: "Not found" });
    return new Response(asset.body, {
      headers: { ...SECURITY_HEADERS, "content-type": asset.type, "cache-control": "no-cache" },
    });
  };

  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({
      hostname: options.listen.hostname,
      port: options.listen.port,
      onListen: () => {},
    }, handle);
  } catch (error) {
    await model.close();
    throw error;
  }
  const { hostname, port } = server.addr;
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  return {
    url: `http://${host}:${port}/`,
    async close() {
      events.close();
      await server.shutdown();
      await model.close();
    },
  };
}
