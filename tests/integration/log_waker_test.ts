import { join } from "node:path";
import { LogWaker } from "../../mod/manager/log_waker.ts";
import { waitFor } from "../helpers/wait.ts";

Deno.test("LogWaker calls back when the file grows, also after it is rotated", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "supervisord.log");
  await Deno.writeTextFile(path, "start\n");
  let calls = 0;
  const waker = new LogWaker(path, () => {
    calls++;
    return Promise.resolve();
  }, { pollMs: 10 });
  try {
    await Deno.writeTextFile(path, "exited: ioc\n", { append: true });
    await waitFor("a call after a write", () => calls >= 1);
    // Rotation as supervisord does it: rename, then a new file.
    const before = calls;
    await Deno.rename(path, `${path}.1`);
    await Deno.writeTextFile(path, "stopped: ioc\n");
    await waitFor("a call after the rotation", () => calls > before);
  } finally {
    waker.close();
    await Deno.remove(dir, { recursive: true });
  }
});
