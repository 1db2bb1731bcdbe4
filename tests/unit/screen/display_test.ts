import assert from "node:assert/strict";
import { fleetDisplay, hostDisplay, type ScreenIoc } from "../../../mod/screen/display.ts";
import { WIDGET_VERSIONS } from "../../../mod/screen/widgets.ts";
import { Control, CONTROL_STATES } from "../../../mod/manager/pv_specs.ts";
import { STATUS_ENUM_ORDER } from "../../../mod/supervisor/states.ts";
import {
  allWidgets,
  child,
  DISPLAY_PROPS,
  parseXmlStrict,
  PHOEBUS_WIDGETS,
  type XmlNode,
} from "./_bob.ts";

const IOCS: ScreenIoc[] = [
  { name: "pump", description: "Turbo pump <A&B> \"left\" 'x'" },
  { name: "gauge", description: "" },
  { name: "ctrl.1-b", description: "ünïcode — ok\ttab" },
];

function text(node: XmlNode | undefined): string {
  assert.ok(node, "element missing");
  return node.text;
}

function widgetsOf(root: XmlNode, type: string): XmlNode[] {
  return allWidgets(root).filter((w) => w.attrs.type === type);
}

function byPv(root: XmlNode, pv: string): XmlNode {
  const found = allWidgets(root).filter((w) => child(w, "pv_name")?.text === pv);
  assert.equal(found.length, 1, `one widget on ${pv}`);
  return found[0]!;
}

/** Check every widget's type, version and property elements against Phoebus's own lists. */
function assertKnownWidgets(root: XmlNode): void {
  assert.equal(root.name, "display");
  assert.equal(root.attrs.version, "2.0.0");
  for (const c of root.children) assert.ok(DISPLAY_PROPS.includes(c.name), `display <${c.name}>`);
  for (const w of allWidgets(root)) {
    const type = w.attrs.type ?? "";
    const known = PHOEBUS_WIDGETS[type];
    assert.ok(known, `unknown widget type ${type}`);
    assert.equal(w.attrs.version, known.version, `${type} version`);
    for (const p of w.children) {
      assert.ok(known.props.includes(p.name), `${type} has no property <${p.name}>`);
    }
    // Structured properties: exactly the element names Phoebus's descriptors use.
    for (const states of w.children.filter((p) => p.name === "states")) {
      for (const s of states.children) {
        assert.equal(s.name, "state");
        assert.deepEqual(s.children.map((e) => e.name), ["value", "label", "color"]);
        assert.deepEqual(child(s, "color")!.children.map((e) => e.name), ["color"]);
      }
    }
    for (const items of w.children.filter((p) => p.name === "items")) {
      for (const i of items.children) assert.equal(i.name, "item");
    }
  }
}

Deno.test("the widget versions written are the ones the test table took from Phoebus", () => {
  for (const [type, version] of Object.entries(WIDGET_VERSIONS)) {
    assert.equal(PHOEBUS_WIDGETS[type]?.version, version, type);
  }
});

Deno.test("host display: well-formed, only known widgets and properties", async () => {
  const root = await parseXmlStrict(hostDisplay("TST:A", IOCS, "ca"));
  assertKnownWidgets(root);
  assert.equal(text(child(root, "name")), "iocsup TST:A");
});

Deno.test("host display: one row per IOC, in settings order", async () => {
  const root = await parseXmlStrict(hostDisplay("TST", IOCS, "ca"));
  const controls = widgetsOf(root, "choice").map((w) => text(child(w, "pv_name")))
    .filter((pv) => pv.endsWith("_control"));
  assert.deepEqual(controls, IOCS.map((i) => `ca://TST:MAN:${i.name}_control`));
  for (const ioc of IOCS) {
    for (const what of ["status", "hb", "uptime", "restarts", "lastline"]) {
      byPv(root, `ca://TST:MAN:${ioc.name}_${what}`);
    }
    const rowY = text(child(byPv(root, `ca://TST:MAN:${ioc.name}_control`), "y"));
    const name = allWidgets(root).find((w) =>
      w.attrs.type === "label" && child(w, "text")?.text === ioc.name
    );
    assert.ok(name, ioc.name);
    assert.equal(text(child(name, "y")), rowY, `${ioc.name} label on its row`);
  }
  const ys = new Set(controls.map((pv) => text(child(byPv(root, pv), "y"))));
  assert.equal(ys.size, IOCS.length, "rows do not overlap");
});

Deno.test("host display: control buttons write 0/1/2 for Stop/Run/Reset, with a confirm dialog", async () => {
  const root = await parseXmlStrict(hostDisplay("TST", IOCS, "ca"));
  const choices = widgetsOf(root, "choice");
  assert.equal(choices.length, IOCS.length + 1, "every _control and MAN:all");
  for (const w of choices) {
    // A choice widget writes the index of the pressed button; the items are in index order
    // and the PV's own enum strings (the same, from the manager) replace them once connected.
    const items = child(w, "items")!.children.map((i) => i.text);
    assert.deepEqual(items, ["Stop", "Run", "Reset"]);
    assert.deepEqual(items.map((i) => Control[i as keyof typeof Control]), [0, 1, 2]);
    assert.deepEqual(items, [...CONTROL_STATES]);
    assert.equal(text(child(w, "items_from_pv")), "true");
    assert.equal(text(child(w, "show_confirm_dialog")), "true");
    assert.match(text(child(w, "confirm_message")), /\?$/);
  }
  byPv(root, "ca://TST:MAN:all");
});

