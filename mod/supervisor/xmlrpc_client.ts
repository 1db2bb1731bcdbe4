/**
 * A thin XML-RPC client for supervisord's unix socket: HTTP/1.0 `POST /RPC2` per call, one
 * connection each, typed wrappers named after supervisord's wire methods. Logs are never read
 * over RPC (supervisord 4.2.5 answers HTTP 500 when a read splits a UTF-8 character); read them
 * from disk.
 *
 * @module
 */
import {
  decodeMethodResponse,
  encodeMethodCall,
  XmlRpcFaultResponse,
  type XmlRpcValue,
} from "./xmlrpc_codec.ts";
import { concat, exchange, parseHttpResponse, SupervisorTimeoutError } from "./_unix_http.ts";
import { type ProcessStateName, stateNameOf, type SupervisorStateName } from "./states.ts";

/** supervisord's fault codes (supervisor `xmlrpc.py` `Faults`). */
export const Faults = {
  UNKNOWN_METHOD: 1,
  INCORRECT_PARAMETERS: 2,
  BAD_ARGUMENTS: 3,
  SIGNATURE_UNSUPPORTED: 4,
  SHUTDOWN_STATE: 6,
  BAD_NAME: 10,
  BAD_SIGNAL: 11,
  NO_FILE: 20,
  NOT_EXECUTABLE: 21,
  FAILED: 30,
  ABNORMAL_TERMINATION: 40,
  SPAWN_ERROR: 50,
  ALREADY_STARTED: 60,
  NOT_RUNNING: 70,
  SUCCESS: 80,
  ALREADY_ADDED: 90,
  STILL_RUNNING: 91,
  CANT_REREAD: 92,
} as const;

/** A fault name from {@linkcode Faults}, or `"UNKNOWN"` for a code not in the table. */
export type FaultName = keyof typeof Faults | "UNKNOWN";

/** A fault answered by supervisord (e.g. BAD_NAME, ALREADY_STARTED). */
export class SupervisorFault extends Error {
  /** Numeric fault code. */
  readonly code: number;
  /** Fault name for the code. */
  readonly faultName: FaultName;
  /** supervisord's fault string, e.g. `"BAD_NAME: foo"`. */
  readonly faultString: string;
  /**
   * @param method The XML-RPC method that failed.
   * @param code supervisord's fault code.
   * @param faultString supervisord's fault string.
   */
  constructor(method: string, code: number, faultString: string) {
    super(`Cannot call ${method}: ${faultString}`);
    this.name = "SupervisorFault";
    this.code = code;
    this.faultString = faultString;
    this.faultName = faultNameOf(code);
  }
}

/** Options of one call. */
export interface CallOptions {
  /** Override the client's `timeoutMs` for this call (a call that waits for a process). */
  timeoutMs?: number;
}

/** One process as `getProcessInfo`/`getAllProcessInfo` describe it. */
export interface ProcessInfo {
  /** Process name (the IOC name). */
  name: string;
  /** Group name (equal to `name` for iocsup's programs). */
  group: string;
  /** State name. */
  statename: ProcessStateName;
  /** Numeric state code. */
  state: number;
  /** Process id, 0 when not running. */
  pid: number;
  /** UNIX time of the last start, 0 if never started. */
  start: number;
  /** UNIX time of the last stop, 0 if never stopped. */
  stop: number;
  /** supervisord's current UNIX time. */
  now: number;
  /** Exit status of the last exit (0 while running). */
  exitstatus: number;
  /** Human description (`pid 123, uptime 0:01:02`, `Exited too quickly …`). */
  description: string;
  /** Spawn error text, empty if none. */
  spawnerr: string;
  /** Alias of `stdout_logfile`. */
  logfile: string;
  /** Path of the stdout log. */
  stdout_logfile: string;
  /** Path of the stderr log. */
  stderr_logfile: string;
}

/** `supervisor.getState()`. */
export interface SupervisorStateInfo {
  /** Numeric supervisord state (1 RUNNING). */
  statecode: number;
  /** supervisord state name. */
  statename: SupervisorStateName;
}

/** One entry of `startAllProcesses`/`stopAllProcesses`. */
export interface ProcessStatusResult {
  /** Process name. */
  name: string;
  /** Group name. */
  group: string;
  /** Fault code for this process (80 SUCCESS). */
  status: number;
  /** Result text. */
  description: string;
}

/** `supervisor.reloadConfig()`: group names that changed in the conf. */
export interface ReloadResult {
  /** Groups new in the conf. */
  added: string[];
  /** Groups whose configuration changed. */
  changed: string[];
  /** Groups no longer in the conf. */
  removed: string[];
}

