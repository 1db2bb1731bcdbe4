/**
 * The manager: the PV model bound to supervisord. Builds every IOC's PVs from settings and
 * `getAllProcessInfo`, follows PROCESS_STATE events (low latency) and a periodic full poll
 * (correctness), and turns control writes into actions (controller.ts): one at a time per IOC,
 * collapsed to the latest intent, each settling the write's promise when the requested state
 * holds, so a put with callback completes with the action.
 *
 * Process info fetched after an event may arrive after a newer event: each fetch carries a
 * ticket, and a result older than the IOC's last event or last applied fetch is dropped, so a
 * stale state is never published over a newer one.
 *
 * `_exitcode` comes from supervisord.log (last_exits.ts): supervisord forgets an exit status when
 * it respawns the process.
 *
 * It holds no process state it cannot rebuild from supervisord, so a restarted manager adopts
 * what it finds and never starts or stops an IOC by itself.
 *
 * @module
 */
import { join } from "node:path";
import type { IocSettings, Settings } from "../config/types.ts";
import { Pv, type PvOptions, type PvServer } from "../pv/mod.ts";
import { getLogger } from "../log.ts";
import type { ProcessStateEvent } from "../supervisor/event_listener.ts";
import { exitCodeOf } from "../supervisor/exit_line.ts";
import { type ProcessInfo, SupervisorClient } from "../supervisor/xmlrpc_client.ts";
import { Controller } from "./controller.ts";
import { LastExits } from "./last_exits.ts";
import { loadManagerState, ManagerStateSaver } from "./manager_state.ts";
import { type PvBinding, pvOptionsFor } from "./pv_options.ts";
import { LogWaker } from "./log_waker.ts";
import { LineBuffer } from "./log_lines.ts";
import { LogFollower } from "./log_follower.ts";
import { controlFromState, controlSeverity, type HeartbeatView } from "./ioc_view.ts";
import {
  applyEvent,
  applyInfo,
  continuesView,
  countExit,
  type IocEntry,
  postIfChanged,
  publishOutput,
  publishState,
  publishTimes,
} from "./ioc_entry.ts";
import { Control, iocPvSpecs, type ManagerPvSpec, managerPvSpecs } from "./pv_specs.ts";
import { iocPidOf } from "../console/ioc_pid.ts";

const log = getLogger("manager");

/**
 * Period of the one ticker that looks at every IOC log for `_log` / `_lastline`: their PVs
 * change at most this often, however fast an IOC writes.
 */
const LOG_LOOK_MS = 250;

/** A PV's value before there is news: "" for a string, an empty (NUL-only) text for `_log`. */
function emptyValue(spec: ManagerPvSpec): number | string | number[] {
  if (spec.type === "string") return "";
  if (spec.type === "char") return [0];
  return 0;
}

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
  /** The servers to publish every PV on (the CA server; one line more for another protocol). */
  servers: readonly PvServer[];
  /** iocsup version for `MAN:version`. */
  version: string;
  /** Heartbeat PVs, when any IOC has one. */
  heartbeats?: HeartbeatSource;
  /** Clock in ms. @default Date.now */
  now?: () => number;
  /** Full poll period, ms. @default 5000 */
  reconcileMs?: number;
  /**
   * supervisord.log: its writes wake supervisord so reaped processes' events come at once, and
   * its `exited:` / `stopped:` lines give `_exitcode`.
   */
  supervisordLog?: string;
  /** Persist restart counts and last exits here (manager_state.ts), so a restarted manager keeps them. */
  stateFile?: string;
  /** Where `<ioc>.log` files are (resolved `general.log_dir`); without it `_log` stays empty. */
  logDir?: string;
  /** The state directory: console IOCs' pids are found there (mod/console/ioc_pid.ts). */
  stateDir?: string;
}

/** Binds settings + supervisord state to CA PVs. */
export class Manager {
  #settings: Settings;
  #client: SupervisorClient;
  #controller: Controller;
  #servers: readonly PvServer[];
  /** Every PV published, by name: created once here and served by each server. */
  #published = new Map<string, Pv>();
  #heartbeats: HeartbeatSource | undefined;
  #now: () => number;
  #reconcileMs: number;
  #saver: ManagerStateSaver | undefined;
  #version: string;
  #iocs = new Map<string, IocEntry>();
  #own: Record<string, Pv> = {};
  /** The IOC names last posted to `MAN:iocs`. */
  #iocNames: string | undefined;
  /** Orders events and process-info fetches (see the module doc). */
  #ticket = 0;
  #exits = new LastExits();
  #stateFile: string | undefined;
  #savedLogOffset = -1;
  #timers: ReturnType<typeof setInterval>[] = [];
  #supervisordPid = 0;
  #beat = 0;
  #waker: LogWaker | undefined;
  #supervisordLog: string | undefined;
  #logDir: string | undefined;
  #stateDir: string | undefined;
  #closed = false;

