/**
 * `iocsup fleet --web`: the HTTP side against stand-in hosts (server-sent events, login, refusals,
 * usage errors), and the page in a real headless Chromium against two real iocsup instances
 * (supervisord, manager, stand-in IOCs) on loopback, each on its own CA port.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli, spawnCli, TextCollector } from "../helpers/cli.ts";
import { Chromium, chromiumPath } from "../helpers/chromium.ts";
import { type FakeHost, fakeHost } from "../helpers/fleet_hosts.ts";
import { freeCaPort, freeTcpPort } from "../helpers/ports.ts";
import { iocScript, type TempProject, tempProject } from "../helpers/settings.ts";
import { waitFor } from "../helpers/wait.ts";

/** A running `fleet --web`. */
interface Web {
  url: string;
  stderr: TextCollector;
  /** SIGTERM it; resolves to its exit code. */
  stop(): Promise<number>;
}

async function startWeb(args: string[]): Promise<Web> {
  const child = spawnCli(["fleet", "--web", "--listen", "127.0.0.1:0", ...args]);
  const stdout = new TextCollector(child.stdout);
  const stderr = new TextCollector(child.stderr);
  let ended = false;
  const stop = async () => {
    if (!ended) {
      ended = true;
      try {
        child.kill("SIGTERM");
      } catch { /* already ended */ }
    }
    const timer = setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch { /* ended */ }
    }, 10_000);
    const { code } = await child.status;
    clearTimeout(timer);
    await stdout.done;
    await stderr.done;
    return code;
  };
  try {
    const url = await waitFor("the URL on stderr", () => {
      if (/error/i.test(stderr.text)) throw new Error(stderr.text);
      return /serving (http:\/\/\S+\/)/.exec(stderr.text)?.[1];
    }, { timeoutMs: 20_000 });
    return { url, stderr, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Server-sent events of one `GET /events`, parsed as they arrive. */
class Events {
  readonly #reader: ReadableStreamDefaultReader<string>;
  readonly events: { event: string; data: unknown }[] = [];
  #buffer = "";
  #done: Promise<void>;

  constructor(body: ReadableStream<Uint8Array>) {
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    this.#reader = reader;
    this.#done = (async () => {
      try {
        while (true) {
          const { value, done } = await reader.read();
          if (done) return;
          this.#buffer += value;
          let end;
          while ((end = this.#buffer.indexOf("\n\n")) >= 0) {
            const block = this.#buffer.slice(0, end);
            this.#buffer = this.#buffer.slice(end + 2);
            const event = /^event: (.*)$/m.exec(block)?.[1] ?? "message";
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (data !== undefined) this.events.push({ event, data: JSON.parse(data) });
          }
        }
      } catch { /* cancelled */ }
    })();
  }

  async close(): Promise<void> {
    await this.#reader.cancel().catch(() => {});
    await this.#done;
  }
}

interface HostJson {
  prefix: string;
  state: string;
  iocs: { name: string; status?: string }[];
}

const statuses = (host: HostJson | undefined) =>
  host?.iocs.map((i) => `${i.name}=${i.status}`).join(" ");

Deno.test("fleet --web streams the fleet as server-sent events and serves the page read-only", async () => {
  const dir = await Deno.makeTempDir({ prefix: "iocsup-fleetweb-" });
  const [portA, portB, portC] = [await freeCaPort(), await freeCaPort(), await freeCaPort()];
  const hosts: FakeHost[] = [
    await fakeHost(portA, "WEBA", ["a1", "a2"]),
    await fakeHost(portB, "WEBB", ["b1"]),
  ];
  const file = join(dir, "fleet.yaml");
  await Deno.writeTextFile(
    file,
    `hosts:\n  - prefix: WEBA\n    addr: 127.0.0.1:${portA}\n` +
      `  - prefix: WEBB\n    addr: 127.0.0.1:${portB}\n` +
      `  - prefix: WEBC\n    addr: 127.0.0.1:${portC}\n`,
  );
  const web = await startWeb(["-w", "1", "--config", file]);
  let events: Events | undefined;
  try {
    assert.match(web.stderr.text, /\(read-only\)/);
    const page = await fetch(web.url);
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
    assert.match(page.headers.get("content-security-policy") ?? "", /default-src 'self'/);
    assert.match(await page.text(), /<script src="fleet.js"/);
    for (const asset of ["fleet.js", "fleet.css"]) {
      const r = await fetch(web.url + asset);
      assert.equal(r.status, 200, asset);
      await r.body?.cancel();
    }

    const response = await fetch(web.url + "events");
    assert.match(response.headers.get("content-type") ?? "", /^text\/event-stream/);
    events = new Events(response.body!);
    const first = await waitFor("the fleet event", () => events!.events[0]);
    assert.equal(first.event, "fleet");
    const snapshot = first.data as { control: boolean; hosts: HostJson[] };
    assert.equal(snapshot.control, false);
    assert.deepEqual(snapshot.hosts.map((h) => h.prefix), ["WEBA", "WEBB", "WEBC"]);

    // Changes follow as "hosts" events carrying only the hosts that changed, by index.
    const latest = (index: number) => {
      let host = snapshot.hosts[index];
      for (const e of events!.events) {
        const changed = e.data as Record<string, HostJson>;
        if (e.event === "hosts" && changed[index]) host = changed[index];
      }
      return host;
    };
    await waitFor(
      "both hosts' IOCs",
      () => statuses(latest(0)) === "a1=RUNNING a2=RUNNING" && statuses(latest(1)) === "b1=RUNNING",
    );
    await waitFor("WEBC not answering", () => latest(2)?.state === "not answering");
    hosts[1]!.iocPvs.get("b1")!.status.post(6); // FATAL
    await waitFor("b1 FATAL in an event", () => statuses(latest(1)) === "b1=FATAL");
    const last = events.events.at(-1)!;
    assert.equal(last.event, "hosts");
    assert.deepEqual(Object.keys(last.data as object), ["1"]);

    // A second browser gets the fleet as it is now.
    const again = await fetch(web.url + "events");
    const second = new Events(again.body!);
    const now = await waitFor("the second fleet event", () => second.events[0]);
    await second.close();
    assert.equal(statuses((now.data as { hosts: HostJson[] }).hosts[1]), "b1=FATAL");

    const log = await fetch(`${web.url}api/log?host=WEBA&ioc=nope`);
    assert.equal(log.status, 404);
    await log.body?.cancel();

    const control = await fetch(web.url + "api/control", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ host: "WEBA", ioc: "a1", action: "stop" }),
    });
    assert.equal(control.status, 403);
    assert.match((await control.json()).error, /--allow-control/);

    // A DNS name rebound to 127.0.0.1 carries its own name in Host: refused.
    const port = new URL(web.url).port;
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: Number(port) });
    await conn.write(
      new TextEncoder().encode(`GET / HTTP/1.1\r\nHost: evil.example:${port}\r\n\r\n`),
    );
    const buf = new Uint8Array(256);
    const n = await conn.read(buf);
    conn.close();
    assert.match(new TextDecoder().decode(buf.subarray(0, n ?? 0)), /^HTTP\/1\.1 421 /);
  } finally {
    await events?.close();
    const code = await web.stop();
    for (const h of hosts) await h.server.close();
    await Deno.remove(dir, { recursive: true });
    assert.equal(code, 0, web.stderr.text);
  }
});