/** Options for {@linkcode SupervisorClient}. */
export interface SupervisorClientOptions {
  /** Abort a call that takes longer (milliseconds). @default undefined (no limit) */
  timeoutMs?: number;
  /** Largest response accepted, bytes. @default 16 MiB */
  maxResponseBytes?: number;
}

const DEFAULT_MAX_RESPONSE = 16 * 1024 * 1024;
const encoder = new TextEncoder();

export { SupervisorTimeoutError };

/**
 * supervisord's XML-RPC interface over its unix socket.
 *
 * @example Usage
 * ```ts ignore
 * const client = new SupervisorClient(paths.socket);
 * for (const info of await client.getAllProcessInfo()) console.log(info.name, info.statename);
 * ```
 */
export class SupervisorClient {
  #socket: string;
  #timeoutMs: number | undefined;
  #maxResponse: number;

  /**
   * @param socketPath Path of supervisord's unix socket.
   * @param options Timeout and response limit.
   */
  constructor(socketPath: string, options: SupervisorClientOptions = {}) {
    this.#socket = socketPath;
    this.#timeoutMs = options.timeoutMs;
    this.#maxResponse = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE;
  }

  /** The socket path this client talks to. */
  get socketPath(): string {
    return this.#socket;
  }

  /**
   * Call any XML-RPC method.
   *
   * @param method Wire name, e.g. `"supervisor.getState"`.
   * @param params Parameters.
   * @param options Per-call timeout.
   * @returns The decoded result.
   * @throws {NotRunningError} When nothing listens on the socket.
   * @throws {SupervisorTimeoutError} When supervisord does not answer within the timeout.
   * @throws {SupervisorFault} When supervisord answers with a fault.
   */
  async call(
    method: string,
    params: XmlRpcValue[] = [],
    options: CallOptions = {},
  ): Promise<XmlRpcValue> {
    const body = encoder.encode(encodeMethodCall(method, params));
    const head = encoder.encode(
      "POST /RPC2 HTTP/1.0\r\nHost: localhost\r\nContent-Type: text/xml\r\n" +
        `Content-Length: ${body.length}\r\n\r\n`,
    );
    const response = await exchange(this.#socket, concat([head, body]), {
      timeoutMs: options.timeoutMs ?? this.#timeoutMs,
      maxResponseBytes: this.#maxResponse,
    });
    const { status, text } = parseHttpResponse(response, method);
    if (status !== 200) {
      throw new Error(`Cannot call ${method}: supervisord answered HTTP ${status}: ${text.trim()}`);
    }
    try {
      return decodeMethodResponse(text);
    } catch (error) {
      if (error instanceof XmlRpcFaultResponse) {
        throw new SupervisorFault(method, error.faultCode, error.faultString);
      }
      throw new Error(`Cannot decode the answer to ${method}`, { cause: error });
    }
  }

  /** supervisord's own state. @returns `{ statecode, statename }`. */
  async getState(): Promise<SupervisorStateInfo> {
    const s = struct(await this.call("supervisor.getState"), "getState");
    return {
      statecode: num(s.statecode),
      statename: str(s.statename) as SupervisorStateName,
    };
  }

  /** @returns supervisord's pid. */
  async getPID(): Promise<number> {
    return num(await this.call("supervisor.getPID"));
  }

  /** @returns Every process, in supervisord's order. */
  async getAllProcessInfo(): Promise<ProcessInfo[]> {
    const list = await this.call("supervisor.getAllProcessInfo");
    if (!Array.isArray(list)) throw new Error("Cannot decode getAllProcessInfo: not an array");
    return list.map((v) => toProcessInfo(v));
  }

  /**
   * @param name Process name.
   * @returns That process.
   */
  async getProcessInfo(name: string): Promise<ProcessInfo> {
    return toProcessInfo(await this.call("supervisor.getProcessInfo", [name]));
  }

  /**
   * Start a process; ALREADY_STARTED is a {@linkcode SupervisorFault}.
   *
   * @param name Process name.
   * @param wait Return only once it is RUNNING (or failed).
   * @param options Per-call timeout (waiting takes startsecs and any retries).
   * @returns True on success.
   */
  async startProcess(name: string, wait = true, options: CallOptions = {}): Promise<boolean> {
    return (await this.call("supervisor.startProcess", [name, wait], options)) === true;
  }

  /**
   * Stop a process; NOT_RUNNING is a {@linkcode SupervisorFault}.
   *
   * @param name Process name.
   * @param wait Return only once it has stopped.
   * @param options Per-call timeout (waiting takes up to stopwaitsecs).
   * @returns True on success.
   */
  async stopProcess(name: string, wait = true, options: CallOptions = {}): Promise<boolean> {
    return (await this.call("supervisor.stopProcess", [name, wait], options)) === true;
  }

  /**
   * Start every autostart-eligible process that is not running.
   *
   * @param wait Wait for each to be RUNNING.
   * @returns One result per process.
   */
  async startAllProcesses(wait = true): Promise<ProcessStatusResult[]> {
    return statusResults(await this.call("supervisor.startAllProcesses", [wait]));
  }

  /**
   * Stop every process.
   *
   * @param wait Wait for each to stop.
   * @returns One result per process.
   */
  async stopAllProcesses(wait = true): Promise<ProcessStatusResult[]> {
    return statusResults(await this.call("supervisor.stopAllProcesses", [wait]));
  }

  /**
   * Send a signal to a process.
   *
   * @param name Process name.
   * @param signal Signal name (`"HUP"`) or number.
   * @returns True on success.
   */
  async signalProcess(name: string, signal: string | number): Promise<boolean> {
    return (await this.call("supervisor.signalProcess", [name, String(signal)])) === true;
  }

  /**
   * Write to a process's stdin.
   *
   * @param name Process name.
   * @param chars Text to send.
   * @returns True on success.
   */
  async sendProcessStdin(name: string, chars: string): Promise<boolean> {
    return (await this.call("supervisor.sendProcessStdin", [name, chars])) === true;
  }

  /** Re-read the conf (does not apply it). @returns The groups added, changed and removed. */
  async reloadConfig(): Promise<ReloadResult> {
    const outer = await this.call("supervisor.reloadConfig");
    const inner = Array.isArray(outer) ? outer[0] : undefined;
    if (!Array.isArray(inner)) throw new Error("Cannot decode reloadConfig: not [[a, c, r]]");
    const names = (v: XmlRpcValue | undefined) => (Array.isArray(v) ? v.map(str) : []);
    return { added: names(inner[0]), changed: names(inner[1]), removed: names(inner[2]) };
  }

  /**
   * Add a group from the (re-read) conf.
   *
   * @param name Group name.
   * @returns True on success.
   */
  async addProcessGroup(name: string): Promise<boolean> {
    return (await this.call("supervisor.addProcessGroup", [name])) === true;
  }

  /**
   * Remove a stopped group.
   *
   * @param name Group name.
   * @returns True on success.
   */
  async removeProcessGroup(name: string): Promise<boolean> {
    return (await this.call("supervisor.removeProcessGroup", [name])) === true;
  }

  /** Ask supervisord to stop every process and exit. @returns True when accepted. */
  async shutdown(): Promise<boolean> {
    return (await this.call("supervisor.shutdown")) === true;
  }
}

