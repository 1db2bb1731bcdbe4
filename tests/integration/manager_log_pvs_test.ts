/**
 * `_log` and `_lastline`: the last lines of each IOC's stdout over CA, from a real supervisord
 * writing real log files (rotated at a small log_maxbytes), read by pyepics (libca).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { PvaClient } from "../../mod/pva/client/mod.ts";
import { runCli } from "../helpers/cli.ts";
import { JsonLineProcess, PYTHON } from "../helpers/pyepics.ts";
import { waitFor } from "../helpers/wait.ts";
import { type RunningIocsup, startIocsup } from "./manager_helpers.ts";

const P = "TEST:MAN:";
const LOG_LINES = 5;

/** Python IOC stand-ins: print, then idle until stopped. */
const SCRIPTS: Record<string, string> = {
  // Numbered lines with CR and colour escapes, then a long UTF-8 line.
  "numbered.py": `
import sys, time
for i in range(1, 51):
    sys.stdout.write("\\x1b[32mline %d\\x1b[0m\\r\\n" % i)
sys.stdout.write("end " + "\\u00e9\\u20ac" * 30 + "\\n")
sys.stdout.flush()
time.sleep(3600)
`,
  // 10,000 lines/s for 2 s once the file "go" exists, then a last line.
  "fast.py": `
import os, sys, time
while not os.path.exists(sys.argv[1]):
    time.sleep(0.05)
start = time.monotonic()
n = 0
while time.monotonic() - start < 2:
    for _ in range(100):
        n += 1
        sys.stdout.write("fast %d\\n" % n)
    sys.stdout.flush()
    time.sleep(0.01)
sys.stdout.write("fast done\\n")
sys.stdout.flush()
time.sleep(3600)
`,
  // Batches of 7 numbered 100-byte lines, 0.3 s apart: log_maxbytes 2KB rotates every 3 batches.
  "rotating.py": `
import os, sys, time
while not os.path.exists(sys.argv[1]):
    time.sleep(0.05)
n = 0
for batch in range(20):
    for _ in range(7):
        n += 1
        sys.stdout.write(("rot %04d " % n).ljust(99, "x") + "\\n")
    sys.stdout.flush()
    time.sleep(0.3)
sys.stdout.write("rot done\\n")
sys.stdout.flush()
time.sleep(3600)
`,
};

async function withIocs(fn: (ioc: RunningIocsup, scripts: string) => Promise<void>) {
  const scripts = await Deno.makeTempDir({ prefix: "iocsup-logpvs-" });
  for (const [name, text] of Object.entries(SCRIPTS)) {
    await Deno.writeTextFile(join(scripts, name), text);
  }
  const command = (script: string) => `${PYTHON} -u ${join(scripts, script)} ${scripts}/go`;
  let ioc: RunningIocsup | undefined;
  try {
    ioc = await startIocsup(
      `numbered:
  autostart: true
  command: ${command("numbered.py")}
fast:
  autostart: true
  command: ${command("fast.py")}
rotating:
  autostart: true
  command: ${command("rotating.py")}
`,
      // Exact line contents and sizes are checked here; stamps are tested in log_stamps_test.ts.
      {
        generalExtra:
          `  web: false\n  log_lines: ${LOG_LINES}\n  log_maxbytes: 2KB\n  timestamps: false`,
      },
    );
    await fn(ioc, scripts);
  } finally {
    await ioc?.close();
    await Deno.remove(scripts, { recursive: true });
  }
}

/** `_log` as `caget -S` prints it: the bytes up to the NUL, as UTF-8. */
function logText(value: unknown): string {
  const bytes = value as number[];
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(new Uint8Array(end < 0 ? bytes : bytes.slice(0, end)));
}

