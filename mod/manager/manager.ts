/**
 * The manager: the PV model bound to supervisord. Builds every IOC's PVs from settings and
 * `getAllProcessInfo`, follows PROCESS_STATE events (low latency) and a periodic full poll
 * (correctness), and turns control writes into XML-RPC calls, one at a time per IOC.
 *
 * It holds no process state it cannot rebuild from supervisord, so a restarted manager adopts
 * what it finds and never starts or stops an IOC by itself.
 *
 * @module
 */
import type { IocSettings, Settings } from "../config/types.ts";
import type { CaServer, Pv } from "../ca/mod.ts";
import { getLogger } from "../log.ts";
import type { ProcessStateEvent } from "../supervisor/event_listener.ts";
import type { ProcessInfo, SupervisorClient } from "../supervisor/xmlrpc_client.ts";
import { SupervisorFault } from "../supervisor/xmlrpc_client.ts";
import { ControlQueue } from "./control_queue.ts";
import { type PvBinding, pvOptionsFor } from "./pv_options.ts";
import { loadRestarts, saveRestarts } from "./restart_store.ts";
import { LogWaker } from "./log_waker.ts";
import {
  controlFromState,
  controlSeverity,
  heartbeatSeconds,
  type HeartbeatView,
  type IocView,
  STATE_ALARM,
  statusOf,
  uptimeOf,
} from "./ioc_view.ts";
import { Control, iocPvSpecs, managerPvSpecs } from "./pv_specs.ts";

const log = getLogger("manager");

/** Where the manager reads heartbeat PVs from (the CA client). */
export interface HeartbeatSource {
  /** Start watching a PV. */
  watch(pvName: string): void;
  /** Stop watching a PV. */
  unwatch(pvName: string): void;
  /** What is known about a watched PV. */
  view(pvName: string): HeartbeatView;
}

/** Options for {@linkcode Manager}. */
export interface ManagerOptions {
  /** Loaded settings. */
  settings: Settings;
  /** supervisord. */
  client: SupervisorClient;
  /** The CA server to publish on. */
  server: CaServer;
  /** iocsup version for `MAN:version`. */
  version: string;
  /** Heartbeat PVs, when any IOC has one. */
  heartbeats?: HeartbeatSource;
  /** Clock in ms. @default Date.now */
  now?: () => number;
  /** Full poll period, ms. @default 5000 */
  reconcileMs?: number;
  /** supervisord.log: its writes wake supervisord so reaped processes' events come at once. */
  supervisordLog?: string;
  /** Persist restart counts here, keyed by supervisord's pid, so a restarted manager keeps them. */
  stateFile?: string;
}

interface IocEntry {
  settings: IocSettings;
  view: IocView;
  pvs: Record<string, Pv>;
  /** Control value asked for while actions are queued. */
  intent: number | undefined;
}

function isFault(error: unknown, ...names: string[]): boolean {
  return error instanceof SupervisorFault && names.includes(error.faultName);
}

/** Binds settings + supervisord state to CA PVs. */
export class Manager {
  #settings: Settings;
  #client: SupervisorClient;
  #server: CaServer;
  #heartbeats: HeartbeatSource | undefined;
  #now: () => number;
  #reconcileMs: number;
  #stateFile: string | undefined;
  #version: string;
  #iocs = new Map<string, IocEntry>();
  #own: Record<string, Pv> = {};
  #queue = new ControlQueue();
  #allIntent: number | undefined;
  #timers: ReturnType<typeof setInterval>[] = [];
  #supervisordPid = 0;
  #beat = 0;
  #waker: LogWaker | undefined;
  #supervisordLog: string | undefined;
  #closed = false;

  /** @param options Settings, supervisord client, CA server. */
  constructor(options: ManagerOptions) {
    this.#settings = options.settings;
    this.#client = options.client;
    this.#server = options.server;
    this.#heartbeats = options.heartbeats;
    this.#now = options.now ?? Date.now;
    this.#reconcileMs = options.reconcileMs ?? 5000;
    this.#stateFile = options.stateFile;
    this.#version = options.version;
    this.#supervisordLog = options.supervisordLog;
  }

