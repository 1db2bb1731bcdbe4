/**
 * Control writes (`_control`, `all`) turned into actions: the intent shows on `_control` at once,
 * actions run one at a time per IOC and collapse to the latest intent (control_queue.ts), each
 * is carried out until the requested state holds (control_action.ts), and the write's promise
 * settles with the action that carries it out, after the PVs show the outcome.
 *
 * @module
 */
import { getLogger } from "../log.ts";
import type { SupervisorClient } from "../supervisor/xmlrpc_client.ts";
import { performControl } from "./control_action.ts";
import { ControlQueue } from "./control_queue.ts";
import { type IocEntry, publishControl } from "./ioc_entry.ts";

const log = getLogger("manager");
const VERBS = ["stop", "start", "restart"];

/** What the controller needs from the manager. */
export interface ControllerHost {
  /** The IOC of that name, if configured. */
  entry(name: string): IocEntry | undefined;
  /** Names of the IOCs `all` applies to (autostart ones). */
  allTargets(): string[];
  /** After each action, failed or not: bring the PVs up to date before requests settle. */
  afterAction(name: string, why: string): Promise<void>;
  /** An intent changed (`_control` of an IOC was posted, or `all`'s intent): post summaries. */
  intentChanged(): void;
}

/** Runs control actions for the manager. */
export class Controller {
  #client: SupervisorClient;
  #host: ControllerHost;
  #queue = new ControlQueue<number>({ perform: (name, value) => this.#act(name, value) });
  #allIntent: number | undefined;
  #allPending = 0;

  /**
   * @param client supervisord, without a short per-call timeout: actions wait as long as the
   *   IOC needs (control_action.ts deadlines).
   * @param host The manager.
   */
  constructor(client: SupervisorClient, host: ControllerHost) {
    this.#client = client;
    this.#host = host;
  }

  /** Value an `all` write asked for while its actions run, else undefined. */
  get allIntent(): number | undefined {
    return this.#allIntent;
  }

  /**
   * Ask for a control action on one IOC (what a `_control` write does).
   *
   * @param name IOC name.
   * @param value 0 Stop, 1 Run, 2 Reset.
   * @returns Resolves once the requested state holds (after the action that carries out this
   *   request, which is a newer request's when this one was superseded); rejects when it fails
   *   (refused by supervisord, FATAL, deadline passed).
   */
  control(name: string, value: number): Promise<void> {
    const entry = this.#host.entry(name);
    if (entry === undefined) return Promise.reject(new RangeError(`Unknown IOC "${name}"`));
    entry.intent = value;
    publishControl(entry);
    return this.#queue.request(name, value).finally(() => {
      if (!this.#queue.busy(name)) {
        entry.intent = undefined;
        publishControl(entry);
        this.#host.intentChanged();
      }
    });
  }

  /**
   * What an `all` write does: the same action on every autostart IOC.
   *
   * @param value 0 Stop, 1 Run, 2 Reset.
   * @returns Resolves when every IOC's action is done; rejects naming those that failed.
   */
  async controlAll(value: number): Promise<void> {
    this.#allIntent = value;
    this.#allPending++;
    this.#host.intentChanged();
    const targets = this.#host.allTargets();
    log.info(`all: ${VERBS[value]} of ${targets.length} IOCs`);
    const results = await Promise.allSettled(targets.map((name) => this.control(name, value)));
    if (--this.#allPending === 0) this.#allIntent = undefined;
    this.#host.intentChanged();
    const failed = targets.filter((_, i) => results[i]!.status === "rejected");
    if (failed.length > 0) {
      throw new Error(`all: ${VERBS[value]} failed for ${failed.join(", ")}`);
    }
  }

  /** Resolves when no action is left. */
  drain(): Promise<void> {
    return this.#queue.drain();
  }

  async #act(name: string, value: number): Promise<void> {
    const entry = this.#host.entry(name);
    if (entry === undefined) throw new RangeError(`Unknown IOC "${name}"`);
    log.info(`${name}: ${VERBS[value]} requested over CA`);
    try {
      await performControl(this.#client, { ioc: entry.settings, value });
    } catch (error) {
      log.error(`${name}: ${VERBS[value]} failed: ${(error as Error).message ?? error}`);
      throw error;
    } finally {
      await this.#host.afterAction(name, `after ${VERBS[value]}`);
    }
  }
}
