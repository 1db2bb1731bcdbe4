/**
 * The attach audit trail: every attach, detach and (in `--line` mode) every line sent is one
 * line in the manager's log, in the manager's own format (mod/log.ts), with user, host and IOC.
 * The attaching process appends it itself, with O_APPEND, so it lands whole at the end of the
 * file even while the manager's stderr (written by supervisord, also in append mode) grows.
 *
 * @module
 */
import { formatLogLine } from "../log.ts";

/** How a user is attached: console read-write, console read-only, or line by line. */
export type AttachMode = "rw" | "ro" | "line";

/** Who attached, from where. */
export interface AuditUser {
  /** Login name: the sudo caller's when run through sudo. */
  user: string;
  /** This machine's host name. */
  host: string;
}

/** One audited event. */
export type AuditEvent =
  | { kind: "attach"; mode: AttachMode }
  | { kind: "detach"; mode: AttachMode; reason: string }
  | { kind: "line"; text: string };

/**
 * The user to record: `$SUDO_USER` (the person behind sudo), else `$USER`, `$LOGNAME`, else the
 * numeric uid.
 *
 * @param env Reads an environment variable.
 * @param uid The process's uid (null where unknown).
 * @returns The name.
 * @example Usage
 * ```ts
 * import { auditUserName } from "./audit.ts";
 * auditUserName((name) => ({ SUDO_USER: "alice", USER: "root" })[name], 0); // "alice"
 * ```
 */
export function auditUserName(
  env: (name: string) => string | undefined,
  uid: number | null,
): string {
  for (const name of ["SUDO_USER", "USER", "LOGNAME"]) {
    const value = env(name);
    if (value !== undefined && value !== "") return value;
  }
  return `uid ${uid ?? "unknown"}`;
}

/**
 * The log line for one event. User, host, IOC and typed text are JSON-quoted, so nothing typed
 * can forge a line of its own.
 *
 * @param who User and host.
 * @param ioc IOC name.
 * @param event What happened.
 * @param now Time stamp. @default the current time
 * @returns The line with its newline.
 * @example Usage
 * ```ts
 * import { auditLine } from "./audit.ts";
 * auditLine({ user: "alice", host: "ctl1" }, "pump", { kind: "attach", mode: "rw" }, new Date(0));
 * // '1970-01-01T00:00:00.000Z INFO  attach: user "alice" on host "ctl1" attached to IOC "pump" (mode rw)\n'
 * ```
 */
export function auditLine(
  who: AuditUser,
  ioc: string,
  event: AuditEvent,
  now: Date = new Date(),
): string {
  const subject = `user ${JSON.stringify(who.user)} on host ${JSON.stringify(who.host)}`;
  const target = `IOC ${JSON.stringify(ioc)}`;
  let message: string;
  switch (event.kind) {
    case "attach":
      message = `${subject} attached to ${target} (mode ${event.mode})`;
      break;
    case "detach":
      message = `${subject} detached from ${target} (mode ${event.mode}): ${event.reason}`;
      break;
    case "line":
      message = `${subject} sent a line to ${target}: ${JSON.stringify(event.text)}`;
      break;
    default: {
      const never: never = event;
      throw new Error(`Unknown audit event ${JSON.stringify(never)}`);
    }
  }
  return formatLogLine("info", "attach", message, now);
}

/**
 * Append one line to a log file in a single O_APPEND write (creating the file if the manager has
 * not yet written to it).
 *
 * @param path The manager's log.
 * @param line One line with its newline.
 * @returns Resolves once written.
 * @throws {Deno.errors.PermissionDenied} When this user may not write the log.
 */
export async function appendAuditLine(path: string, line: string): Promise<void> {
  const bytes = new TextEncoder().encode(line);
  const file = await Deno.open(path, { append: true, create: true, mode: 0o644 });
  try {
    // One write call: with O_APPEND the kernel places it at the end as a whole.
    const written = await file.write(bytes);
    if (written !== bytes.length) {
      throw new Error(`Cannot write the audit line to ${path}: only ${written} bytes written`);
    }
  } finally {
    file.close();
  }
}
