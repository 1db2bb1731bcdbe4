/**
 * The iocsup Phoebus display (`.bob`): a manager row for `P:MAN:all`, heartbeat, version and
 * running/total, then one row per IOC (name, description, status LED, Stop/Run/Reset buttons,
 * `_hb` with its alarm border, uptime, restarts, last output line). A fleet display holds one
 * titled group per host. Pure: the same input always gives the same bytes.
 *
 * @module
 */
import { CONTROL_STATES } from "../manager/pv_specs.ts";
import { STATUS_ENUM_ORDER } from "../supervisor/states.ts";
import { el, toXmlDocument, type XmlElement } from "./xml.ts";
import {
  type Box,
  choiceButtons,
  embedded,
  group,
  label,
  type LedState,
  multiStateLed,
  type Rgb,
  textUpdate,
} from "./widgets.ts";

/** How Phoebus reaches the PVs: the `ca://` or `pva://` prefix of every PV name. */
export type ScreenProtocol = "ca" | "pva";

/** One IOC row. */
export interface ScreenIoc {
  /** IOC name (the `P:MAN:<ioc>_…` part). */
  name: string;
  /** Static description; when undefined the row shows the live `_desc` PV instead. */
  description?: string | undefined;
}

/** One host of a fleet display. */
export interface ScreenHost {
  /** `general.prefix` of that host. */
  prefix: string;
  /** Where it runs (shown in the section title only; Phoebus finds PVs by name). */
  addr?: string | undefined;
  /**
   * Its IOCs; rows are drawn from them. When undefined the section embeds `<prefix>.bob`,
   * written by `iocsup screen` on that host.
   */
  iocs?: readonly ScreenIoc[] | undefined;
}

/**
 * LED colour of each `_status` index, in design.md's order (0 STOPPED … 7 UNKNOWN); every state
 * has its own colour so the LED alone tells them apart.
 */
export const STATUS_COLORS: Readonly<Record<(typeof STATUS_ENUM_ORDER)[number], Rgb>> = {
  STOPPED: { red: 128, green: 128, blue: 128 },
  STARTING: { red: 120, green: 200, blue: 255 },
  RUNNING: { red: 0, green: 200, blue: 0 },
  BACKOFF: { red: 255, green: 160, blue: 0 },
  STOPPING: { red: 200, green: 200, blue: 0 },
  EXITED: { red: 80, green: 0, blue: 160 },
  FATAL: { red: 255, green: 0, blue: 0 },
  UNKNOWN: { red: 255, green: 0, blue: 255 },
};

/** The `_status` LED states, index = enum value. */
export function statusLedStates(): LedState[] {
  return STATUS_ENUM_ORDER.map((name, value) => ({
    value,
    label: name,
    color: STATUS_COLORS[name],
  }));
}

// Columns of a row: [x, width]. One table so header labels and rows line up.
const COL = {
  name: [10, 120],
  desc: [135, 200],
  status: [340, 20],
  control: [365, 210],
  hb: [580, 60],
  uptime: [645, 80],
  restarts: [730, 60],
  lastline: [795, 300],
} as const;
const ROW_HEIGHT = 30;
const WIDGET_HEIGHT = 25;
/** Width of one host's rows. */
export const ROWS_WIDTH = COL.lastline[0] + COL.lastline[1] + 10;
/** Size of a fleet section embedding `<prefix>.bob`. */
const EMBED_HEIGHT = 400;
/** Room a group's title and border take inside it. */
const GROUP_INSET = 30;

function box(col: keyof typeof COL, y: number, height = WIDGET_HEIGHT): Box {
  const [x, width] = COL[col];
  return { x, y, width, height };
}

/** `ca://P:MAN:` or `pva://P:MAN:`. */
function manPv(protocol: ScreenProtocol, prefix: string, suffix: string): string {
  return `${protocol}://${prefix}:MAN:${suffix}`;
}

/**
 * The widgets of one host: manager row, column titles, one row per IOC, from y = `top`.
 *
 * @returns The widgets and the height they take.
 */
