// The fleet page: one EventSource on /events ("fleet" = the whole fleet, "hosts" = the hosts
// that changed, by index), one <section> per host whose cells are updated in place (rebuilt only
// when its IOC list or state changes), filters that only hide rows, and the last output lines of
// the clicked IOC from /api/log.
//
// Each host is its own fixed-layout table in a section with content-visibility: auto, so the
// browser lays out only the hosts on screen: with 2,000 IOCs whose uptimes all tick every second,
// one shared table cost Chromium a quarter of a core in relayouts.
"use strict";

const $ = (id) => document.getElementById(id);
const fleet = $("fleet");
const list = $("hosts");
const filters = { host: $("f-host"), ioc: $("f-ioc"), state: $("f-state") };

/** Hosts as last received, in fleet.yaml order. */
let hosts = [];
/** Whether Stop/Run/Reset may be offered (the server says so in "fleet"). */
let control = false;
/** performance.now() when each host's manager heartbeat last changed, by prefix. */
const heardAt = new Map();
/** "host/ioc" of the IOC whose output is shown, or undefined. */
let selected;
/** "host/ioc" → action of control requests not answered yet. */
const pending = new Map();
/** performance.now() of the last event or ping. */
let lastMessage = 0;

/** Column classes, widths in fleet.css (`col.<class>`), so every host's table lines up. */
const COLUMN_CLASSES = ["c-name", "c-status", "c-hb", "c-uptime", "c-restarts", "c-control"];
const ACTIONS = ["Stop", "Run", "Reset"];

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else if (k.startsWith("data-")) node.setAttribute(k, v);
    else node[k] = v;
  }
  node.append(...children);
  return node;
}

function uptimeText(s) {
  if (s === undefined) return "–";
  const d = Math.floor(s / 86400);
  const hms = [Math.floor(s / 3600) % 24, Math.floor(s / 60) % 60, s % 60]
    .map((n) => String(n).padStart(2, "0")).join(":");
  return d > 0 ? `${d}d ${hms}` : hms;
}

function ageText(ms) {
  const s = Math.round(ms / 1000);
  return s < 120 ? `${s} s` : s < 7200 ? `${Math.round(s / 60)} min` : `${Math.round(s / 3600)} h`;
}

function hostMeta(host) {
  if (host.state === "connecting") return "connecting…";
  if (host.state !== "answering") return "not answering";
  const heard = heardAt.get(host.prefix);
  const parts = [];
  if (heard !== undefined) parts.push(`heard ${ageText(performance.now() - heard)} ago`);
  const running = host.iocs.filter((i) => i.status === "RUNNING").length;
  parts.push(`${running}/${host.iocs.length} running`);
  if (host.addr) parts.push(host.addr);
  return parts.join(" · ");
}

function statusCell(text, cls) {
  return el("td", {}, el("span", { class: `state ${cls}` }, text));
}

function actionsCell(key) {
  const busy = pending.get(key);
  return el(
    "td",
    { class: "actions" },
    ...ACTIONS.map((action) =>
      el("button", {
        type: "button",
        disabled: busy !== undefined,
        title: `${action} ${key}`,
        "data-action": action,
      }, busy === action ? `${action}…` : action)
    ),
  );
}

/** What decides a host's rows, as opposed to the values in them. */
function shape(host) {
  const busy = host.iocs.map((i) => pending.get(`${host.prefix}/${i.name}`) ?? "");
  return JSON.stringify([host.state, host.iocList, control, host.iocs.map((i) => i.name), busy]);
}

/** A fixed-layout table with the page's columns (the control column only with control). */
function columnsTable(...children) {
  const classes = COLUMN_CLASSES.slice(0, control ? 6 : 5);
  return el(
    "table",
    {},
    el("colgroup", {}, ...classes.map((c) => el("col", { class: c }))),
    ...children,
  );
}

/** One host: a heading, then its IOCs, or one row saying why there are none. */
function hostSection(host) {
  const down = host.state !== "answering";
  const span = control ? 6 : 5;
  const body = el("tbody");
  body.append(el(
    "tr",
    { class: down ? "host down" : "host" },
    el(
      "th",
      { colSpan: span },
      host.prefix,
      el("span", { class: "meta", "data-meta": host.prefix }, hostMeta(host)),
    ),
  ));
  const placeholder = (text, cls) =>
    body.append(el(
      "tr",
      { class: "ioc empty", "data-state": down ? "not answering" : "" },
      el("td", {}, "–"),
      el("td", { colSpan: span - 1 }, el("span", { class: `state ${cls}` }, text)),
    ));
  if (down) placeholder(host.state === "connecting" ? "connecting" : "not answering", "down");
  else if (!host.iocList) placeholder("IOC list unknown", "pending");
  else if (host.iocs.length === 0) placeholder("no IOCs", "pending");
  for (const ioc of down ? [] : host.iocs) {
    const key = `${host.prefix}/${ioc.name}`;
    const row = el(
      "tr",
      {
        class: key === selected ? "ioc selected" : "ioc",
        "data-key": key,
        "data-host": host.prefix,
        "data-ioc": ioc.name,
      },
      el("td", { class: "name", title: ioc.name }, ioc.name),
      statusCell("", ""),
      el("td", { class: "num" }),
      el("td", { class: "num" }),
      el("td", { class: "num" }),
    );
    if (control) row.append(actionsCell(key));
    fill(row, ioc);
    body.append(row);
  }
  return el("section", { "data-host": host.prefix, "data-shape": shape(host) }, columnsTable(body));
}

