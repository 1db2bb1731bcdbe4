import assert from "node:assert/strict";
import { loadTemplates, renderConf } from "../../../mod/supervisor/conf_render.ts";
import {
  daemonChanges,
  keepSection,
  webChanges,
} from "../../../mod/supervisor/start_only_changes.ts";
import { statePaths } from "../../../mod/state_dir.ts";
import { settingsWith } from "./settings_fixture.ts";

const web = { listen: "127.0.0.1:9001", username: "iocsup", password: "secret" };

Deno.test("webChanges() finds nothing when the web UI is the same or off on both sides", () => {
  assert.deepEqual(webChanges(web, { ...web }), []);
  assert.deepEqual(webChanges(undefined, undefined), []);
});

Deno.test("webChanges() names each changed setting", () => {
  assert.deepEqual(webChanges(web, { ...web, password: "other" }), ["general.web.password"]);
  assert.deepEqual(
    webChanges(web, { listen: "0.0.0.0:9002", username: "ops", password: "secret" }),
    ["general.web.listen", "general.web.username"],
  );
});

Deno.test("webChanges() names general.web when the UI is turned on or off", () => {
  assert.deepEqual(webChanges(web, undefined), ["general.web"]);
  assert.deepEqual(webChanges(undefined, web), ["general.web"]);
});

Deno.test("daemonChanges() names the log settings behind a changed [supervisord] section", async () => {
  const templates = await loadTemplates();
  const settings = settingsWith([]);
  const render = (logDir: string, general: Partial<typeof settings.general> = {}) =>
    renderConf({ ...settings, general: { ...settings.general, ...general } }, {
      templates,
      paths: statePaths("/srv/state", logDir),
    });
  assert.deepEqual(daemonChanges(render("logs"), render("logs")), []);
  assert.deepEqual(daemonChanges(render("logs"), render("other-logs")), ["general.log_dir"]);
  assert.deepEqual(
    daemonChanges(render("logs"), render("logs", { logMaxBytes: 1, logBackups: 1 })),
    ["general.log_maxbytes", "general.log_backups"],
  );
});

Deno.test("keepSection() swaps in the section in force and leaves the rest", () => {
  const next = "; header\n[supervisord]\nlogfile=/new/s.log\n\n[program:a]\ncommand=x\n";
  const inForce = "; header\n[supervisord]\nlogfile=/old/s.log\nloglevel=info\n\n[program:b]\n";
  assert.equal(
    keepSection(next, inForce, "supervisord"),
    "; header\n[supervisord]\nlogfile=/old/s.log\nloglevel=info\n\n[program:a]\ncommand=x\n",
  );
  assert.equal(keepSection(next, "[other]\n", "supervisord"), next);
  assert.equal(
    keepSection("[a]\nx=1\n[supervisord]\nk=2\n", "[supervisord]\nk=1\n", "supervisord"),
    "[a]\nx=1\n[supervisord]\nk=1\n",
  );
});