Deno.test("fleet --web --allow-control asks for the password kept in --password-file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "iocsup-fleetweb-" });
  const port = await freeCaPort();
  const host = await fakeHost(port, "AUTH", ["x1"]);
  const file = join(dir, "fleet.yaml");
  await Deno.writeTextFile(file, `hosts:\n  - prefix: AUTH\n    addr: 127.0.0.1:${port}\n`);
  const passwordFile = join(dir, "web.password");
  const web = await startWeb([
    "--allow-control",
    "--password-file",
    passwordFile,
    "--config",
    file,
  ]);
  try {
    // Missing, so generated there for the owner only, as the supervisord web UI's is.
    assert.match(web.stderr.text, /generated a password in .*web\.password \(mode 0600\)/);
    assert.match(web.stderr.text, /Stop\/Run\/Reset allowed; user iocsup, password in /);
    assert.equal((await Deno.stat(passwordFile)).mode! & 0o777, 0o600);
    const password = (await Deno.readTextFile(passwordFile)).trim();
    assert.match(password, /^[0-9a-f]{24}$/);
    assert.doesNotMatch(web.stderr.text, new RegExp(password));

    const basic = (user: string, pass: string) => `Basic ${btoa(`${user}:${pass}`)}`;
    for (const path of ["", "events", "fleet.js", "api/log?host=AUTH&ioc=x1"]) {
      const none = await fetch(web.url + path);
      assert.equal(none.status, 401, path);
      assert.match(none.headers.get("www-authenticate") ?? "", /^Basic realm="iocsup fleet"/);
      await none.body?.cancel();
    }
    const wrong = await fetch(web.url, { headers: { authorization: basic("iocsup", "guess") } });
    assert.equal(wrong.status, 401);
    await wrong.body?.cancel();
    const otherUser = await fetch(web.url, { headers: { authorization: basic("root", password) } });
    assert.equal(otherUser.status, 401);
    await otherUser.body?.cancel();
    const auth = { authorization: basic("iocsup", password) };
    const ok = await fetch(web.url, { headers: auth });
    assert.equal(ok.status, 200);
    await ok.body?.cancel();

    const events = new Events((await fetch(web.url + "events", { headers: auth })).body!);
    const first = await waitFor("the fleet event", () => events.events[0]);
    await events.close();
    assert.equal((first.data as { control: boolean }).control, true);

    // Another site's page cannot drive the buttons with the browser's cached login.
    const body = JSON.stringify({ host: "AUTH", ioc: "x1", action: "stop" });
    const crossSite = await fetch(web.url + "api/control", {
      method: "POST",
      headers: { ...auth, "content-type": "application/json", origin: "http://evil.example" },
      body,
    });
    assert.equal(crossSite.status, 403);
    await crossSite.body?.cancel();
    const form = await fetch(web.url + "api/control", {
      method: "POST",
      headers: { ...auth, "content-type": "application/x-www-form-urlencoded" },
      body,
    });
    assert.equal(form.status, 403);
    await form.body?.cancel();
    const unknown = await fetch(web.url + "api/control", {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ host: "AUTH", ioc: "nope", action: "stop" }),
    });
    assert.equal(unknown.status, 404);
    await unknown.body?.cancel();
  } finally {
    const code = await web.stop();
    await host.server.close();
    await Deno.remove(dir, { recursive: true });
    assert.equal(code, 0, web.stderr.text);
  }
});

