import assert from "node:assert/strict";
import { webChanges } from "../../../mod/supervisor/web_changes.ts";

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