Deno.test("host display: the status LED has every state in design.md's order, one colour each", async () => {
  const root = await parseXmlStrict(hostDisplay("TST", IOCS, "ca"));
  const leds = widgetsOf(root, "multi_state_led");
  assert.equal(leds.length, IOCS.length);
  for (const led of leds) {
    const states = child(led, "states")!.children;
    assert.deepEqual(states.map((s) => Number(text(child(s, "value")))), [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual(states.map((s) => text(child(s, "label"))), [...STATUS_ENUM_ORDER]);
    const colors = states.map((s) => JSON.stringify(child(child(s, "color")!, "color")!.attrs));
    assert.equal(new Set(colors).size, STATUS_ENUM_ORDER.length, "distinct colours");
  }
});

Deno.test("host display: _hb and the manager heartbeat show their alarm in the border", async () => {
  const root = await parseXmlStrict(hostDisplay("TST", IOCS, "ca"));
  for (const pv of ["ca://TST:MAN:pump_hb", "ca://TST:MAN:heartbeat"]) {
    const w = byPv(root, pv);
    assert.equal(w.attrs.type, "textupdate");
    assert.equal(text(child(w, "border_alarm_sensitive")), "true");
  }
  for (const pv of ["version", "running", "total"]) byPv(root, `ca://TST:MAN:${pv}`);
});

Deno.test("host display: texts survive escaping exactly", async () => {
  const root = await parseXmlStrict(hostDisplay("TST", IOCS, "ca"));
  const texts = widgetsOf(root, "label").map((w) => child(w, "text")?.text);
  assert.ok(texts.includes(IOCS[0]!.description!));
  assert.ok(texts.includes(IOCS[2]!.description!));
  // A control character cannot appear in XML 1.0 at all; it is replaced, not passed through.
  const bad = hostDisplay("TST", [{ name: "x", description: "a\u0001b" }], "ca");
  const parsed = await parseXmlStrict(bad);
  assert.ok(widgetsOf(parsed, "label").some((w) => child(w, "text")?.text === "a\ufffdb"));
});

Deno.test("host display: --protocol pva names every PV pva://", async () => {
  for (const protocol of ["ca", "pva"] as const) {
    const root = await parseXmlStrict(hostDisplay("TST", IOCS, protocol));
    const pvs = allWidgets(root).map((w) => child(w, "pv_name")?.text).filter((p) => p);
    assert.ok(pvs.length > IOCS.length * 6);
    for (const pv of pvs) assert.ok(pv!.startsWith(`${protocol}://TST:MAN:`), pv);
  }
});

Deno.test("host display: the same input gives the same bytes", () => {
  assert.equal(hostDisplay("TST", IOCS, "ca"), hostDisplay("TST", structuredClone(IOCS), "ca"));
});

Deno.test("the strict parser used here rejects what is not well-formed", async () => {
  await assert.rejects(parseXmlStrict("<a><b></a>"), /not well-formed/);
  await assert.rejects(parseXmlStrict("<a>x & y</a>"), /not well-formed/);
});

Deno.test("fleet display: a titled group per host, rows or an embedded <prefix>.bob", async () => {
  const bob = fleetDisplay([
    { prefix: "TGT:MEOP", addr: "meop1:5064", iocs: [{ name: "a" }, { name: "b" }] },
    { prefix: "TGT:ROOM" },
  ], "pva");
  const root = await parseXmlStrict(bob);
  assertKnownWidgets(root);
  const groups = root.children.filter((w) => w.name === "widget");
  assert.deepEqual(groups.map((g) => g.attrs.type), ["group", "group"]);
  assert.deepEqual(groups.map((g) => text(child(g, "name"))), [
    "TGT:MEOP (meop1:5064)",
    "TGT:ROOM",
  ]);
  const first = groups[0]!;
  assert.deepEqual(
    widgetsOf(first, "choice").map((w) => text(child(w, "pv_name"))),
    ["pva://TGT:MEOP:MAN:all", "pva://TGT:MEOP:MAN:a_control", "pva://TGT:MEOP:MAN:b_control"],
  );
  // Without a description in the fleet file the row shows the IOC's live _desc PV.
  byPv(first, "pva://TGT:MEOP:MAN:a_desc");
  const embedded = widgetsOf(groups[1]!, "embedded");
  assert.equal(embedded.length, 1);
  assert.equal(text(child(embedded[0]!, "file")), "TGT:ROOM.bob");
  assert.ok(
    Number(text(child(groups[1]!, "y"))) >=
      Number(text(child(first, "y"))) + Number(text(child(first, "height"))),
    "sections do not overlap",
  );
});