function faultNameOf(code: number): FaultName {
  for (const [name, value] of Object.entries(Faults)) {
    if (value === code) return name as keyof typeof Faults;
  }
  return "UNKNOWN";
}

function struct(value: XmlRpcValue, what: string): { [member: string]: XmlRpcValue } {
  if (
    typeof value !== "object" || value === null || Array.isArray(value) ||
    value instanceof Uint8Array
  ) {
    throw new Error(`Cannot decode ${what}: not a struct`);
  }
  return value;
}

function str(value: XmlRpcValue | undefined): string {
  return typeof value === "string" ? value : "";
}

function num(value: XmlRpcValue | undefined): number {
  return typeof value === "number" ? value : 0;
}

function toProcessInfo(value: XmlRpcValue): ProcessInfo {
  const s = struct(value, "process info");
  const state = num(s.state);
  return {
    name: str(s.name),
    group: str(s.group),
    statename: stateNameOf(state),
    state,
    pid: num(s.pid),
    start: num(s.start),
    stop: num(s.stop),
    now: num(s.now),
    exitstatus: num(s.exitstatus),
    description: str(s.description),
    spawnerr: str(s.spawnerr),
    logfile: str(s.logfile),
    stdout_logfile: str(s.stdout_logfile),
    stderr_logfile: str(s.stderr_logfile),
  };
}

function statusResults(value: XmlRpcValue): ProcessStatusResult[] {
  if (!Array.isArray(value)) throw new Error("Cannot decode process results: not an array");
  return value.map((v) => {
    const s = struct(v, "process result");
    return {
      name: str(s.name),
      group: str(s.group),
      status: num(s.status),
      description: str(s.description),
    };
  });
}
