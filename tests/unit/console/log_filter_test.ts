import assert from "node:assert/strict";
import { runLogFilter as filter } from "../../helpers/log_filter.ts";

Deno.test("LOG_FILTER drops CR, escapes and procServ's @@@ lines, and applies backspaces", async () => {
  const stamp = "[2026-12-01T17:48:49+0000] ";
  assert.equal(
    await filter(
      `${stamp}@@@ Restarting child "ioc1"\r\n` +
        `${stamp}epics> dbgx\x08\x1b[Kf\r\n` +
        `${stamp}\x1b[?2004hepics> dbl\x1b[?2004l\r\n` +
        `${stamp}\x1b[31;1mERROR\x1b[0m\tmessage\x07\r\n` +
        `${stamp}epics> @@@ Current time: Tue Dec  1 17:48:52 2026\r\n` +
        `${stamp}\r\n` +
        `plain line\r\n`,
    ),
    `${stamp}epics> dbgf\n` +
      `${stamp}epics> dbl\n` +
      `${stamp}ERROR\tmessage\n` +
      `${stamp}epics> \n` +
      `plain line\n`,
  );
});