  /** @param options Settings, supervisord client, PV servers. */
  constructor(options: ManagerOptions) {
    this.#settings = options.settings;
    this.#client = options.client;
    // Control actions wait as long as the IOC needs, longer than the shared client's timeout.
    this.#controller = new Controller(new SupervisorClient(options.client.socketPath), {
      entry: (name) => this.#iocs.get(name),
      allTargets: () => this.#settings.iocs.filter((ioc) => ioc.autostart).map((ioc) => ioc.name),
      afterAction: async (name, why) => {
        this.#readExits();
        await this.#refresh(name, why);
      },
      intentChanged: () => this.#postSummary(),
    });
    this.#servers = options.servers;
    this.#heartbeats = options.heartbeats;
    this.#now = options.now ?? Date.now;
    this.#reconcileMs = options.reconcileMs ?? 5000;
    this.#stateFile = options.stateFile;
    if (options.stateFile) {
      this.#saver = new ManagerStateSaver(
        options.stateFile,
        (error) => log.warn(`Cannot save the manager state: ${error}`),
      );
    }
    this.#version = options.version;
    this.#supervisordLog = options.supervisordLog;
    this.#logDir = options.logDir;
    this.#stateDir = options.stateDir;
  }

  /** Adopt supervisord's current state, create every PV and start the timers. */
  async start(): Promise<void> {
    this.#supervisordPid = await this.#client.getPID();
    const saved = this.#stateFile ? await loadManagerState(this.#stateFile) : undefined;
    const restarts = saved?.supervisordPid === this.#supervisordPid ? saved.restarts : {};
    this.#exits = new LastExits({
      ...(this.#supervisordLog ? { logPath: this.#supervisordLog } : {}),
      ...(saved ? { saved: saved.lastExits, from: saved.log } : {}),
    });
    this.#exits.update();
    const ticket = ++this.#ticket;
    const infos = new Map((await this.#client.getAllProcessInfo()).map((i) => [i.name, i]));
    this.#createOwnPvs();
    for (const ioc of this.#settings.iocs) {
      this.#addIoc(ioc, infos.get(ioc.name), restarts[ioc.name] ?? 0, ticket);
    }
    this.#postSummary();
    this.#persist();
    const delayMs = Math.max(50, this.#settings.general.delay * 1000);
    this.#timers.push(setInterval(() => this.#refreshTimes(), delayMs));
    this.#timers.push(setInterval(() => this.#heartbeat(), 1000));
    if (this.#logDir && this.#settings.general.logLines > 0) {
      this.#timers.push(setInterval(() => this.#lookAtLogs(), LOG_LOOK_MS));
    }
    if (this.#supervisordLog) {
      this.#waker = new LogWaker(this.#supervisordLog, () => {
        this.#readExits();
        return this.#client.getState();
      });
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

  /** Stop timers and wait for queued control actions and the last save. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const timer of this.#timers) clearInterval(timer);
    this.#waker?.close();
    this.#timers = [];
    await this.#controller.drain();
    this.#exits.close();
    for (const entry of this.#iocs.values()) entry.output?.follower.close();
    await this.#saver?.flush();
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
    entry.eventTicket = ++this.#ticket;
    if (continuesView(entry, event)) {
      if (applyEvent(entry, event, this.#now() / 1000)) this.#persist();
      this.#publish(entry);
      this.#postSummary();
    } else if (countExit(entry, event)) {
      this.#persist();
      this.#publish(entry);
    }
    await this.#refresh(event.processName, `after ${event.toState}`);
  }

  /** Re-read every process from supervisord and publish what changed. */
  async reconcile(): Promise<void> {
    if (this.#closed) return;
    this.#readExits();
    const pid = await this.#client.getPID();
    if (pid !== this.#supervisordPid) {
      // A new supervisord: counts of unexpected exits start again.
      this.#supervisordPid = pid;
      for (const entry of this.#iocs.values()) entry.view.restarts = 0;
      this.#persist();
    } else if (this.#exits.position && this.#exits.position.offset !== this.#savedLogOffset) {
      // Keep the saved log position near, so a restarted manager has little to read again.
      this.#persist();
    }
    const ticket = ++this.#ticket;
    const infos = await this.#client.getAllProcessInfo();
    for (const info of infos) this.#applyIfFresh(info, ticket);
  }

  /**
   * Replace the settings: add PVs of new IOCs, remove PVs of removed ones, update changed ones.
   *
   * @param settings The new settings.
   */
  async applySettings(settings: Settings): Promise<void> {
    const old = this.#settings;
    this.#settings = settings;
    const ticket = ++this.#ticket;
    const infos = new Map((await this.#client.getAllProcessInfo()).map((i) => [i.name, i]));
    const wanted = new Set(settings.iocs.map((ioc) => ioc.name));
    for (const name of [...this.#iocs.keys()]) {
      if (!wanted.has(name)) this.#removeIoc(name);
    }
    for (const ioc of settings.iocs) {
      const entry = this.#iocs.get(ioc.name);
      if (entry === undefined) {
        this.#addIoc(ioc, infos.get(ioc.name), 0, ticket);
        continue;
      }
      if (entry.settings.heartbeatPv !== ioc.heartbeatPv) {
        if (entry.settings.heartbeatPv) this.#heartbeats?.unwatch(entry.settings.heartbeatPv);
        if (ioc.heartbeatPv) this.#heartbeats?.watch(ioc.heartbeatPv);
      }
      entry.settings = ioc;
      entry.pvs.desc?.post(ioc.description);
      const specs = iocPvSpecs(settings.general.prefix, ioc.name, {
        description: ioc.description,
        logLines: this.#settings.general.logLines,
      });
      for (const spec of specs) {
        entry.pvs[spec.field]?.setMetadata({ description: spec.description });
      }
      const info = infos.get(ioc.name);
      if (info) this.#applyIfFresh(info, ticket);
    }
    if (old.general.prefix !== settings.general.prefix) {
      log.warn("general.prefix changed: restart the manager to serve the new names");
    }
    this.#postSummary();
    // Connected clients get new access rights if general.access changed.
    for (const server of this.#servers) server.refreshAccess();
    log.info(`settings reloaded: ${settings.iocs.length} IOCs`);
  }

  /** Fetch one IOC's process info and apply it unless something newer came meanwhile. */
  async #refresh(name: string, why: string): Promise<void> {
    const ticket = ++this.#ticket;
    try {
      this.#applyIfFresh(await this.#client.getProcessInfo(name), ticket);
    } catch (error) {
      log.warn(`Cannot read "${name}" ${why}: ${error}`);
    }
  }

  #applyIfFresh(info: ProcessInfo, ticket: number): void {
    const entry = this.#iocs.get(info.name);
    if (entry === undefined || ticket < entry.eventTicket || ticket < entry.infoTicket) return;
    entry.infoTicket = ticket;
    this.#applyInfo(entry, info);
  }

  #createOwnPvs(): void {
    const specs = managerPvSpecs(this.#settings).filter((s) => s.ioc === undefined);
    for (const spec of specs) {
      const initial = spec.field === "version" ? this.#version : 0;
      this.#own[spec.field] = this.#publishPv(pvOptionsFor(
        spec,
        initial,
        this.#bind((value) =>
          this.#controller.controlAll(value).then(() => this.#own.all?.value as number)
        ),
      ));
    }
  }

  /** Control handler plus the access rules in force (read at each check, so reload applies). */
  #bind(onControl: (value: number) => Promise<number>): PvBinding {
    return { onControl, access: () => this.#settings.general.access };
  }

  #addIoc(
    ioc: IocSettings,
    info: ProcessInfo | undefined,
    restarts: number,
    ticket: number,
  ): void {
    const entry: IocEntry = {
      settings: ioc,
      view: {
        state: info?.statename ?? "UNKNOWN",
        pid: info?.pid ?? 0,
        start: info?.start ?? 0,
        exitstatus: this.#exitCode(ioc.name, info?.exitstatus ?? 0),
        expectedExit: true,
        restarts,
      },
      pvs: {},
      intent: undefined,
      eventTicket: 0,
      infoTicket: ticket,
    };
    const logLines = this.#settings.general.logLines;
    const specs = iocPvSpecs(this.#settings.general.prefix, ioc.name, {
      description: ioc.description,
      logLines,
    });
    for (const spec of specs) {
      const initial = spec.field === "desc" ? ioc.description : emptyValue(spec);
      entry.pvs[spec.field] = this.#publishPv(pvOptionsFor(
        spec,
        initial,
        // Resolves to what `_control` shows once done (the written value may be Reset).
        this.#bind((value) =>
          this.#controller.control(ioc.name, value).then(() => entry.pvs.control?.value as number)
        ),
      ));
    }
    if (ioc.heartbeatPv) this.#heartbeats?.watch(ioc.heartbeatPv);
    if (this.#logDir && logLines > 0) {
      const lines = new LineBuffer(logLines);
      const follower = new LogFollower(join(this.#logDir, `${ioc.name}.log`), lines);
      entry.output = { lines, follower, posted: 0 };
      publishOutput(entry);
    }
    this.#iocs.set(ioc.name, entry);
    this.#publish(entry);
  }

  /** Read what every IOC log gained and post the `_log` / `_lastline` PVs that changed. */
  #lookAtLogs(): void {
    for (const entry of this.#iocs.values()) {
      if (entry.output === undefined) continue;
      entry.output.follower.look();
      publishOutput(entry);
    }
  }

  /** Create a PV and serve it on every server. */
  #publishPv(options: PvOptions): Pv {
    if (this.#published.has(options.name)) {
      throw new TypeError(`Cannot add PV "${options.name}": name already served`);
    }
    const pv = new Pv(options);
    for (const server of this.#servers) server.addPv(pv);
    this.#published.set(pv.name, pv);
    return pv;
  }

  /** Retire a PV from every server (their clients are disconnected from it). */
  #unpublishPv(name: string): void {
    const pv = this.#published.get(name);
    if (pv === undefined) return;
    this.#published.delete(name);
    pv.remove();
  }

  #removeIoc(name: string): void {
    const entry = this.#iocs.get(name);
    if (entry === undefined) return;
    const logLines = this.#settings.general.logLines;
    for (const spec of iocPvSpecs(this.#settings.general.prefix, name, { logLines })) {
      this.#unpublishPv(spec.name);
    }
    // The old prefix may differ from the new one; remove by the PVs' own names too.
    for (const pv of Object.values(entry.pvs)) this.#unpublishPv(pv.name);
    if (entry.settings.heartbeatPv) this.#heartbeats?.unwatch(entry.settings.heartbeatPv);
    entry.output?.follower.close();
    this.#iocs.delete(name);
  }

  #applyInfo(entry: IocEntry, info: ProcessInfo): void {
    applyInfo(entry, info, this.#exitCode(info.name, info.exitstatus));
    this.#publish(entry);
    this.#postSummary();
  }

  #publish(entry: IocEntry): void {
    if (this.#stateDir !== undefined && entry.settings.console === true) {
      // supervisord knows the console wrapper's pid; `_pid` is the IOC's.
      entry.view.pid = iocPidOf(this.#stateDir, entry.settings.name, entry.view.pid);
    }
    publishState(entry);
    this.#refreshEntryTimes(entry);
  }

  #refreshEntryTimes(entry: IocEntry): void {
    const hbPv = entry.settings.heartbeatPv;
    const heartbeat: HeartbeatView | undefined = hbPv && this.#heartbeats
      ? this.#heartbeats.view(hbPv)
      : undefined;
    publishTimes(entry, this.#now(), heartbeat);
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
    const names = [...this.#iocs.keys()].join(" ");
    if (names !== this.#iocNames) {
      this.#iocNames = names;
      // NUL-terminated, as a CHAR waveform holding text is read by `caget -S`.
      this.#own.iocs?.post([...new TextEncoder().encode(names), 0]);
    }
    const all = this.#controller.allIntent ?? (allRun ? Control.Run : Control.Stop);
    postIfChanged(this.#own.all, all, controlSeverity(all));
  }

  /**
   * `_exitcode` of an IOC: its last exit from supervisord.log; supervisord's `exitstatus` only
   * when the log has none (it reads 0 after a respawn and -1 for any signal).
   */
  #exitCode(name: string, fallback: number): number {
    const exit = this.#exits.get(name);
    return exit ? exitCodeOf(exit) : fallback;
  }

  /** Take in the exits supervisord.log gained. */
  #readExits(): void {
    const changed = this.#exits.update();
    if (changed.length === 0) return;
    for (const name of changed) {
      const entry = this.#iocs.get(name);
      if (entry === undefined) continue;
      entry.view.exitstatus = this.#exitCode(name, entry.view.exitstatus);
      postIfChanged(entry.pvs.exitcode, entry.view.exitstatus);
    }
    this.#persist();
  }

  #persist(): void {
    if (!this.#saver) return;
    const restarts = Object.fromEntries(
      [...this.#iocs].map(([name, entry]) => [name, entry.view.restarts]),
    );
    const position = this.#exits.position;
    this.#savedLogOffset = position?.offset ?? -1;
    this.#saver.save({
      supervisordPid: this.#supervisordPid,
      restarts,
      lastExits: this.#exits.forSaving(this.#iocs.keys()),
      log: position,
    });
  }
}
