/**
 * Test helpers for `.bob` files: a strict XML parse (Python's expat through ElementTree, a real
 * parser that rejects anything not well-formed) and the table of widget types, versions and
 * property names Phoebus reads.
 *
 * @module
 */
import { PYTHON } from "../../helpers/pyepics.ts";

/** One parsed element. */
export interface XmlNode {
  /** Element name. */
  name: string;
  /** Attributes. */
  attrs: Record<string, string>;
  /** Child elements in order. */
  children: XmlNode[];
  /** Text directly inside (concatenated, unescaped). */
  text: string;
}

const PARSE = `
import json, sys
import xml.etree.ElementTree as ET
def node(e):
    return {"name": e.tag, "attrs": dict(e.attrib), "text": e.text or "",
            "children": [node(c) for c in e]}
try:
    root = ET.fromstring(sys.stdin.buffer.read())
except ET.ParseError as error:
    print(f"not well-formed: {error}", file=sys.stderr)
    sys.exit(1)
print(json.dumps(node(root)))
`;

/**
 * Parse XML strictly.
 *
 * @param text The XML text.
 * @returns The root element.
 * @throws {Error} When the text is not well-formed XML (with expat's line and column).
 */
export async function parseXmlStrict(text: string): Promise<XmlNode> {
  const child = new Deno.Command(PYTHON, {
    args: ["-c", PARSE],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(text));
  await writer.close();
  const output = await child.output();
  const decoder = new TextDecoder();
  if (output.code !== 0) throw new Error(decoder.decode(output.stderr).trim());
  return JSON.parse(decoder.decode(output.stdout)) as XmlNode;
}

/** The first child named `name`, or undefined. */
export function child(node: XmlNode, name: string): XmlNode | undefined {
  return node.children.find((c) => c.name === name);
}

/** Every `<widget>` in the display, groups' children included, in document order. */
export function allWidgets(node: XmlNode): XmlNode[] {
  const found: XmlNode[] = [];
  for (const c of node.children) {
    if (c.name === "widget") found.push(c, ...allWidgets(c));
  }
  return found;
}

/**
 * Properties every widget reads (Widget.java: name, class, x, y, width, height, actions,
 * rules, scripts, tooltip; VisibleWidget.java: visible).
 */
const COMMON = [
  "name",
  "class",
  "x",
  "y",
  "width",
  "height",
  "actions",
  "rules",
  "scripts",
  "tooltip",
  "visible",
];
/** PVWidget.java: pv_name, border_alarm_sensitive. */
const PV = ["pv_name", "border_alarm_sensitive"];

/**
 * Widget type → the `version` Phoebus writes and the property elements it reads, from
 * ControlSystemStudio/phoebus app/display/model/src/main/java/org/csstudio/display/builder/
 * model/widgets/ (checked at v5.0.5-270 and master, 2026): LabelWidget, TextUpdateWidget,
 * MultiStateLEDWidget (+BaseLEDWidget), ChoiceButtonWidget (+WritablePVWidget),
 * EmbeddedDisplayWidget (+MacroWidget, BorderSupport), GroupWidget (+MacroWidget; version
 * 3.0.0 since Phoebus 4.7.3, children are nested `<widget>` elements).
 */
export const PHOEBUS_WIDGETS: Record<string, { version: string; props: readonly string[] }> = {
  label: {
    version: "2.0.0",
    props: [
      ...COMMON,
      "text",
      "macros",
      "font",
      "foreground_color",
      "background_color",
      "transparent",
      "horizontal_alignment",
      "vertical_alignment",
      "rotation_step",
      "auto_size",
      "wrap_words",
    ],
  },
  textupdate: {
    version: "2.0.0",
    props: [
      ...COMMON,
      ...PV,
      "font",
      "foreground_color",
      "background_color",
      "transparent",
      "format",
      "precision",
      "show_units",
      "horizontal_alignment",
      "vertical_alignment",
      "wrap_words",
      "rotation_step",
      "interactive",
    ],
  },
  multi_state_led: {
    version: "2.0.0",
    props: [
      ...COMMON,
      ...PV,
      "states",
      "fallback_label",
      "fallback_color",
      "font",
      "foreground_color",
      "line_color",
      "square",
    ],
  },
  choice: {
    version: "2.0.0",
    props: [
      ...COMMON,
      ...PV,
      "font",
      "foreground_color",
      "background_color",
      "selected_color",
      "items",
      "items_from_pv",
      "horizontal_alignment",
      "vertical_alignment",
      "horizontal",
      "enabled",
      "show_confirm_dialog",
      "confirm_message",
      "password",
      "hash_password",
    ],
  },
  embedded: {
    version: "2.0.0",
    props: [...COMMON, "macros", "file", "resize", "group_name", "transparent"],
  },
  group: {
    version: "3.0.0",
    props: [
      ...COMMON,
      "macros",
      "widget",
      "style",
      "font",
      "foreground_color",
      "background_color",
      "transparent",
    ],
  },
};

/** Elements the display itself reads (DisplayModel.java) besides its widgets. */
export const DISPLAY_PROPS = [
  "name",
  "macros",
  "width",
  "height",
  "actions",
  "rules",
  "scripts",
  "background_color",
  "grid_visible",
  "grid_step_x",
  "grid_step_y",
  "widget",
];
