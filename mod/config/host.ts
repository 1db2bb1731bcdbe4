/**
 * What the settings are checked against on the machine that will run them: the environment
 * supervisord and its programs inherit, this host's addresses, and the filesystem. Passing
 * these in keeps `parseSettings` pure; `hostFacts()` reads the real ones.
 *
 * @module
 */

/** Facts about the host that `parseSettings` checks settings against. */
export interface HostFacts {
  /** The environment supervisord, the manager and the IOCs inherit (EPICS_CA_* variables). */
  env: Readonly<Record<string, string>>;
  /** IPv4 addresses of this host's interfaces, loopback included. */
  localAddresses: readonly string[];
  /**
   * Why a path cannot be a working directory, or undefined when it can.
   *
   * @param path An absolute path.
   * @returns For example "does not exist" or "is not a directory".
   */
  directoryProblem(path: string): string | undefined;
  /**
   * Whether a program can be run: an absolute path that exists, or a name found on PATH.
   *
   * @param program `/bin/bash` or `mawk`, say.
   * @returns True when it is there.
   */
  hasProgram(program: string): boolean;
  /**
   * Whether a group exists (`general.console_group`). Absent: not checked.
   *
   * @param name A group name.
   * @returns True when the system knows the group.
   */
  groupExists?(name: string): boolean;
}

/**
 * The facts of the machine this process runs on.
 *
 * @returns Environment, interface addresses and a filesystem check.
 * @example Usage
 * ```ts
 * import { hostFacts } from "./host.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(hostFacts().directoryProblem("/"), undefined);
 * ```
 */
export function hostFacts(): HostFacts {
  return {
    env: Deno.env.toObject(),
    localAddresses: interfaceAddresses(),
    directoryProblem(path) {
      try {
        return Deno.statSync(path).isDirectory ? undefined : "is not a directory";
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) return "does not exist";
        return `cannot be read: ${error instanceof Error ? error.message : String(error)}`;
      }
    },
    hasProgram(program) {
      const dirs = program.includes("/") ? [""] : (Deno.env.get("PATH") ?? "").split(":");
      return dirs.some((dir) => {
        try {
          return Deno.statSync(dir ? `${dir}/${program}` : program).isFile;
        } catch {
          return false;
        }
      });
    },
    groupExists,
  };
}

/** A group in /etc/group, else one `getent group` finds (LDAP, sssd …). */
function groupExists(name: string): boolean {
  try {
    const lines = Deno.readTextFileSync("/etc/group").split("\n");
    if (lines.some((line) => line.split(":")[0] === name)) return true;
  } catch {
    // No /etc/group: ask getent.
  }
  try {
    return new Deno.Command("getent", { args: ["group", name], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

function interfaceAddresses(): string[] {
  try {
    return Deno.networkInterfaces().filter((i) => i.family === "IPv4").map((i) => i.address);
  } catch {
    // Without --allow-sys only loopback (127.0.0.0/8) is recognised as this host.
    return [];
  }
}