function set(node, prop, value) {
  if (node[prop] !== value) node[prop] = value;
}

/** Write an IOC's values into its row, touching only what changed. */
function fill(row, ioc) {
  const [, status, hb, uptime, restarts] = row.cells;
  set(row.dataset, "state", ioc.status ?? "");
  set(status.firstChild, "className", `state ${ioc.status ?? "pending"}`);
  set(status.firstChild, "textContent", ioc.status ?? "…");
  const hbWarn = ioc.hb !== undefined && ioc.hb !== 999 && ioc.hb >= 10;
  set(hb, "className", hbWarn ? "num warn" : "num");
  set(hb, "title", ioc.hb === 999 ? "not running" : "");
  set(hb, "textContent", ioc.hb === undefined || ioc.hb === 999 ? "–" : `${ioc.hb} s`);
  set(uptime, "textContent", uptimeText(ioc.uptime));
  set(restarts, "className", ioc.restarts > 0 ? "num warn" : "num");
  set(restarts, "textContent", String(ioc.restarts ?? "–"));
}

/** Bring a host's rows up to date: values in place, or new rows when their shape changed. */
function renderHost(index) {
  const host = hosts[index];
  const old = list.children[index];
  if (old && old.dataset.shape === shape(host)) {
    const meta = old.querySelector("[data-meta]");
    set(meta, "textContent", hostMeta(host));
    if (host.state === "answering") {
      const rows = old.querySelector("tbody").rows;
      host.iocs.forEach((ioc, i) => fill(rows[i + 1], ioc));
    }
    return;
  }
  const section = hostSection(host);
  if (old) old.replaceWith(section);
  else list.append(section);
}

fleet.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-action]");
  const row = event.target.closest("tr.ioc[data-key]");
  if (!row) return;
  if (button) act(row.dataset.host, row.dataset.ioc, button.dataset.action);
  else openLog(row.dataset.host, row.dataset.ioc);
});

/** Redraw one host's rows (its buttons' pending state changed). */
function rerender(prefix) {
  const index = hosts.findIndex((h) => h.prefix === prefix);
  if (index < 0) return;
  renderHost(index);
  applyFilters();
}

function renderAll() {
  const head = el(
    "tr",
    {},
    el("th", {}, "IOC"),
    el("th", {}, "Status"),
    el(
      "th",
      {
        class: "num",
        title: "heartbeat age: seconds since the IOC's heartbeat PV changed; – not running",
      },
      "HB",
    ),
    el("th", { class: "num" }, "Uptime"),
    el("th", { class: "num" }, "Restarts"),
  );
  if (control) head.append(el("th", {}, "Control"));
  fleet.classList.toggle("control", control);
  $("head").replaceChildren(columnsTable(el("thead", {}, head)));
  list.replaceChildren(...hosts.map(hostSection));
  applyFilters();
}

function renderSummary() {
  const answering = hosts.filter((h) => h.state === "answering");
  const iocs = answering.flatMap((h) => h.iocs);
  const running = iocs.filter((i) => i.status === "RUNNING").length;
  $("summary").textContent = `${answering.length}/${hosts.length} hosts answering · ` +
    `${running}/${iocs.length} IOCs running`;
}

function applyFilters() {
  const host = filters.host.value.trim().toLowerCase();
  const ioc = filters.ioc.value.trim().toLowerCase();
  const state = filters.state.value;
  let shown = 0;
  let total = 0;
  for (const section of list.children) {
    const prefix = section.dataset.host;
    const hostOk = prefix.toLowerCase().includes(host);
    let any = false;
    for (const row of section.querySelectorAll("tr.ioc")) {
      const name = row.dataset.ioc ?? "";
      const rowState = row.dataset.state;
      const stateOk = state === "" ||
        (state === "!RUNNING" ? rowState !== "RUNNING" : rowState === state);
      const ok = hostOk && (ioc === "" || name.toLowerCase().includes(ioc)) && stateOk;
      set(row, "hidden", !ok);
      any ||= ok;
      if (row.dataset.ioc !== undefined) {
        total++;
        if (ok) shown++;
      }
    }
    set(section, "hidden", !any && !(hostOk && ioc === "" && state === ""));
  }
  $("shown").textContent = `${shown} of ${total} IOCs shown`;
}

