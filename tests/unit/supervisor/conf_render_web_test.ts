import assert from "node:assert/strict";
import { loadTemplates, renderConf } from "../../../mod/supervisor/conf_render.ts";
import { summarizeConf } from "../../../mod/supervisor/conf_summary.ts";
import { statePaths } from "../../../mod/state_dir.ts";
import { settingsWith } from "./settings_fixture.ts";

const templates = await loadTemplates();
const paths = statePaths("/srv/iocs/ioc-supervisor");
const fromSettings = { listen: "127.0.0.1:9001", username: "iocsup", password: "new" };

Deno.test("renderConf() writes the web option instead of general.web", () => {
  const inForce = { listen: "127.0.0.1:9005", username: "ops", password: "old%1" };
  const text = renderConf(settingsWith([], { web: fromSettings }), {
    templates,
    paths,
    webPassword: "generated",
    web: inForce,
  });
  assert.match(text, /^password=old%%1$/m);
  assert.deepEqual(summarizeConf(text).web, inForce, "what status reads back is what is in force");
});

Deno.test("renderConf() writes no [inet_http_server] for web: false even when settings have one", () => {
  const text = renderConf(settingsWith([], { web: fromSettings }), {
    templates,
    paths,
    web: false,
  });
  assert.doesNotMatch(text, /inet_http_server/);
  assert.equal(summarizeConf(text).web, undefined);
});

Deno.test("renderConf() keeps the manager out of FATAL after a burst of quick exits", () => {
  const text = renderConf(settingsWith([]), { templates, paths, managerCommand: ["iocsup"] });
  const listener = text.slice(text.indexOf("[eventlistener:"));
  const retries = Number(/^startretries=(\d+)$/m.exec(listener)?.[1]);
  assert.ok(retries >= 50, `startretries=${retries}`);
});
