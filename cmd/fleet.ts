/**
 * `iocsup fleet`: every host of a fleet.yaml in one table (host · IOC · status · heartbeat ·
 * uptime · restarts), once or live, and `iocsup fleet control <prefix>/<ioc>` to write one
 * host's `_control`.
 *
 * @module
 */
import { CaClient } from "../mod/ca/mod.ts";
import { controlIoc, parseControlAction } from "../mod/fleet/control.ts";
import { UsageError } from "../mod/errors.ts";
import { type FleetConfig, type FleetHost, loadFleet } from "../mod/fleet/config.ts";
import { type FleetHostView, FleetModel } from "../mod/fleet/model.ts";
import { parseListen } from "../mod/fleet/web/listen.ts";
import { type FleetWeb, startFleetWeb } from "../mod/fleet/web/server.ts";
import { WEB_USER } from "../mod/fleet/web/auth.ts";
import { ensureGeneratedPassword, readGeneratedPassword } from "../mod/web_credentials.ts";
import {
  boolFlag,
  COMMON_OPTIONS_HELP,
  parseCommandArgs,
  type ParsedArgs,
  stringFlag,
  untilStopSignal,
} from "./_common.ts";
import { TIMEOUT_FLAG, timeoutMs } from "./_ca.ts";
import { formatUptime, note, out, paint, table, useColor } from "./_output.ts";

const DEFAULT_LISTEN = "127.0.0.1:8080";

/** Help text. */
export const help = `iocsup fleet: the IOCs of many hosts in one table, over Channel Access

USAGE
  iocsup fleet [--config fleet.yaml] [--watch | --json]
  iocsup fleet control <prefix>/<ioc> stop|run|reset [--wait]
  iocsup fleet --web [--listen HOST:PORT] [--allow-control] [--password-file FILE]

Reads fleet.yaml (--config, default ./fleet.yaml):
  hosts:
    - prefix: TGT:MEOP          # the host's general.prefix
      addr: 10.0.0.5:5064       # optional: where to search it; else EPICS_CA_* applies
    - prefix: TGT:OTHER
      iocs: [ioc1, ioc2]        # optional: else read from {prefix}:MAN:iocs
Every value comes from a CA monitor (no polling). A host whose {prefix}:MAN:heartbeat does not
connect within the time-out shows as "not answering" and is never dropped; it recovers when it
connects. "fleet control" writes {prefix}:MAN:<ioc>_control on that host, so its general.access
rules apply.

--web serves one live page of the fleet (table, filters, an IOC's last output lines on click)
from the same monitors, read-only unless --allow-control adds Stop/Run/Reset buttons: these do
what "fleet control --wait" does, as the user running iocsup, so the hosts' access rules apply.
Control and any non-loopback --listen need a login: user "iocsup" and the password kept in
--password-file (generated there, mode 0600, when the file is missing).

OPTIONS
      --watch          redraw the table as values change (in place on a terminal); Ctrl-C ends
      --json           print one JSON document once every host answered or timed out
                       (control: the outcome)
      --wait           (control) put with callback: return once the action is done
  -w, --timeout SEC    time for a host to answer (default 5; control --wait: 60)
      --web            serve the fleet page until Ctrl-C (SIGINT) or SIGTERM
      --listen H:P     (web) address to serve on (default 127.0.0.1:8080; port 0: any free port,
                       the URL is printed on stderr)
      --allow-control  (web) show Stop/Run/Reset buttons (needs --password-file)
      --password-file FILE
                       (web) HTTP Basic login: user iocsup, the password in FILE; required for
                       --allow-control and off loopback
  -c, --config FILE    fleet file (default ./fleet.yaml)
${
  // fleet reads fleet.yaml, not settings: --config is its own and the state directory unused.
  COMMON_OPTIONS_HELP.split("\n").filter((l) => !/--config|--state-dir/.test(l)).join("\n")}

EXIT CODES
  0 shown (or control done, or --web ended by a signal), 1 a host not answering (once), control
  failed or the --listen address taken, 2 usage/config

EXAMPLES
  iocsup fleet --config fleet.yaml --watch
  iocsup fleet --json -w 2
  iocsup fleet control TGT:MEOP/ioc1 reset --wait
  iocsup fleet --web --allow-control --password-file ~/.iocsup-fleet-password
`;

