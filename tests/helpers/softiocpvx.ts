/**
 * A real pvxs `softIocPVX` (QSRV2) on loopback ports of its own, for PVA client tests. Tests
 * that need it skip (with the reason in their name) when it is not on PATH.
 *
 * @module
 */

import { freeCaPort, freeTcpPort } from "./ports.ts";
import { waitFor } from "./wait.ts";

/**
 * Where `softIocPVX` is on PATH.
 *
 * @returns Its path, or `undefined` when it is not installed.
 */
export function softIocPvxPath(): string | undefined {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (dir === "") continue;
    try {
      const path = `${dir}/softIocPVX`;
      if (Deno.statSync(path).isFile) return path;
    } catch {
      // Not in this directory.
    }
  }
  return undefined;
}

/** The PVA environment of clients that should find the IOC (unicast to 127.0.0.1). */
export function pvaClientEnv(udpPort: number): Record<string, string> {
  return {
    EPICS_PVA_ADDR_LIST: "127.0.0.1",
    EPICS_PVA_AUTO_ADDR_LIST: "NO",
    EPICS_PVA_BROADCAST_PORT: String(udpPort),
  };
}

/** A running softIocPVX. */
export class SoftIocPvx {
  /** PVA TCP port. */
  readonly tcpPort: number;
  /** PVA UDP (search) port. */
  readonly udpPort: number;
  /** Its CA server port (kept off the default 5064). */
  readonly caPort: number;
  /** The environment a PVA client needs to find it. */
  readonly clientEnv: Record<string, string>;
  #dbFile: string;
  #acfFile: string | undefined;
  #child: Deno.ChildProcess | undefined;
  #stdin: WritableStreamDefaultWriter<Uint8Array> | undefined;
  #output = "";
  #drained: Promise<void> = Promise.resolve();

  private constructor(
    files: { db: string; acf: string | undefined },
    ports: { tcp: number; udp: number; ca: number },
  ) {
    this.#dbFile = files.db;
    this.#acfFile = files.acf;
    this.tcpPort = ports.tcp;
    this.udpPort = ports.udp;
    this.caPort = ports.ca;
    this.clientEnv = pvaClientEnv(ports.udp);
  }

  /**
   * Start an IOC serving a database.
   *
   * @param db Database text.
   * @param acf Access security file text, if any (`softIocPVX -a`).
   * @returns The running IOC (stop it in `finally`).
   */
  static async start(db: string, acf?: string): Promise<SoftIocPvx> {
    const dir = await Deno.makeTempDir({ prefix: "iocsup-pvx-" });
    const dbFile = `${dir}/test.db`;
    await Deno.writeTextFile(dbFile, db);
    let acfFile: string | undefined;
    if (acf !== undefined) await Deno.writeTextFile(acfFile = `${dir}/test.acf`, acf);
    const ioc = new SoftIocPvx({ db: dbFile, acf: acfFile }, {
      tcp: freeTcpPort(),
      udp: await freeCaPort(),
      ca: await freeCaPort(),
    });
    await ioc.restart();
    return ioc;
  }

  /** Everything the IOC printed (for failure messages). */
  get output(): string {
    return this.#output;
  }

  /** (Re)start the process on the same ports and wait until its TCP port accepts. */
  async restart(): Promise<void> {
    await this.kill();
    this.#child = new Deno.Command("softIocPVX", {
      args: [...(this.#acfFile ? ["-a", this.#acfFile] : []), "-d", this.#dbFile],
      env: {
        EPICS_PVAS_INTF_ADDR_LIST: "127.0.0.1",
        EPICS_PVA_AUTO_ADDR_LIST: "NO",
        EPICS_PVA_ADDR_LIST: "127.0.0.1",
        EPICS_PVA_SERVER_PORT: String(this.tcpPort),
        EPICS_PVA_BROADCAST_PORT: String(this.udpPort),
        EPICS_CAS_INTF_ADDR_LIST: "127.0.0.1",
        EPICS_CA_SERVER_PORT: String(this.caPort),
        EPICS_CA_AUTO_ADDR_LIST: "NO",
        EPICS_CA_ADDR_LIST: "127.0.0.1",
      },
      // The IOC shell reads stdin: keep it open, or the IOC exits at once.
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#stdin = this.#child.stdin.getWriter();
    const collect = async (stream: ReadableStream<Uint8Array>) => {
      for await (const chunk of stream.pipeThrough(new TextDecoderStream())) this.#output += chunk;
    };
    this.#drained = Promise.all([collect(this.#child.stdout), collect(this.#child.stderr)])
      .then(() => undefined);
    await waitFor(`softIocPVX on TCP ${this.tcpPort}`, async () => {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: this.tcpPort });
      conn.close();
      return true;
    }, { timeoutMs: 20_000 });
  }

  /** Stop the process (SIGTERM) and wait for it; a later {@linkcode restart} starts it again. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = undefined;
    try {
      child.kill("SIGTERM");
    } catch {
      // Already exited.
    }
    await this.#stdin?.close().catch(() => undefined);
    await child.status;
    await this.#drained;
  }

  /** Stop the process and remove the database. */
  async stop(): Promise<void> {
    await this.kill();
    await Deno.remove(this.#dbFile.slice(0, this.#dbFile.lastIndexOf("/")), { recursive: true });
  }
}
