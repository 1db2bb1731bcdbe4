/**
 * `iocsup fleet`: every host of a fleet.yaml in one table (host · IOC · status · heartbeat ·
 * uptime · restarts), once or live, and `iocsup fleet control <prefix>/<ioc>` to write one
 * host's `_control`.
 *
 * @module
 */
import { CaClient } from "../mod/ca/mod.ts";
import { CONTROL_STATES } from "../mod/manager/pv_specs.ts";
import { UsageError } from "../mod/errors.ts";
import { type FleetConfig, type FleetHost, loadFleet } from "../mod/fleet/config.ts";
import { type FleetHostView, FleetModel } from "../mod/fleet/model.ts";
import { boolFlag, COMMON_OPTIONS_HELP, parseCommandArgs, stringFlag } from "./_common.ts";
import { TIMEOUT_FLAG, timeoutMs } from "./_ca.ts";
import { formatUptime, out, paint, table, useColor } from "./_output.ts";

/** Help text. */
export const help = `iocsup fleet: the IOCs of many hosts in one table, over Channel Access

USAGE
  iocsup fleet [--config fleet.yaml] [--watch | --json]
  iocsup fleet control <prefix>/<ioc> stop|run|reset [--wait]

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

OPTIONS
      --watch          redraw the table as values change (in place on a terminal); Ctrl-C ends
      --json           print one JSON document once every host answered or timed out
                       (control: the outcome)
      --wait           (control) put with callback: return once the action is done
  -w, --timeout SEC    time for a host to answer (default 5; control --wait: 60)
  -c, --config FILE    fleet file (default ./fleet.yaml)
${
  // fleet reads fleet.yaml, not settings: --config is its own and the state directory unused.
  COMMON_OPTIONS_HELP.split("\n").filter((l) => !/--config|--state-dir/.test(l)).join("\n")}

EXIT CODES
  0 shown (or control done), 1 a host not answering (once) or control failed, 2 usage/config

EXAMPLES
  iocsup fleet --config fleet.yaml --watch
  iocsup fleet --json -w 2
  iocsup fleet control TGT:MEOP/ioc1 reset --wait
`;

/** Run the command. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(args, {
    ...TIMEOUT_FLAG,
    watch: { type: "boolean" },
    json: { type: "boolean" },
    wait: { type: "boolean" },
  }, 3);
  const load = () => loadFleet(stringFlag(parsed, "config") ?? "fleet.yaml");
  const [sub, target, action] = parsed.positionals;
  if (sub === "control") {
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
  const { promise, resolve } = Promise.withResolvers<void>();
  const stop = () => resolve();
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  try {
    await promise;
  } finally {
    Deno.removeSignalListener("SIGINT", stop);
    Deno.removeSignalListener("SIGTERM", stop);
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
  const action = CONTROL_STATES.findIndex((s) => s.toLowerCase() === actionText.toLowerCase());
  if (action < 0) {
    throw new UsageError(`Cannot use action "${actionText}": expected stop, run or reset`);
  }
  const host: FleetHost | undefined = fleet.hosts.find((h) => h.prefix === prefix);
  if (host === undefined) {
    const known = fleet.hosts.map((h) => h.prefix).join(", ");
    throw new UsageError(`Cannot find host "${prefix}" in the fleet file: known are ${known}`);
  }
  const pv = `${prefix}:MAN:${ioc}_control`;
  const env = Deno.env.toObject();
  const client = new CaClient(
    host.addr === undefined ? { env } : { env, addrList: host.addr, autoAddrList: false },
  );
  try {
    await client.put(pv, action, { timeoutMs: ms, wait });
  } finally {
    await client.close();
  }
  const state = CONTROL_STATES[action]!;
  if (json) {
    out(JSON.stringify({ host: prefix, ioc, pv, action: state, completed: wait }, null, 2) + "\n");
  } else out(`${prefix}/${ioc}: ${state} ${wait ? "done" : "requested"}\n`);
  return 0;
}