/** Run the command. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(args, {
    ...TIMEOUT_FLAG,
    watch: { type: "boolean" },
    json: { type: "boolean" },
    wait: { type: "boolean" },
    web: { type: "boolean" },
    listen: { type: "string" },
    "allow-control": { type: "boolean" },
    "password-file": { type: "string" },
  }, 3);
  const load = () => loadFleet(stringFlag(parsed, "config") ?? "fleet.yaml");
  const [sub, target, action] = parsed.positionals;
  const web = boolFlag(parsed, "web");
  for (const flag of ["listen", "allow-control", "password-file"]) {
    if (!web && parsed.values[flag] !== undefined) throw new UsageError(`--${flag} needs --web`);
  }
  if (web && sub === undefined) {
    for (const flag of ["watch", "json", "wait"]) {
      if (boolFlag(parsed, flag)) throw new UsageError(`--web and --${flag} cannot be combined`);
    }
    return await serveWeb(parsed, load);
  }
  if (sub === "control") {
    if (web) throw new UsageError("--web does not apply to control");
    if (boolFlag(parsed, "watch")) throw new UsageError("--watch does not apply to control");
    const wait = boolFlag(parsed, "wait");
    return await control(
      await load(),
      target,
      action,
      timeoutMs(parsed, wait ? 60 : 5),
      wait,
      boolFlag(parsed, "json"),
    );
  }
  if (sub !== undefined) throw new UsageError(`Unexpected argument "${sub}"`);
  if (boolFlag(parsed, "wait")) throw new UsageError("--wait applies to fleet control only");
  if (boolFlag(parsed, "watch") && boolFlag(parsed, "json")) {
    throw new UsageError("--watch and --json cannot be combined");
  }
  const ms = timeoutMs(parsed);
  const fleet = await load();
  return boolFlag(parsed, "watch")
    ? await watch(fleet, ms)
    : await once(fleet, ms, boolFlag(parsed, "json"));
}

/** `--web`: serve the fleet page until SIGINT or SIGTERM. */
async function serveWeb(parsed: ParsedArgs, load: () => Promise<FleetConfig>): Promise<number> {
  const listenText = stringFlag(parsed, "listen") ?? DEFAULT_LISTEN;
  const listen = parseListen(listenText);
  if (listen === undefined) {
    throw new UsageError(
      `Cannot use --listen "${listenText}": expected host:port (port 0-65535), e.g. ${DEFAULT_LISTEN}`,
    );
  }
  const control = boolFlag(parsed, "allow-control");
  const passwordFile = stringFlag(parsed, "password-file");
  if (passwordFile === undefined && (control || !listen.loopback)) {
    throw new UsageError(
      control
        ? "--allow-control needs --password-file FILE (a password is generated there if FILE is missing)"
        : `Cannot serve on "${listenText}" without a password: pass --password-file FILE or listen on 127.0.0.1`,
    );
  }
  const fleet = await load();
  const password = passwordFile === undefined ? undefined : await webPassword(passwordFile);
  let web: FleetWeb;
  try {
    web = await startFleetWeb(fleet.hosts, {
      listen,
      password,
      control,
      timeoutMs: timeoutMs(parsed),
    });
  } catch (error) {
    const reason = error instanceof Deno.errors.AddrInUse
      ? "the address is in use; choose another with --listen"
      : (error instanceof Error ? error.message : String(error));
    throw new Error(`Cannot serve the fleet web view on "${listenText}": ${reason}`, {
      cause: error,
    });
  }
  const mode = control ? "Stop/Run/Reset allowed" : "read-only";
  const login = passwordFile === undefined ? "" : `; user ${WEB_USER}, password in ${passwordFile}`;
  note(`iocsup fleet: serving ${web.url} (${mode}${login}); Ctrl-C ends`);
  try {
    await untilStopSignal();
  } finally {
    await web.close();
  }
  return 0;
}

/**
 * The password in `file`, generated there (mode 0600) when the file is missing: kept as the
 * supervisord web UI's is, never on the command line.
 */
async function webPassword(file: string): Promise<string> {
  const existed = await readGeneratedPassword(file).catch((error) => {
    throw new Error(`Cannot read the password file "${file}": ${error}`, { cause: error });
  });
  if (existed !== undefined) {
    const { mode } = await Deno.stat(file);
    if (mode !== null && (mode & 0o077) !== 0) {
      note(`iocsup fleet: warning: ${file} is readable by others (chmod 600 ${file})`);
    }
    return existed;
  }
  try {
    const password = await ensureGeneratedPassword(file);
    note(`iocsup fleet: generated a password in ${file} (mode 0600)`);
    return password;
  } catch (error) {
    throw new Error(`Cannot write the password file "${file}": ${error}`, { cause: error });
  }
}

async function once(fleet: FleetConfig, ms: number, json: boolean): Promise<number> {
  const model = new FleetModel(fleet.hosts, { timeoutMs: ms });
  try {
    await model.settled();
  } finally {
    await model.close();
  }
  const hosts = model.hosts;
  out(json ? JSON.stringify({ hosts: hosts.map(hostJson) }, null, 2) + "\n" : render(hosts));
  return hosts.every((h) => h.state === "answering") ? 0 : 1;
}