function notice(text, isError) {
  const p = $("notice");
  p.textContent = text;
  p.className = isError ? "notice error" : "notice";
  p.hidden = false;
}

function noteHeartbeats(list) {
  for (const host of list) {
    const old = hosts.find((h) => h.prefix === host.prefix);
    if (host.heartbeat !== undefined && old?.heartbeat !== host.heartbeat) {
      heardAt.set(host.prefix, performance.now());
    }
  }
}

async function act(prefix, ioc, action) {
  const key = `${prefix}/${ioc}`;
  if (!confirm(`${action} ${ioc} on ${prefix}?`)) return;
  pending.set(key, action);
  rerender(prefix);
  notice(`${key}: ${action} requested…`, false);
  try {
    const response = await fetch("api/control", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ host: prefix, ioc, action }),
    });
    const answer = await response.json().catch(() => ({ error: response.statusText }));
    if (response.ok) notice(`${key}: ${action} done`, false);
    else notice(`${key}: ${action} refused: ${answer.error}`, true);
  } catch (error) {
    notice(`${key}: ${action} not sent: ${error.message}`, true);
  } finally {
    pending.delete(key);
    rerender(prefix);
  }
}

let logTimer;

async function refreshLog(prefix, ioc) {
  const key = `${prefix}/${ioc}`;
  try {
    const response = await fetch(
      `api/log?host=${encodeURIComponent(prefix)}&ioc=${encodeURIComponent(ioc)}`,
    );
    const answer = await response.json();
    if (selected !== key) return;
    if (!response.ok) throw new Error(answer.error);
    const pre = $("log-text");
    const atEnd = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
    pre.textContent = answer.text === "" ? "(no output yet)" : answer.text;
    if (atEnd) pre.scrollTop = pre.scrollHeight;
    $("log-state").textContent = `read ${new Date().toTimeString().slice(0, 8)}`;
  } catch (error) {
    if (selected === key) $("log-state").textContent = `cannot read: ${error.message}`;
  }
}

function openLog(prefix, ioc) {
  selected = `${prefix}/${ioc}`;
  for (const row of list.querySelectorAll("tr.ioc")) {
    row.classList.toggle("selected", row.dataset.key === selected);
  }
  $("log").hidden = false;
  $("log-title").textContent = `${prefix} / ${ioc}`;
  $("log-text").textContent = "";
  $("log-state").textContent = "reading…";
  clearInterval(logTimer);
  refreshLog(prefix, ioc);
  // The panel follows the IOC while open; only the one IOC shown is read.
  logTimer = setInterval(() => refreshLog(prefix, ioc), 2000);
}

$("log-close").addEventListener("click", () => {
  selected = undefined;
  clearInterval(logTimer);
  $("log").hidden = true;
  for (const row of list.querySelectorAll("tr.selected")) row.classList.remove("selected");
});

for (const input of Object.values(filters)) input.addEventListener("input", applyFilters);
$("filters").addEventListener("submit", (event) => event.preventDefault());

function setLink(state, text) {
  const link = $("link");
  link.dataset.state = state;
  link.textContent = text;
}

const source = new EventSource("events");
source.addEventListener("fleet", (event) => {
  // A (re)connection: the whole fleet again, so nothing missed while away lingers.
  const data = JSON.parse(event.data);
  control = data.control;
  noteHeartbeats(data.hosts);
  hosts = data.hosts;
  lastMessage = performance.now();
  setLink("live", control ? "live · control allowed" : "live · read-only");
  renderAll();
  renderSummary();
});
source.addEventListener("hosts", (event) => {
  const changed = JSON.parse(event.data);
  noteHeartbeats(Object.values(changed));
  lastMessage = performance.now();
  for (const [index, host] of Object.entries(changed)) {
    hosts[Number(index)] = host;
    renderHost(Number(index));
  }
  applyFilters();
  renderSummary();
});
source.addEventListener("ping", () => lastMessage = performance.now());
source.addEventListener("error", () => setLink("connecting", "reconnecting…"));

// Once a second: host ages, and whether the stream is still alive (a ping comes every 15 s
// however quiet the fleet).
setInterval(() => {
  for (const span of list.querySelectorAll("[data-meta]")) {
    const host = hosts.find((h) => h.prefix === span.dataset.meta);
    if (host) span.textContent = hostMeta(host);
  }
  if (source.readyState === EventSource.OPEN && performance.now() - lastMessage > 40_000) {
    setLink("stale", "no update for 40 s");
  }
}, 1000);