function hostRows(
  prefix: string,
  iocs: readonly ScreenIoc[],
  protocol: ScreenProtocol,
  top: number,
): { widgets: XmlElement[]; height: number } {
  const pv = (suffix: string) => manPv(protocol, prefix, suffix);
  const id = (suffix: string) => `${prefix}:MAN:${suffix}`;
  const widgets: XmlElement[] = [];
  let y = top;
  // Manager row: the whole-host control and the manager's own health.
  widgets.push(
    label(
      id("all_label"),
      { ...box("name", y), width: COL.desc[0] + COL.desc[1] - COL.name[0] },
      `${prefix}: all autostart IOCs`,
    ),
    choiceButtons(
      id("all"),
      box("control", y),
      pv("all"),
      CONTROL_STATES,
      `Apply this to every autostart IOC of ${prefix}?`,
    ),
    textUpdate(id("heartbeat"), box("hb", y), pv("heartbeat"), { alarmBorder: true }),
    textUpdate(id("version"), box("uptime", y), pv("version")),
    textUpdate(id("running"), { ...box("restarts", y), width: 25 }, pv("running")),
    label(id("running_of"), { x: COL.restarts[0] + 25, y, width: 10, height: WIDGET_HEIGHT }, "/"),
    textUpdate(
      id("total"),
      { ...box("restarts", y), x: COL.restarts[0] + 35, width: 25 },
      pv("total"),
    ),
  );
  y += ROW_HEIGHT + 5;
  const titles: [keyof typeof COL, string][] = [
    ["name", "IOC"],
    ["desc", "Description"],
    ["control", "Control"],
    ["hb", "HB (s)"],
    ["uptime", "Uptime (s)"],
    ["restarts", "Restarts"],
    ["lastline", "Last output"],
  ];
  for (const [col, text] of titles) widgets.push(label(id(`title_${col}`), box(col, y), text));
  y += ROW_HEIGHT;
  for (const ioc of iocs) {
    const n = ioc.name;
    widgets.push(
      label(id(`${n}_name`), box("name", y), n),
      ioc.description === undefined
        ? textUpdate(id(`${n}_desc`), box("desc", y), pv(`${n}_desc`), { alarmBorder: false })
        : label(id(`${n}_desc`), box("desc", y), ioc.description),
      multiStateLed(
        id(`${n}_status`),
        box("status", y + 2, 20),
        pv(`${n}_status`),
        statusLedStates(),
        {
          label: "?",
          color: { red: 255, green: 255, blue: 255 },
        },
      ),
      choiceButtons(
        id(`${n}_control`),
        box("control", y),
        pv(`${n}_control`),
        CONTROL_STATES,
        `Change the state of IOC ${n} on ${prefix}?`,
      ),
      textUpdate(id(`${n}_hb`), box("hb", y), pv(`${n}_hb`), { alarmBorder: true }),
      textUpdate(id(`${n}_uptime`), box("uptime", y), pv(`${n}_uptime`)),
      textUpdate(id(`${n}_restarts`), box("restarts", y), pv(`${n}_restarts`)),
      textUpdate(id(`${n}_lastline`), box("lastline", y), pv(`${n}_lastline`)),
    );
    y += ROW_HEIGHT;
  }
  return { widgets, height: y - top };
}

function displayDocument(
  name: string,
  width: number,
  height: number,
  widgets: XmlElement[],
): string {
  return toXmlDocument(
    el("display", [
      el("name", name),
      el("width", width),
      el("height", height),
      ...widgets,
    ], [["version", "2.0.0"]]),
  );
}

/**
 * The display of one host's settings.
 *
 * @param prefix `general.prefix`.
 * @param iocs The IOCs in settings order.
 * @param protocol `ca` or `pva`.
 * @returns The `.bob` text.
 * @example Usage
 * ```ts
 * import { hostDisplay } from "./display.ts";
 * const bob = hostDisplay("TST", [{ name: "ioc1", description: "first" }], "ca");
 * bob.includes("<pv_name>ca://TST:MAN:ioc1_control</pv_name>"); // true
 * ```
 */
export function hostDisplay(
  prefix: string,
  iocs: readonly ScreenIoc[],
  protocol: ScreenProtocol,
): string {
  const { widgets, height } = hostRows(prefix, iocs, protocol, 10);
  return displayDocument(`iocsup ${prefix}`, ROWS_WIDTH, height + 20, widgets);
}

/**
 * One display for many hosts: a titled group per host, holding its rows when the fleet file
 * lists its IOCs, else an embedded `<prefix>.bob` (written on that host by `iocsup screen`).
 *
 * @param hosts Hosts in fleet-file order.
 * @param protocol `ca` or `pva`.
 * @returns The `.bob` text.
 */
export function fleetDisplay(hosts: readonly ScreenHost[], protocol: ScreenProtocol): string {
  const widgets: XmlElement[] = [];
  let y = 10;
  for (const host of hosts) {
    const title = host.addr === undefined ? host.prefix : `${host.prefix} (${host.addr})`;
    let children: XmlElement[];
    let innerHeight: number;
    if (host.iocs === undefined) {
      innerHeight = EMBED_HEIGHT;
      children = [
        embedded(`${host.prefix}_display`, {
          x: 0,
          y: 0,
          width: ROWS_WIDTH,
          height: EMBED_HEIGHT,
        }, `${host.prefix}.bob`),
      ];
    } else {
      const rows = hostRows(host.prefix, host.iocs, protocol, 0);
      innerHeight = rows.height;
      children = rows.widgets;
    }
    const height = innerHeight + GROUP_INSET + 10;
    widgets.push(group(title, { x: 0, y, width: ROWS_WIDTH + GROUP_INSET, height }, children));
    y += height + 10;
  }
  return displayDocument("iocsup fleet", ROWS_WIDTH + GROUP_INSET, y, widgets);
}
