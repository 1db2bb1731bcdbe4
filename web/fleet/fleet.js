// The fleet page: one EventSource on /events ("fleet" = the whole fleet, "hosts" = the hosts
// that changed, by index), one <tbody> per host rebuilt when that host changes, filters that
// only hide rows, and the last output lines of the clicked IOC from /api/log.
"use strict";

const $ = (id) => document.getElementById(id);
const table = $("fleet");
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

const COLUMNS = 5;
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

function actionsCell(host, ioc) {
  const key = `${host.prefix}/${ioc.name}`;
  const busy = pending.get(key);
  const cell = el("td", { class: "actions" });
  for (const action of ACTIONS) {
    const button = el("button", {
      type: "button",
      disabled: busy !== undefined,
      title: `${action} ${key}`,
      "data-action": action,
    }, busy === action ? `${action}…` : action);
    button.addEventListener("click", (event) => {
      event.stopPropagation();
      act(host.prefix, ioc.name, action);
    });
    cell.append(button);
  }
  return cell;
}

/** One host's rows: a heading, then its IOCs, or one row saying why there are none. */
function hostBody(host) {
  const down = host.state !== "answering";
  const body = el("tbody", { "data-host": host.prefix });
  body.append(el(
    "tr",
    { class: down ? "host down" : "host" },
    el(
      "th",
      { colSpan: COLUMNS + (control ? 1 : 0) },
      host.prefix,
      el("span", { class: "meta", "data-meta": host.prefix }, hostMeta(host)),
    ),
  ));
  const placeholder = (text, cls) =>
    body.append(el(
      "tr",
      { class: "ioc empty", "data-state": down ? "not answering" : "" },
      el("td", {}, "–"),
      statusCell(text, cls),
      el("td", { colSpan: COLUMNS - 2 + (control ? 1 : 0) }),
    ));
  if (down) placeholder(host.state === "connecting" ? "connecting" : "not answering", "down");
  else if (!host.iocList) placeholder("IOC list unknown", "pending");
  else if (host.iocs.length === 0) placeholder("no IOCs", "pending");
  if (down) return body;
  for (const ioc of host.iocs) {
    const key = `${host.prefix}/${ioc.name}`;
    const hbWarn = ioc.hb !== undefined && ioc.hb !== 999 && ioc.hb >= 10;
    const row = el(
      "tr",
      {
        class: key === selected ? "ioc selected" : "ioc",
        "data-key": key,
        "data-state": ioc.status ?? "",
        "data-host": host.prefix,
        "data-ioc": ioc.name,
      },
      el("td", { class: "name" }, ioc.name),
      statusCell(ioc.status ?? "…", ioc.status ?? "pending"),
      el(
        "td",
        { class: hbWarn ? "num warn" : "num", title: ioc.hb === 999 ? "not running" : "" },
        ioc.hb === undefined || ioc.hb === 999 ? "–" : `${ioc.hb} s`,
      ),
      el("td", { class: "num" }, uptimeText(ioc.uptime)),
      el("td", { class: ioc.restarts > 0 ? "num warn" : "num" }, String(ioc.restarts ?? "–")),
    );
    if (control) row.append(actionsCell(host, ioc));
    row.addEventListener("click", () => openLog(host.prefix, ioc.name));
    body.append(row);
  }
  return body;
}

function renderHost(index) {
  const body = hostBody(hosts[index]);
  const old = table.tBodies[index];
  if (old) old.replaceWith(body);
  else table.append(body);
}

/** Redraw one host's rows (its buttons' pending state changed). */
function rerender(prefix) {
  const index = hosts.findIndex((h) => h.prefix === prefix);
  if (index < 0) return;
  renderHost(index);
  applyFilters();
}

function renderAll() {
  for (const body of [...table.tBodies]) body.remove();
  table.querySelector("th.actions").hidden = !control;
  hosts.forEach((_, i) => table.append(hostBody(hosts[i])));
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
  for (const body of table.tBodies) {
    const prefix = body.dataset.host;
    const hostOk = prefix.toLowerCase().includes(host);
    let any = false;
    for (const row of body.querySelectorAll("tr.ioc")) {
      const name = row.dataset.ioc ?? "";
      const rowState = row.dataset.state;
      const stateOk = state === "" ||
        (state === "!RUNNING" ? rowState !== "RUNNING" : rowState === state);
      const ok = hostOk && (ioc === "" || name.toLowerCase().includes(ioc)) && stateOk;
      row.hidden = !ok;
      any ||= ok;
      if (row.dataset.ioc !== undefined) {
        total++;
        if (ok) shown++;
      }
    }
    body.hidden = !any && !(hostOk && ioc === "" && state === "");
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
  for (const row of table.querySelectorAll("tr.ioc")) {
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
  for (const row of table.querySelectorAll("tr.selected")) row.classList.remove("selected");
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
  for (const span of table.querySelectorAll("[data-meta]")) {
    const host = hosts.find((h) => h.prefix === span.dataset.meta);
    if (host) span.textContent = hostMeta(host);
  }
  if (source.readyState === EventSource.OPEN && performance.now() - lastMessage > 40_000) {
    setLink("stale", "no update for 40 s");
  }
}, 1000);
