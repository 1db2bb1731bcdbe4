import assert from "node:assert/strict";
import { runCli } from "../helpers/cli.ts";
import { iocScript, tempProject } from "../helpers/settings.ts";

Deno.test("start and start-daemon name a web UI address in use and write nothing", async () => {
  // Another program holds the port (a listening socket, as a second iocsup's supervisord would).
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const address = `127.0.0.1:${(taken.addr as Deno.NetAddr).port}`;
  const project = await tempProject(
    `solo:
  autostart: true
  command: ${iocScript("ioc.sh")} solo {dir}
`,
    { generalExtra: `  web: { listen: "${address}" }` },
  );
  const opts = ["--config", project.settings];
  try {
    for (const command of ["start-daemon", "start"]) {
      const result = await runCli([command, ...opts]);
      assert.equal(result.code, 1, `${command}: ${result.stdout}${result.stderr}`);
      assert.equal(result.stdout, "");
      assert.match(result.stderr, new RegExp(`"${address.replaceAll(".", "\\.")}".*in use`));
      assert.match(result.stderr, /change general\.web\.listen in .*settings\.yaml/);
      await assert.rejects(Deno.stat(project.stateDir), Deno.errors.NotFound, command);
    }
  } finally {
    taken.close();
    await runCli(["stop", ...opts]);
    await project.cleanup();
  }
});
