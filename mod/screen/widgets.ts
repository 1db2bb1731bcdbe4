/**
 * Phoebus display-builder widgets as XML elements: only widget types and property names that
 * Phoebus reads today (app/display/model/.../widgets/*.java), each with the `version` attribute
 * Phoebus writes for it. An unknown property element would be skipped silently by Phoebus, so
 * the names live here once and tests/unit/screen checks them against a table from its sources.
 *
 * @module
 */
import { el, type XmlElement } from "./xml.ts";

/** The `version` attribute Phoebus writes for each widget type used here. */
export const WIDGET_VERSIONS = {
  label: "2.0.0",
  textupdate: "2.0.0",
  multi_state_led: "2.0.0",
  choice: "2.0.0",
  embedded: "2.0.0",
  // GroupWidget.GROUP_WIDGET_VERSION since Phoebus 4.7.3; 2.0.0 would go through a colour remap.
  group: "3.0.0",
} as const;

/** A widget type used in iocsup displays. */
export type WidgetType = keyof typeof WIDGET_VERSIONS;

/** Position and size in pixels (relative to the parent group or the display). */
export interface Box {
  /** Left. */
  x: number;
  /** Top. */
  y: number;
  /** Width. */
  width: number;
  /** Height. */
  height: number;
}

/** An RGB colour. */
export interface Rgb {
  /** 0–255. */
  red: number;
  /** 0–255. */
  green: number;
  /** 0–255. */
  blue: number;
}

/** `<color red green blue/>` wrapped in the property element `name`. */
function colorProp(name: string, c: Rgb): XmlElement {
  return el(name, [
    el("color", [], [["red", String(c.red)], ["green", String(c.green)], ["blue", String(c.blue)]]),
  ]);
}

/**
 * A widget element: `name`, the box, then the type's own properties.
 *
 * @param type Widget type.
 * @param name The widget's name (shown in the editor; unique per display here).
 * @param box Position and size.
 * @param props Type-specific property elements.
 * @returns `<widget type=… version=…>`.
 */
export function widget(
  type: WidgetType,
  name: string,
  box: Box,
  props: readonly XmlElement[] = [],
): XmlElement {
  return el("widget", [
    el("name", name),
    el("x", box.x),
    el("y", box.y),
    el("width", box.width),
    el("height", box.height),
    ...props,
  ], [["type", type], ["version", WIDGET_VERSIONS[type]]]);
}

/** A static text. */
export function label(name: string, box: Box, text: string): XmlElement {
  return widget("label", name, box, [el("text", text)]);
}

/**
 * A read-only value. Its border shows the PV's alarm severity (`border_alarm_sensitive`, on by
 * default; written out where the alarm matters).
 */
export function textUpdate(
  name: string,
  box: Box,
  pvName: string,
  options: { alarmBorder?: boolean } = {},
): XmlElement {
  return widget("textupdate", name, box, [
    el("pv_name", pvName),
    ...(options.alarmBorder === undefined
      ? []
      : [el("border_alarm_sensitive", String(options.alarmBorder))]),
  ]);
}

/** One state of a multi-state LED. */
export interface LedState {
  /** The PV value (enum index). */
  value: number;
  /** Text shown for it. */
  label: string;
  /** Its colour. */
  color: Rgb;
}

/** An LED with one colour per enum index, and a fallback for any other value. */
export function multiStateLed(
  name: string,
  box: Box,
  pvName: string,
  states: readonly LedState[],
  fallback: { label: string; color: Rgb },
): XmlElement {
  return widget("multi_state_led", name, box, [
    el("pv_name", pvName),
    el(
      "states",
      states.map((s) =>
        el("state", [el("value", s.value), el("label", s.label), colorProp("color", s.color)])
      ),
    ),
    el("fallback_label", fallback.label),
    colorProp("fallback_color", fallback.color),
  ]);
}

/**
 * One button per item, writing the chosen index to the PV. `items_from_pv` stays on, so the
 * buttons show the ENUM's own strings once connected; `items` are what shows before that and
 * must be in the PV's index order.
 */
export function choiceButtons(
  name: string,
  box: Box,
  pvName: string,
  items: readonly string[],
  confirmMessage: string,
): XmlElement {
  return widget("choice", name, box, [
    el("pv_name", pvName),
    el("items", items.map((item) => el("item", item))),
    el("items_from_pv", "true"),
    el("horizontal", "true"),
    el("show_confirm_dialog", "true"),
    el("confirm_message", confirmMessage),
  ]);
}

/** Another display shown inside this one (`resize` 0: none, scroll bars when larger). */
export function embedded(name: string, box: Box, file: string): XmlElement {
  return widget("embedded", name, box, [el("file", file), el("resize", 0)]);
}

/** A titled frame (`style` 0: GROUP) holding widgets positioned relative to it. */
export function group(
  name: string,
  box: Box,
  children: readonly XmlElement[],
): XmlElement {
  return widget("group", name, box, [el("style", 0), ...children]);
}
