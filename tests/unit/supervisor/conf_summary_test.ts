import assert from "node:assert/strict";
import { loadTemplates, renderConf } from "../../../mod/supervisor/conf_render.ts";
import { summarizeConf } from "../../../mod/supervisor/conf_summary.ts";
import { parseSettings } from "../../../mod/config/mod.ts";
import { statePaths } from "../../../mod/state_dir.ts";

Deno.test("summarizeConf() reads back programs, autostart, descriptions and the web login", async () => {
  const settings = parseSettings(
    `general:
  prefix: T
  web: { listen: "127.0.0.1:9555", username: ops, password: "p%ss" }
first:
  autostart: true
  command: /bin/true
  description: "First: 50% of the \\"lab\\" ; # not a comment"
  stopwaitsecs: 30
  stopsignal: INT
second:
  command: /bin/true
`,
    { file: "/srv/settings.yaml" },
  );
  const text = renderConf(settings, {
    templates: await loadTemplates(),
    paths: statePaths("/srv/ioc-supervisor"),
    managerCommand: ["/usr/bin/iocsup", "serve"],
  });
  assert.deepEqual(summarizeConf(text), {
    programs: [
      {
        name: "first",
        autostart: true,
        description: 'First: 50% of the "lab" ; # not a comment',
        stopwaitsecs: 30,
        stopsignal: "INT",
      },
      { name: "second", autostart: false, description: "", stopwaitsecs: 10, stopsignal: "TERM" },
    ],
    listeners: [
      {
        name: "iocsup-manager",
        autostart: true,
        description: "",
        stopwaitsecs: 10,
        stopsignal: "TERM",
      },
    ],
    web: { listen: "127.0.0.1:9555", username: "ops", password: "p%ss" },
  });
});

Deno.test("summarizeConf() of a conf without web UI or programs", () => {
  assert.deepEqual(summarizeConf("[supervisord]\nlogfile=x\n"), {
    programs: [],
    listeners: [],
    web: undefined,
  });
});
