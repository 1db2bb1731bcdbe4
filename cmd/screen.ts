/**
 * `iocsup screen`: write a Phoebus display (`.bob`) for the settings' IOCs, or for a fleet.
 *
 * @module
 */
import { resolve } from "node:path";
import { atomicWriteTextFile } from "../mod/atomic_write.ts";
import { UsageError } from "../mod/errors.ts";
import { fleetDisplay, hostDisplay, type ScreenProtocol } from "../mod/screen/display.ts";
import { parseFleet } from "../mod/screen/fleet.ts";
import { COMMON_OPTIONS_HELP, parseCommandArgs, stringFlag } from "./_common.ts";
import { loadContext } from "./_context.ts";
import { note, out } from "./_output.ts";

/** Help text. */
export const help = `iocsup screen: write a Phoebus display (.bob) for the IOCs

USAGE
  iocsup screen [--out FILE] [--protocol ca|pva]
  iocsup screen --fleet fleet.yaml [--out FILE] [--protocol ca|pva]

The display has a row for P:MAN:all (Stop/Run/Reset buttons, with a confirm dialog) and the
manager (heartbeat, version, running/total), then one row per IOC: name, description, an LED on
_status (one colour per state), Stop/Run/Reset buttons on _control (confirm dialog), _hb with its
alarm border, _uptime, _restarts and _lastline (the last output line). Every PV name carries the
protocol, ca:// or pva://. The same settings always give the same bytes.

With --fleet, one display for many hosts, one titled section per host, from a file such as
  hosts:
    - {prefix: TGT:MEOP, addr: meop1:5064, iocs: [pump, gauge]}
    - {prefix: TGT:ROOM, addr: room1}
A host that lists its "iocs" gets its rows inline (descriptions from its live _desc PVs). A host
without "iocs" gets an embedded display "<prefix>.bob" (e.g. TGT:ROOM.bob), found beside the
fleet display: write it on that host with "iocsup screen --out <prefix>.bob" and copy it there.
"addr" is shown in the section title only; Phoebus finds the PVs through its own EPICS address
list settings. The settings file is not read with --fleet.

OPTIONS
  -o, --out FILE       write the display to FILE (atomically) instead of stdout
      --protocol P     ca (default) or pva: how Phoebus connects to the PVs
      --fleet FILE     one display for the hosts listed in FILE
${COMMON_OPTIONS_HELP}

EXAMPLES
  iocsup screen --out iocs.bob && phoebus -resource iocs.bob
  iocsup screen --protocol pva > iocs-pva.bob
  iocsup screen --fleet fleet.yaml --out fleet.bob
`;

/** Run the command. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(args, {
    out: { type: "string", short: "o" },
    protocol: { type: "string" },
    fleet: { type: "string" },
  });
  const protocolFlag = stringFlag(parsed, "protocol") ?? "ca";
  if (protocolFlag !== "ca" && protocolFlag !== "pva") {
    throw new UsageError(`--protocol must be ca or pva, not ${JSON.stringify(protocolFlag)}`);
  }
  const protocol: ScreenProtocol = protocolFlag;
  const outFile = stringFlag(parsed, "out");
  if (outFile === "") throw new UsageError("--out needs a file name");
  const fleetFile = stringFlag(parsed, "fleet");
  let bob: string;
  if (fleetFile !== undefined) {
    let text: string;
    try {
      text = await Deno.readTextFile(fleetFile);
    } catch (error) {
      throw new UsageError(
        `Cannot read fleet file ${fleetFile}: ${error instanceof Error ? error.message : error}`,
      );
    }
    bob = fleetDisplay(parseFleet(text, fleetFile), protocol);
  } else {
    const { settings } = await loadContext(parsed);
    const iocs = settings.iocs.map((ioc) => ({ name: ioc.name, description: ioc.description }));
    bob = hostDisplay(settings.general.prefix, iocs, protocol);
  }
  if (outFile === undefined) {
    out(bob);
  } else {
    await atomicWriteTextFile(resolve(outFile), bob);
    note(`wrote ${outFile}`);
  }
  return 0;
}
