import assert from "node:assert/strict";

Deno.test("the compile task embeds every file in templates/", async () => {
  const denoJson = JSON.parse(
    await Deno.readTextFile(new URL("../../deno.json", import.meta.url)),
  );
  const task: string = denoJson.tasks.compile;
  const includes = [...task.matchAll(/--include\s+(\S+)/g)].map((m) => m[1]!);
  const templates = new URL("../../templates/", import.meta.url);
  const files = [...Deno.readDirSync(templates)].filter((e) => e.isFile).map((e) => e.name);
  assert.ok(files.length >= 5, "templates/ holds the conf and unit templates");
  for (const file of files) {
    const path = `templates/${file}`;
    assert.ok(
      includes.some((inc) => path === inc || path.startsWith(inc.endsWith("/") ? inc : `${inc}/`)),
      `${path} is not embedded by "deno task compile" (--include ${includes.join(", ")})`,
    );
  }
  assert.match(task, /--output iocsup main\.ts$/);
});