async function watch(fleet: FleetConfig, ms: number): Promise<number> {
  const tty = Deno.stdout.isTerminal();
  let dirty = true;
  const model = new FleetModel(fleet.hosts, { timeoutMs: ms, onChange: () => dirty = true });
  // Monitors only mark the table dirty; drawing at most twice a second keeps a fleet whose
  // uptimes all tick every second from costing one redraw per update.
  const timer = setInterval(() => {
    if (!dirty) return;
    dirty = false;
    const text = render(model.hosts);
    out(tty ? `\x1b[H\x1b[J${text}` : `${text}\n`);
  }, 500);
  try {
    await untilStopSignal();
  } finally {
    clearInterval(timer);
    await model.close();
  }
  return 0;
}

/** The table: one row per IOC, one row for a host without IOCs or not answering. */
function render(hosts: readonly FleetHostView[]): string {
  const rows: string[][] = [];
  const num = (n: number | undefined) => n === undefined ? "-" : String(n);
  for (const host of hosts) {
    if (host.state !== "answering") {
      const text = host.state === "connecting" ? "connecting" : paint("not answering", "red");
      rows.push([host.prefix, "-", text, "-", "-", "-"]);
      continue;
    }
    if (!host.iocList) {
      rows.push([
        host.prefix,
        "-",
        paint("IOC list unknown (no MAN:iocs)", "yellow"),
        "-",
        "-",
        "-",
      ]);
    } else if (host.iocs.length === 0) {
      rows.push([host.prefix, "-", paint("no IOCs", "dim"), "-", "-", "-"]);
    }
    for (const ioc of host.iocs) {
      rows.push([
        host.prefix,
        ioc.name,
        statusText(ioc.status),
        num(ioc.hb),
        ioc.uptime === undefined ? "-" : formatUptime(ioc.uptime),
        num(ioc.restarts),
      ]);
    }
  }
  return table(["HOST", "IOC", "STATUS", "HB", "UPTIME", "RESTARTS"], rows);
}

function statusText(status: string | undefined): string {
  if (status === undefined) return "-";
  if (!useColor()) return status;
  if (status === "RUNNING") return paint(status, "green");
  if (status === "FATAL" || status === "BACKOFF" || status === "EXITED") {
    return paint(status, "red");
  }
  return paint(status, "yellow");
}

function hostJson(host: FleetHostView): Record<string, unknown> {
  return {
    prefix: host.prefix,
    addr: host.addr ?? null,
    answering: host.state === "answering",
    heartbeat: host.heartbeat ?? null,
    iocList: host.iocList,
    iocs: host.state === "answering"
      ? host.iocs.map((ioc) => ({
        name: ioc.name,
        status: ioc.status ?? null,
        hb: ioc.hb ?? null,
        uptime: ioc.uptime ?? null,
        restarts: ioc.restarts ?? null,
      }))
      : [],
  };
}

async function control(
  fleet: FleetConfig,
  target: string | undefined,
  actionText: string | undefined,
  ms: number,
  wait: boolean,
  json: boolean,
): Promise<number> {
  if (target === undefined) throw new UsageError("Missing <prefix>/<ioc>");
  if (actionText === undefined) throw new UsageError("Missing action: stop, run or reset");
  const slash = target.lastIndexOf("/");
  const prefix = target.slice(0, slash);
  const ioc = target.slice(slash + 1);
  if (slash <= 0 || ioc === "") {
    throw new UsageError(`Cannot use "${target}": expected <prefix>/<ioc>`);
  }
  const action = parseControlAction(actionText);
  if (action === undefined) {
    throw new UsageError(`Cannot use action "${actionText}": expected stop, run or reset`);
  }
  const host: FleetHost | undefined = fleet.hosts.find((h) => h.prefix === prefix);
  if (host === undefined) {
    const known = fleet.hosts.map((h) => h.prefix).join(", ");
    throw new UsageError(`Cannot find host "${prefix}" in the fleet file: known are ${known}`);
  }
  const env = Deno.env.toObject();
  const client = new CaClient(
    host.addr === undefined ? { env } : { env, addrList: host.addr, autoAddrList: false },
  );
  let pv: string;
  try {
    pv = await controlIoc(client, prefix, ioc, action, { timeoutMs: ms, wait });
  } finally {
    await client.close();
  }
  if (json) {
    out(JSON.stringify({ host: prefix, ioc, pv, action, completed: wait }, null, 2) + "\n");
  } else out(`${prefix}/${ioc}: ${action} ${wait ? "done" : "requested"}\n`);
  return 0;
}