  /** Adopt supervisord's current state, create every PV and start the timers. */
  async start(): Promise<void> {
    this.#supervisordPid = await this.#client.getPID();
    const restarts = this.#stateFile
      ? await loadRestarts(this.#stateFile, this.#supervisordPid)
      : {};
    const infos = new Map((await this.#client.getAllProcessInfo()).map((i) => [i.name, i]));
    this.#createOwnPvs();
    for (const ioc of this.#settings.iocs) {
      this.#addIoc(ioc, infos.get(ioc.name), restarts[ioc.name] ?? 0);
    }
    this.#postSummary();
    const delayMs = Math.max(50, this.#settings.general.delay * 1000);
    this.#timers.push(setInterval(() => this.#refreshTimes(), delayMs));
    this.#timers.push(setInterval(() => this.#heartbeat(), 1000));
    if (this.#supervisordLog) {
      this.#waker = new LogWaker(this.#supervisordLog, () => this.#client.getState());
    }
    this.#timers.push(setInterval(() => {
      this.reconcile().catch((error) => log.warn(`Cannot poll supervisord: ${error}`));
    }, this.#reconcileMs));
    log.info(
      `serving ${
        managerPvSpecs(this.#settings).length
      } PVs for ${this.#settings.iocs.length} IOCs ` +
        `under ${this.#settings.general.prefix}:MAN:`,
    );
  }

  /** Stop timers and wait for queued control actions. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const timer of this.#timers) clearInterval(timer);
    this.#waker?.close();
    this.#timers = [];
    await this.#queue.drain();
  }

  /** The settings in force. */
  get settings(): Settings {
    return this.#settings;
  }

  /**
   * Apply a PROCESS_STATE event at once, then fetch the details the event lacks.
   *
   * @param event The event.
   */
  async handleEvent(event: ProcessStateEvent): Promise<void> {
    const entry = this.#iocs.get(event.processName);
    if (entry === undefined) return;
    const view = entry.view;
    view.state = event.toState;
    if (event.pid !== undefined) view.pid = event.toState === "RUNNING" ? event.pid : 0;
    if (event.toState !== "RUNNING" && event.toState !== "STARTING") view.pid = 0;
    if (event.toState === "RUNNING") view.start = Math.floor(this.#now() / 1000);
    if (event.toState === "EXITED") {
      view.expectedExit = event.expected ?? false;
      if (!view.expectedExit) {
        view.restarts++;
        this.#persistRestarts();
      }
    }
    this.#publish(entry);
    this.#postSummary();
    try {
      this.#applyInfo(entry, await this.#client.getProcessInfo(event.processName));
    } catch (error) {
      log.warn(`Cannot read "${event.processName}" after ${event.toState}: ${error}`);
    }
  }

  /** Re-read every process from supervisord and publish what changed. */
  async reconcile(): Promise<void> {
    if (this.#closed) return;
    const pid = await this.#client.getPID();
    if (pid !== this.#supervisordPid) {
      // A new supervisord: counts of unexpected exits start again.
      this.#supervisordPid = pid;
      for (const entry of this.#iocs.values()) entry.view.restarts = 0;
      this.#persistRestarts();
    }
    const infos = new Map((await this.#client.getAllProcessInfo()).map((i) => [i.name, i]));
    for (const [name, entry] of this.#iocs) {
      const info = infos.get(name);
      if (info) this.#applyInfo(entry, info);
    }
  }

  /**
   * Replace the settings: add PVs of new IOCs, remove PVs of removed ones, update changed ones.
   *
   * @param settings The new settings.
   */
  async applySettings(settings: Settings): Promise<void> {
    const old = this.#settings;
    this.#settings = settings;
    const infos = new Map((await this.#client.getAllProcessInfo()).map((i) => [i.name, i]));
    const wanted = new Set(settings.iocs.map((ioc) => ioc.name));
    for (const name of [...this.#iocs.keys()]) {
      if (!wanted.has(name)) this.#removeIoc(name);
    }
    for (const ioc of settings.iocs) {
      const entry = this.#iocs.get(ioc.name);
      if (entry === undefined) {
        this.#addIoc(ioc, infos.get(ioc.name), 0);
        continue;
      }
      if (entry.settings.heartbeatPv !== ioc.heartbeatPv) {
        if (entry.settings.heartbeatPv) this.#heartbeats?.unwatch(entry.settings.heartbeatPv);
        if (ioc.heartbeatPv) this.#heartbeats?.watch(ioc.heartbeatPv);
      }
      entry.settings = ioc;
      entry.pvs.desc?.post(ioc.description);
      const specs = iocPvSpecs(settings.general.prefix, ioc.name, { description: ioc.description });
      for (const spec of specs) {
        entry.pvs[spec.field]?.setMetadata({ description: spec.description });
      }
      const info = infos.get(ioc.name);
      if (info) this.#applyInfo(entry, info);
    }
    if (old.general.prefix !== settings.general.prefix) {
      log.warn("general.prefix changed: restart the manager to serve the new names");
    }
    this.#postSummary();
    // Connected clients get new access rights if general.access changed.
    this.#server.refreshAccess();
    log.info(`settings reloaded: ${settings.iocs.length} IOCs`);
  }

  /**
   * Queue a control action for one IOC (what a `_control` write does).
   *
   * @param name IOC name.
   * @param value 0 Stop, 1 Run, 2 Reset.
   * @returns Resolves when the action has run.
   */
  control(name: string, value: number): Promise<void> {
    const entry = this.#iocs.get(name);
    if (entry === undefined) return Promise.reject(new RangeError(`Unknown IOC "${name}"`));
    entry.intent = value;
    this.#publishControl(entry);
    return this.#queue.run(name, () => this.#act(name, value)).finally(() => {
      if (this.#queue.pending(name) === 0) {
        entry.intent = undefined;
        this.#publishControl(entry);
        this.#postSummary();
      }
    });
  }

  async #act(name: string, value: number): Promise<void> {
    log.info(`${name}: ${["stop", "start", "restart"][value]} requested over CA`);
    try {
      if (value === Control.Stop || value === Control.Reset) {
        try {
          await this.#client.stopProcess(name, true);
        } catch (error) {
          if (!isFault(error, "NOT_RUNNING")) throw error;
        }
      }
      if (value === Control.Run || value === Control.Reset) {
        try {
          await this.#client.startProcess(name, true);
        } catch (error) {
          if (!isFault(error, "ALREADY_STARTED")) throw error;
        }
      }
    } catch (error) {
      log.error(`${name}: ${["stop", "start", "restart"][value]} failed: ${error}`);
    }
    const entry = this.#iocs.get(name);
    if (entry) {
      try {
        this.#applyInfo(entry, await this.#client.getProcessInfo(name));
      } catch (error) {
        log.warn(`Cannot read "${name}": ${error}`);
      }
    }
  }

  #createOwnPvs(): void {
    const specs = managerPvSpecs(this.#settings).filter((s) => s.ioc === undefined);
    for (const spec of specs) {
      const initial = spec.field === "version" ? this.#version : 0;
      this.#own[spec.field] = this.#server.addPv(pvOptionsFor(
        spec,
        initial,
        this.#bind((value) => {
          this.#allIntent = value;
          const targets = this.#settings.iocs.filter((ioc) => ioc.autostart);
          log.info(`all: ${["stop", "start", "restart"][value]} of ${targets.length} IOCs`);
          const done = targets.map((ioc) => this.control(ioc.name, value));
          Promise.allSettled(done).then(() => {
            this.#allIntent = undefined;
            this.#postSummary();
          });
          return value;
        }),
      ));
    }
  }

  /** Control handler plus the access rules in force (read at each check, so reload applies). */
  #bind(onControl: (value: number) => number): PvBinding {
    return { onControl, access: () => this.#settings.general.access };
  }

  #addIoc(ioc: IocSettings, info: ProcessInfo | undefined, restarts: number): void {
    const entry: IocEntry = {
      settings: ioc,
      view: {
        state: info?.statename ?? "UNKNOWN",
        pid: info?.pid ?? 0,
        start: info?.start ?? 0,
        exitstatus: info?.exitstatus ?? 0,
        expectedExit: true,
        restarts,
      },
      pvs: {},
      intent: undefined,
    };
    const specs = iocPvSpecs(this.#settings.general.prefix, ioc.name, {
      description: ioc.description,
    });
    for (const spec of specs) {
      const initial = spec.field === "desc" ? ioc.description : 0;
      entry.pvs[spec.field] = this.#server.addPv(pvOptionsFor(
        spec,
        initial,
        this.#bind((value) => {
          this.control(ioc.name, value).catch((error) => log.error(`${ioc.name}: ${error}`));
          return value;
        }),
      ));
    }
    if (ioc.heartbeatPv) this.#heartbeats?.watch(ioc.heartbeatPv);
    this.#iocs.set(ioc.name, entry);
    this.#publish(entry);
  }

  #removeIoc(name: string): void {
    const entry = this.#iocs.get(name);
    if (entry === undefined) return;
    for (const spec of iocPvSpecs(this.#settings.general.prefix, name)) {
      this.#server.removePv(spec.name);
    }
    // The old prefix may differ from the new one; remove by the PVs' own names too.
    for (const pv of Object.values(entry.pvs)) this.#server.removePv(pv.name);
    if (entry.settings.heartbeatPv) this.#heartbeats?.unwatch(entry.settings.heartbeatPv);
    this.#iocs.delete(name);
  }

  #applyInfo(entry: IocEntry, info: ProcessInfo): void {
    const view = entry.view;
    if (info.statename === "EXITED" && view.state !== "EXITED") {
      // An exit seen only by polling (event lost): supervisord's description says nothing of
      // expectedness, so keep the severity of an expected exit unless the event said otherwise.
      view.expectedExit = true;
    }
    view.state = info.statename;
    view.pid = info.pid;
    view.start = info.start;
    view.exitstatus = info.exitstatus;
    this.#publish(entry);
    this.#postSummary();
  }

  #publish(entry: IocEntry): void {
    const { view, pvs } = entry;
    const status = statusOf(view);
    postIfChanged(pvs.status, status.index, status.severity);
    postIfChanged(pvs.pid, view.pid);
    postIfChanged(pvs.exitcode, view.exitstatus);
    postIfChanged(pvs.restarts, view.restarts);
    this.#publishControl(entry);
    this.#refreshEntryTimes(entry);
  }

  #publishControl(entry: IocEntry): void {
    const value = entry.intent ?? controlFromState(entry.view.state);
    postIfChanged(entry.pvs.control, value, controlSeverity(value));
  }

  #refreshEntryTimes(entry: IocEntry): void {
    const nowMs = this.#now();
    postIfChanged(entry.pvs.uptime, uptimeOf(entry.view, nowMs / 1000));
    const hbPv = entry.settings.heartbeatPv;
    const hb = heartbeatSeconds(
      entry.view,
      hbPv && this.#heartbeats ? this.#heartbeats.view(hbPv) : undefined,
      nowMs,
    );
    postIfChanged(entry.pvs.hb, hb);
  }

  #refreshTimes(): void {
    for (const entry of this.#iocs.values()) this.#refreshEntryTimes(entry);
  }

  #heartbeat(): void {
    this.#beat++;
    this.#own.heartbeat?.post(this.#beat);
  }

  #postSummary(): void {
    let running = 0;
    let allRun = true;
    for (const entry of this.#iocs.values()) {
      if (entry.view.state === "RUNNING") running++;
      if (entry.settings.autostart && controlFromState(entry.view.state) !== Control.Run) {
        allRun = false;
      }
    }
    postIfChanged(this.#own.running, running);
    postIfChanged(this.#own.total, this.#iocs.size);
    const all = this.#allIntent ?? (allRun ? Control.Run : Control.Stop);
    postIfChanged(this.#own.all, all, controlSeverity(all));
  }

  #persistRestarts(): void {
    if (!this.#stateFile) return;
    const counts = Object.fromEntries(
      [...this.#iocs].map(([name, entry]) => [name, entry.view.restarts]),
    );
    saveRestarts(this.#stateFile, this.#supervisordPid, counts)
      .catch((error) => log.warn(`Cannot save restart counts: ${error}`));
  }
}

function postIfChanged(pv: Pv | undefined, value: number | string, severity?: number): void {
  if (pv === undefined) return;
  if (pv.value === value && (severity === undefined || pv.severity === severity)) return;
  pv.post(value, severity === undefined ? {} : { severity, status: severity ? STATE_ALARM : 0 });
}
