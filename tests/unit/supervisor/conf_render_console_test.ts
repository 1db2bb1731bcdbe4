import assert from "node:assert/strict";
import { loadTemplates, renderConf } from "../../../mod/supervisor/conf_render.ts";
import { statePaths } from "../../../mod/state_dir.ts";
import { shellSplit } from "../../../mod/config/mod.ts";
import { parseProcServHelp } from "../../../mod/console/procserv.ts";
import { consoleChildScript } from "../../../mod/console/wrapper.ts";
import { iocSettings, settingsWith } from "./settings_fixture.ts";

const templates = await loadTemplates();
const paths = statePaths("/srv/iocs/ioc-supervisor");
const PROCSERV_27 = { path: "/usr/bin/procServ", oneshot: false };

function programLines(text: string, name: string): Map<string, string> {
  const start = text.indexOf(`[program:${name}]`);
  assert.ok(start >= 0, `no [program:${name}]`);
  const end = text.indexOf("\n[", start + 1);
  const lines = new Map<string, string>();
  for (const line of text.slice(start, end < 0 ? undefined : end).split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0 && !line.startsWith(";")) lines.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return lines;
}

/** The argv supervisord runs: `%%` read back as `%`, then split as supervisord splits. */
function argvOf(command: string): string[] {
  return shellSplit(command.replaceAll("%%", "%"));
}

Deno.test("renderConf() runs a console IOC through the wrapper and procServ on unix sockets only", () => {
  const ioc = iocSettings("ioc1", {
    command: "softIoc -d st.cmd",
    console: true,
    stopsignal: "QUIT",
    stopwaitsecs: 7,
  });
  const text = renderConf(settingsWith([ioc]), { templates, paths, procServ: PROCSERV_27 });
  const program = programLines(text, "ioc1");
  const state = "/srv/iocs/ioc-supervisor";
  const base = `${state}/run/console/ioc1`;
  assert.deepEqual(argvOf(program.get("command")!), [
    "/bin/sh",
    `${state}/console.sh`,
    base,
    "QUIT",
    "7",
    "/usr/bin/procServ",
    "--foreground",
    "--noautorestart",
    "--holdoff",
    "0",
    "--quiet",
    "--logfile",
    "-",
    "--logstamp=[%Y-%m-%dT%H:%M:%S%z] ",
    "--name",
    "ioc1",
    "--ignore",
    "^C^X^T",
    "--killcmd",
    "",
    "--autorestartcmd",
    "",
    "--logoutcmd",
    "^D",
    "--port",
    `unix:::0600:${base}.sock`,
    "--logport",
    `unix:::0600:${base}.ro.sock`,
    "/bin/sh",
    "-c",
    consoleChildScript(),
    base,
    "softIoc",
    "-d",
    "st.cmd",
  ]);
  // supervisord signals the wrapper's group with SIGINT (procServ ignores it); the wrapper sends
  // the IOC its QUIT. One log: the pty merges both streams.
  assert.equal(program.get("stopsignal"), "INT");
  assert.equal(program.get("stopwaitsecs"), "7");
  assert.equal(program.get("redirect_stderr"), "true");
  assert.equal(program.has("stderr_logfile"), false);
  assert.match(
    program.get("environment")!,
    /^INPUTRC="\/srv\/iocs\/ioc-supervisor\/console-inputrc",/,
  );
});

Deno.test("renderConf() gives console sockets to console_group and uses --oneshot when there", () => {
  const settings = settingsWith([iocSettings("a", { console: true, timestamps: false })]);
  settings.general.consoleGroup = "iocs";
  const procServ = parseProcServHelp("/opt/bin/procServ", "  -o --oneshot  once\n");
  const argv = argvOf(
    programLines(renderConf(settings, { templates, paths, procServ }), "a").get("command")!,
  );
  assert.ok(argv.includes("--oneshot"));
  // A later --noautorestart would cancel --oneshot (procServ keeps one restart mode).
  assert.ok(!argv.includes("--noautorestart"));
  assert.ok(argv.includes("unix::iocs:0660:/srv/iocs/ioc-supervisor/run/console/a.sock"));
  assert.ok(!argv.some((arg) => arg.startsWith("--logstamp")));
  // procServ is still told to end once the IOC's status is written.
  assert.ok(argv.includes(consoleChildScript()));
});

Deno.test("renderConf() keeps plain IOCs as they were next to console ones", () => {
  const settings = settingsWith([iocSettings("plain"), iocSettings("con", { console: true })]);
  const program = programLines(
    renderConf(settings, { templates, paths, procServ: PROCSERV_27 }),
    "plain",
  );
  assert.equal(program.get("stopsignal"), "TERM");
  assert.equal(program.get("redirect_stderr"), "false");
  assert.equal(program.get("stderr_logfile"), "/srv/iocs/ioc-supervisor/logs/plain_error.log");
  assert.match(program.get("command")!, /^\/bin\/bash -c /);
});

Deno.test("renderConf() refuses a console IOC without procServ or with a too long socket path", () => {
  const settings = settingsWith([iocSettings("ioc1", { console: true })]);
  assert.throws(
    () => renderConf(settings, { templates, paths }),
    /Cannot give IOC "ioc1" a console: procServ is not installed \(Debian: apt-get install procserv\)/,
  );
  const deep = statePaths(`/srv/${"x".repeat(90)}`);
  assert.throws(
    () => renderConf(settings, { templates, paths: deep, procServ: PROCSERV_27 }),
    /its socket path .* is longer than 107 bytes; use a shorter --state-dir/,
  );
});