Deno.test("_log and _lastline show the last lines of each IOC, throttled, across rotation", async () => {
  await withIocs(async (ioc, scripts) => {
    // iocsup pvs lists them, with the waveform's NELM.
    const pvs = await runCli(["pvs", ...ioc.opts]);
    assert.match(pvs.stdout, /TEST:MAN:numbered_log +char\[640\] +ro/);
    assert.match(pvs.stdout, /TEST:MAN:numbered_lastline +string +ro/);

    // Numbered lines: CR and escapes stripped; the long UTF-8 line cut to 39 bytes.
    const longLine = "end " + "é€".repeat(30);
    const expectedLast = "end " + "é€".repeat(7); // 4 + 7 × 5 = 39 bytes
    const getValue = async (pv: string, options: Record<string, unknown> = {}) =>
      ((await ioc.ops([{ op: "get", pv, ...options }]))[0]!.value as { value: unknown }).value;
    await waitFor(
      "numbered _lastline",
      async () => (await getValue(`${P}numbered_lastline`)) === expectedLast,
      { timeoutMs: 20_000 },
    );
    const [info] = await ioc.ops([{ op: "info", pv: `${P}numbered_log` }]);
    assert.deepEqual(info!.value, {
      ftype: "char",
      count: LOG_LINES * 128,
      read: true,
      write: false,
    });
    assert.equal(await getValue(`${P}numbered_log.RTYP`), "waveform");
    const asString = await getValue(`${P}numbered_log`, { asString: true });
    const expectedLog = ["line 47", "line 48", "line 49", "line 50", longLine].join("\n");
    // pyepics decodes a CHAR array as text (latin-1 bytes up to the NUL), as caget -S does.
    assert.equal(
      new TextDecoder().decode(Uint8Array.from(asString as string, (c) => c.charCodeAt(0))),
      expectedLog,
    );
    assert.equal(await getValue(`${P}numbered_lastline.RTYP`), "stringin");

    // Over PVA: the same bytes in an NTScalarArray (ubyte[], as QSRV serves a text waveform).
    const pva = new PvaClient({
      addrList: `127.0.0.1:${ioc.pvaUdpPort}`,
      autoAddrList: false,
      env: {},
    });
    try {
      const log = await pva.get(`${P}numbered_log`);
      assert.match(log.id, /NTScalarArray/);
      assert.equal(logText(log.value), expectedLog);
      assert.equal((await pva.get(`${P}numbered_lastline`)).value, expectedLast);
    } finally {
      await pva.close();
    }

    // A fast writer and a rotating one, watched by CA monitors from the start.
    const monitor = JsonLineProcess.python("ca_monitor.py", {
      port: ioc.caPort,
      args: [`${P}fast_lastline`, `${P}fast_log`, `${P}rotating_log`],
    });
    try {
      await monitor.waitForLine("monitors ready", (l) => l.e === "ready");
      const ready = monitor.lines.length;
      await Deno.writeTextFile(join(scripts, "go"), "");
      await monitor.waitForLine(
        "fast done",
        (l) => l.pv === `${P}fast_lastline` && l.v === "fast done",
      );
      await monitor.waitForLine(
        "rot done",
        (l) => l.e === "value" && l.pv === `${P}rotating_log` && logText(l.v).endsWith("rot done"),
      );
      const updates = monitor.lines.slice(ready).filter((l) => l.e === "value");
      const fast = updates.filter((l) => l.pv === `${P}fast_lastline`);
      // ~20,000 lines over 2 s; the PV changes at most ~4 times a second.
      assert.ok(fast.length >= 2 && fast.length <= 20, `fast _lastline updates: ${fast.length}`);
      const fastLog = logText(updates.filter((l) => l.pv === `${P}fast_log`).at(-1)!.v);
      const lastNumbers = fastLog.split("\n").slice(0, -1).map((l) => Number(l.split(" ")[1]));
      assert.equal(fastLog.split("\n").at(-1), "fast done");
      assert.equal(lastNumbers.length, LOG_LINES - 1);
      for (let i = 1; i < lastNumbers.length; i++) {
        assert.equal(lastNumbers[i], lastNumbers[i - 1]! + 1, fastLog);
      }

      // Rotating: every value is consecutive lines, before, across and after each rotation.
      const rotated = await Array.fromAsync(Deno.readDir(join(ioc.stateDir, "logs")));
      assert.ok(rotated.some((e) => e.name === "rotating.log.1"), "the log was rotated");
      const rotating = updates.filter((l) => l.pv === `${P}rotating_log`).map((l) => logText(l.v));
      assert.ok(rotating.length >= 10, `rotating _log updates: ${rotating.length}`);
      for (const text of rotating) {
        const numbers = text.split("\n").filter((l) => l.startsWith("rot 0")).map((l) =>
          Number(l.slice(4, 8))
        );
        for (let i = 1; i < numbers.length; i++) {
          assert.equal(numbers[i], numbers[i - 1]! + 1, `not consecutive:\n${text}`);
        }
      }
      const last = rotating.at(-1)!.split("\n");
      assert.deepEqual(last.map((l) => l.slice(0, 8)), [
        "rot 0137",
        "rot 0138",
        "rot 0139",
        "rot 0140",
        "rot done",
      ]);
      assert.equal(last[0], "rot 0137 ".padEnd(99, "x"));
    } finally {
      await monitor.stop();
    }
  });
});
