/**
 * Install what iocsup's tasks need on a fresh Debian machine: `supervisor`, and for the tests
 * `python3-pyepics`, `systemd` (systemd-analyze), `procserv` (console IOCs) and `chromium` (the
 * fleet web page in a real browser). Installs with apt when running as root,
 * otherwise stops with the exact command to run.
 *
 * Usage: deno run -A tools/ensure_deps.ts supervisor [pyepics] [systemd] [procserv] [chromium]
 *
 * @module
 */
// deno-lint-ignore-file no-console

const CHECKS: Record<string, { pkg: string; present: () => Promise<boolean> }> = {
  supervisor: { pkg: "supervisor", present: () => onPath("supervisord") },
  pyepics: {
    pkg: "python3-pyepics",
    present: () => succeeds("/usr/bin/python3", ["-c", "import epics.ca"]),
  },
  systemd: { pkg: "systemd", present: () => onPath("systemd-analyze") },
  procserv: { pkg: "procserv", present: () => onPath("procServ") },
  chromium: { pkg: "chromium", present: () => onPath("chromium") },
};

async function succeeds(cmd: string, args: string[]): Promise<boolean> {
  try {
    const out = await new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).output();
    return out.success;
  } catch {
    return false;
  }
}

function onPath(name: string): Promise<boolean> {
  return succeeds("sh", ["-c", `command -v ${name}`]);
}

async function main(wanted: string[]): Promise<number> {
  const missing: string[] = [];
  for (const name of wanted) {
    const check = CHECKS[name];
    if (check === undefined) {
      console.error(`ensure_deps: unknown dependency "${name}"`);
      return 2;
    }
    if (!(await check.present())) missing.push(check.pkg);
  }
  if (missing.length === 0) return 0;
  const command = `apt-get update && apt-get install -y ${missing.join(" ")}`;
  const isRoot = Deno.uid?.() === 0;
  if (!isRoot || !(await onPath("apt-get"))) {
    console.error(`iocsup needs ${missing.join(", ")}. Install with:\n  sudo ${command}`);
    return 1;
  }
  console.error(`Installing ${missing.join(", ")} with apt-get`);
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  const update = await new Deno.Command("apt-get", {
    args: ["update"],
    env,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!update.success) console.error("apt-get update failed; trying the install anyway");
  const install = await new Deno.Command("apt-get", {
    args: ["install", "-y", "--no-install-recommends", ...missing],
    env,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!install.success) {
    console.error(`Installing failed. Run:\n  sudo ${command}`);
    return 1;
  }
  return 0;
}

Deno.exit(await main(Deno.args));