Deno.test("fleet --web refuses unsafe or malformed options with exit code 2, a taken address with 1", async () => {
  const dir = await Deno.makeTempDir({ prefix: "iocsup-fleetweb-" });
  const file = join(dir, "fleet.yaml");
  await Deno.writeTextFile(file, "hosts:\n  - prefix: NONE\n    addr: 127.0.0.1:9\n");
  const taken = Deno.listen({ hostname: "127.0.0.1", port: freeTcpPort() });
  try {
    const cases: [string[], RegExp][] = [
      [["--web", "--listen", "0.0.0.0:8080"], /without a password: pass --password-file/],
      [["--web", "--allow-control"], /--allow-control needs --password-file/],
      [["--web", "--listen", "8080"], /Cannot use --listen "8080": expected host:port/],
      [["--web", "--listen", "127.0.0.1:70000"], /Cannot use --listen "127\.0\.0\.1:70000"/],
      [["--listen", "127.0.0.1:0"], /--listen needs --web/],
      [["--web", "--json"], /--web and --json cannot be combined/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(["fleet", ...args, "--config", file]);
      assert.equal(r.code, 2, args.join(" "));
      assert.match(r.stderr, message);
    }
    const address = `127.0.0.1:${(taken.addr as Deno.NetAddr).port}`;
    const busy = await runCli(["fleet", "--web", "--listen", address, "--config", file]);
    assert.equal(busy.code, 1);
    assert.match(
      busy.stderr,
      new RegExp(`Cannot serve the fleet web view on "${address}": the address is in use`),
    );
  } finally {
    taken.close();
    await Deno.remove(dir, { recursive: true });
  }
});

function iocs(...names: string[]): string {
  return names.map((name) =>
    `${name}:\n  autostart: true\n  command: ${iocScript("ioc.sh")} ${name} {dir}\n`
  ).join("");
}

async function iocState(p: TempProject, name: string): Promise<string | undefined> {
  const r = await runCli(["status", "--json", "--config", p.settings]);
  const doc = JSON.parse(r.stdout) as { iocs: { name: string; state: string }[] };
  return doc.iocs.find((i) => i.name === name)?.state;
}

const HAVE_CHROMIUM = chromiumPath() !== undefined;

Deno.test({
  // deno test cannot print why a test is ignored, so the name says it.
  name: "fleet --web page in Chromium: both hosts live, a state change without reload, Stop" +
    (HAVE_CHROMIUM ? "" : " (skipped: chromium not on PATH)"),
  ignore: !HAVE_CHROMIUM,
  async fn() {
    const a = await tempProject(iocs("motors", "vacuum", "cryo"), { prefix: "LAB:HOSTA" });
    // LAB:HOSTB lets no one of ours write: its access rules must decide for the page too.
    const b = await tempProject(iocs("camera", "timing"), {
      prefix: "LAB:HOSTB",
      generalExtra: "  web: false\n  access:\n    write_users: [nobody-fleet-test]",
    });
    const c = await tempProject(iocs("motors", "gauges"), { prefix: "LAB:HOSTC" });
    const projects: TempProject[] = [a, b, c];
    const file = join(a.dir, "fleet.yaml");
    await Deno.writeTextFile(
      file,
      "hosts:\n" + projects.map((p, i) =>
        `  - prefix: LAB:HOST${"ABC"[i]}\n    addr: 127.0.0.1:${p.caPort}\n`
      ).join("") + `  - prefix: LAB:HOSTD\n    addr: 127.0.0.1:${await freeCaPort()}\n`,
    );
    const passwordFile = join(a.dir, "web.password");
    const password = "fleet-page-test";
    await Deno.writeTextFile(passwordFile, `${password}\n`, { mode: 0o600 });
    let web: Web | undefined;
    let browser: Chromium | undefined;
    try {
      for (const p of projects) {
        const started = await runCli(["start-daemon", "--config", p.settings]);
        assert.equal(started.code, 0, started.stderr);
      }
      web = await startWeb([
        "-w",
        "2",
        "--allow-control",
        "--password-file",
        passwordFile,
        "--config",
        file,
      ]);
      browser = await Chromium.launch({
        width: 1000,
        height: 540,
        headers: { authorization: `Basic ${btoa(`iocsup:${password}`)}` },
      });
      await browser.navigate(web.url);
      const page = browser;
      const rowState = (key: string) =>
        page.evaluate<string | null>(
          `document.querySelector('tr[data-key="${key}"]')?.dataset.state ?? null`,
        );
      await page.waitFor(
        "every IOC of the answering hosts RUNNING",
        `[...document.querySelectorAll("tr.ioc[data-key]")].map((r) => r.dataset.key + "=" +
          r.dataset.state).join(" ") === "LAB:HOSTA/motors=RUNNING LAB:HOSTA/vacuum=RUNNING ` +
          `LAB:HOSTA/cryo=RUNNING LAB:HOSTB/camera=RUNNING LAB:HOSTB/timing=RUNNING ` +
          `LAB:HOSTC/motors=RUNNING LAB:HOSTC/gauges=RUNNING"`,
        30_000,
      );
      await page.waitFor(
        "LAB:HOSTD not answering",
        `document.querySelector('section[data-host="LAB:HOSTD"] .state')?.textContent === ` +
          `"not answering"`,
      );
      assert.ok(await page.evaluate(`document.querySelectorAll("td.actions button").length > 0`));

      // A change made elsewhere reaches the open page; the marker shows it was not reloaded.
      await page.evaluate("window.notReloaded = true");
      const stopped = await runCli(["control", "cryo", "stop", "--wait", "--config", a.settings]);
      assert.equal(stopped.code, 0, stopped.stderr);
      await page.waitFor(
        "cryo STOPPED on the page",
        `document.querySelector('tr[data-key="LAB:HOSTA/cryo"]')?.dataset.state === "STOPPED"`,
      );
      assert.equal(await page.evaluate("window.notReloaded"), true);

      // The last output lines of the clicked IOC.
      await page.click('tr[data-key="LAB:HOSTC/gauges"] td.name');
      await page.waitFor("gauges' output", `/gauges line \\d+/.test($("log-text").textContent)`);

      // Same IOC name on two hosts: the button stops HOSTC's motors only.
      await page.click('tr[data-key="LAB:HOSTC/motors"] button[data-action="Stop"]');
      await page.waitFor("Stop done", `$("notice").textContent === "LAB:HOSTC/motors: Stop done"`);
      assert.deepEqual(page.dialogs, ["Stop motors on LAB:HOSTC?"]);
      assert.equal(await iocState(c, "motors"), "STOPPED");
      assert.equal(await iocState(a, "motors"), "RUNNING");
      await page.waitFor(
        "HOSTC motors STOPPED on the page",
        `document.querySelector('tr[data-key="LAB:HOSTC/motors"]')?.dataset.state === "STOPPED"`,
      );
      assert.equal(await rowState("LAB:HOSTA/motors"), "RUNNING");

      // HOSTB's access rules refuse the write; the page says so and nothing stops.
      await page.click('tr[data-key="LAB:HOSTB/timing"] button[data-action="Stop"]');
      await page.waitFor(
        "the refusal",
        `$("notice").classList.contains("error") &&
          /LAB:HOSTB\\/timing: Stop refused: .*ECA_NOWTACCESS/.test($("notice").textContent)`,
      );
      assert.equal(await iocState(b, "timing"), "RUNNING");
      assert.match(web.stderr.text, /LAB:HOSTB\/timing Stop failed .*ECA_NOWTACCESS/);

      // Filters hide rows, nothing else.
      const visible = () =>
        page.evaluate<string>(
          `[...document.querySelectorAll("tr.ioc")].filter((r) => r.offsetParent !== null)
            .map((r) => r.dataset.key ?? r.closest("section").dataset.host).join(" ")`,
        );
      const filter = (id: string, value: string) =>
        page.evaluate(`$("${id}").value = ${JSON.stringify(value)};
          $("${id}").dispatchEvent(new Event("input"))`);
      await filter("f-state", "!RUNNING");
      assert.equal(await visible(), "LAB:HOSTA/cryo LAB:HOSTC/motors LAB:HOSTD");
      await filter("f-host", "hostc");
      assert.equal(await visible(), "LAB:HOSTC/motors");
      await filter("f-state", "");
      await filter("f-ioc", "GAU");
      assert.equal(await visible(), "LAB:HOSTC/gauges");
      await filter("f-host", "");
      await filter("f-ioc", "");
      assert.equal((await visible()).split(" ").length, 8);

      const shot = Deno.env.get("IOCSUP_SCREENSHOT");
      if (shot) {
        await page.click("h1"); // the pointer off the buttons: no hover outline in the picture
        await page.evaluate(`window.scrollTo(0, 0)`);
        await Deno.writeFile(shot, await page.screenshot());
      }
      assert.ok((await page.screenshot()).length > 1000);
    } finally {
      await browser?.close();
      const exit = web === undefined ? -1 : await web.stop();
      for (const p of projects) {
        await runCli(["stop", "--config", p.settings]);
        await p.cleanup();
      }
      if (web) {
        assert.equal(exit, 0, web.stderr.text);
      }
    }
  },
});
