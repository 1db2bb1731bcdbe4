/**
 * Channel Access demo: serves a handful of PVs of different types with iocsup's CA server, pinned
 * to 127.0.0.1 unless EPICS_CAS_INTF_ADDR_LIST / EPICS_CAS_BEACON_ADDR_LIST say otherwise. Prints
 * on stderr how to reach them with caget/camonitor/caput or pyepics, and runs until Ctrl-C.
 *
 * Usage: deno task ca-demo   (EPICS_CAS_SERVER_PORT=6064 deno task ca-demo for another port)
 *
 * @module
 */
// deno-lint-ignore-file no-console
import { CaServer } from "../mod/ca/mod.ts";

/** Prefix of every demo PV. */
export const PREFIX = "DEMO:CA:";
const WAVE_POINTS = 100;

/**
 * The environment the demo server reads: the caller's, with loopback-only defaults for the
 * interface and beacon lists.
 *
 * @param env The process environment.
 * @returns The environment for {@linkcode CaServer.start}.
 */
export function demoEnv(env: Record<string, string>): Record<string, string> {
  return {
    ...env,
    EPICS_CAS_INTF_ADDR_LIST: env.EPICS_CAS_INTF_ADDR_LIST ?? "127.0.0.1",
    EPICS_CAS_BEACON_ADDR_LIST: env.EPICS_CAS_BEACON_ADDR_LIST ?? "127.0.0.1",
    EPICS_CAS_AUTO_BEACON_ADDR_LIST: env.EPICS_CAS_AUTO_BEACON_ADDR_LIST ?? "NO",
  };
}

function usage(server: CaServer, env: Record<string, string>): string {
  const host = (env.EPICS_CAS_INTF_ADDR_LIST ?? "127.0.0.1").split(/\s+/)[0] ?? "127.0.0.1";
  const names = ["COUNTER", "SINE", "MODE", "MESSAGE", "WAVE", "SETPOINT"].map((n) => PREFIX + n);
  const clientEnv =
    `EPICS_CA_AUTO_ADDR_LIST=NO EPICS_CA_ADDR_LIST=${host} EPICS_CA_SERVER_PORT=${server.udpPort}`;
  return [
    `CA demo: ${names.length} PVs on ${host}, UDP ${server.udpPort}, TCP ${server.tcpPort}`,
    `  ${names.join("\n  ")}`,
    "Try, in another shell:",
    `  export ${clientEnv}`,
    `  caget ${names.slice(0, 4).join(" ")}`,
    `  caget -d DBR_CTRL_DOUBLE ${PREFIX}SINE`,
    `  camonitor ${PREFIX}COUNTER ${PREFIX}SINE`,
    `  caput ${PREFIX}SETPOINT 3.5; caput ${PREFIX}MODE Auto; caput ${PREFIX}MESSAGE "hi there"`,
    `  /usr/bin/python3 -c "import epics; print(epics.caget('${PREFIX}SINE', as_string=True))"`,
    "Ctrl-C stops the demo.",
  ].join("\n");
}

/** Alarm of the sine against its limits (±8 MINOR, ±9 MAJOR), as an IOC's ai record would set. */
function alarmOf(value: number): { severity: number; status: number } {
  if (value >= 9) return { severity: 2, status: 3 }; // HIHI
  if (value <= -9) return { severity: 2, status: 5 }; // LOLO
  if (value >= 8) return { severity: 1, status: 4 }; // HIGH
  if (value <= -8) return { severity: 1, status: 6 }; // LOW
  return { severity: 0, status: 0 };
}

async function main(): Promise<void> {
  const env = demoEnv(Deno.env.toObject());
  const server = await CaServer.start({ env });

  const counter = server.addPv({ name: PREFIX + "COUNTER", type: "long", value: 0, access: "ro" });
  const sine = server.addPv({
    name: PREFIX + "SINE",
    type: "double",
    value: 0,
    units: "mV",
    precision: 3,
    display: { low: -10, high: 10 },
    alarm: { lolo: -9, low: -8, high: 8, hihi: 9 },
    access: "ro",
  });
  server.addPv({
    name: PREFIX + "MODE",
    type: "enum",
    value: 0,
    enumStrings: ["Off", "On", "Auto"],
  });
  server.addPv({ name: PREFIX + "MESSAGE", type: "string", value: "hello from iocsup" });
  const wave = server.addPv({
    name: PREFIX + "WAVE",
    type: "double",
    count: WAVE_POINTS,
    value: new Array<number>(WAVE_POINTS).fill(0),
    units: "mV",
    precision: 2,
    access: "ro",
  });
  server.addPv({
    name: PREFIX + "SETPOINT",
    type: "double",
    value: 1,
    units: "A",
    precision: 2,
    control: { low: 0, high: 10 },
    display: { low: 0, high: 10 },
    onWrite: (value, ctx) => {
      console.error(`ca-demo: ${ctx.user}@${ctx.host} wrote ${PREFIX}SETPOINT = ${value}`);
      return undefined;
    },
  });

  let ticks = 0;
  const fast = setInterval(() => {
    const t = performance.now() / 1000;
    const amplitude = 10 * Math.sin(2 * Math.PI * t / 20);
    sine.post(amplitude, alarmOf(amplitude));
    if (++ticks % 10 === 0) {
      counter.post(ticks / 10);
      wave.post(Array.from({ length: WAVE_POINTS }, (_, i) => amplitude * Math.sin(i / 8)));
    }
  }, 100);

  console.error(usage(server, env));
  await new Promise<void>((resolve) => {
    const stop = () => {
      Deno.removeSignalListener("SIGINT", stop);
      Deno.removeSignalListener("SIGTERM", stop);
      resolve();
    };
    Deno.addSignalListener("SIGINT", stop);
    Deno.addSignalListener("SIGTERM", stop);
  });
  clearInterval(fast);
  await server.close();
  console.error("ca-demo: stopped");
}

if (import.meta.main) await main();
