/**
 * Local Hugging Face Jobs emulator: the Jobs HTTP API served on loopback, running every job as a
 * real local process (or container). Entry point `@org/hf-jobs/emulator`.
 *
 * @example
 * ```ts
 * import { startEmulator } from "@org/hf-jobs/emulator";
 * const emu = await startEmulator();
 * // point a client at emu.url with emu.token, then:
 * await emu.close();
 * ```
 * @module
 */
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { App } from "./app.js";
import { selectEngine } from "./container.js";
import { onProcessExit } from "./exit-guard.js";
import { FaultRegistry, RequestLog } from "./faults.js";
import { GpuProbe } from "./gpu.js";
import { Identity } from "./identity.js";
import { JobStore } from "./jobs.js";
import { MetricsHub } from "./metrics.js";
import { resolveOptions } from "./options.js";
import { Scheduler } from "./scheduler.js";
import { createEmulatorServer } from "./server.js";
import type { Emulator, EmulatorOptions } from "./types.js";

export type {
  Emulator,
  EmulatorFaults,
  EmulatorOptions,
  EmulatorRequests,
  EmulatorScheduler,
  FaultRule,
  RequestFilter,
} from "./types.js";

const AUTO_NOTE =
  ' (containerEngine "auto" took the first engine whose `info` answered; if its containers fail to start, name the engine and give it flags with containerRunArgs, or use "none")';

function formatUrl(host: string, port: number): string {
  const bare = host.replace(/^\[|\]$/g, "");
  return `http://${bare.includes(":") ? `[${bare}]` : bare}:${port}`;
}

/**
 * Starts an emulator and resolves once it listens. Rejects on a non-loopback `host` without
 * `allowNonLoopback`, on invalid options, or when an explicitly requested container engine does
 * not answer. Always call {@link Emulator.close} when done.
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const opts = resolveOptions(options);
  const engine = await selectEngine(opts);
  const hostReason = opts.containerEngine === "none" ? 'containerEngine is "none"' : "no container engine answered";
  const root = await mkdtemp(join(opts.tmpDir, "hf-jobs-emulator-"));

  const identity = new Identity(opts.namespace, opts.extraNamespaces);
  const jobs = new JobStore({ options: opts, identity, root, engine, instance: randomBytes(4).toString("hex"), hostReason });
  const scheduler = new Scheduler(jobs, identity, opts.secondsInSchedules);
  const metrics = new MetricsHub(opts.metricsIntervalMs, new GpuProbe());
  const app: App = { options: opts, identity, jobs, scheduler, metrics };
  const faults = new FaultRegistry();
  for (const rule of opts.faults) faults.add(rule);
  const requests = new RequestLog();
  let url = "";
  const front = createEmulatorServer({ app, faults, requests, origin: () => url });

  try {
    await new Promise<void>((resolve, reject) => {
      front.server.once("error", reject);
      front.server.listen(opts.port, opts.host, () => {
        front.server.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    throw error;
  }
  url = formatUrl(opts.host, (front.server.address() as AddressInfo).port);

  opts.logger(
    engine
      ? `hf-jobs emulator: jobs run in containers with ${engine.binary}${opts.containerEngine === "auto" ? AUTO_NOTE : ""}`
      : `hf-jobs emulator: ${hostReason}; jobs run as plain processes on this host and their images are ignored`,
  );

  const removeExitGuard = onProcessExit(() => {
    jobs.killAllNow();
    rmSync(root, { recursive: true, force: true });
  });

  let closing: Promise<void> | undefined;
  return {
    url,
    token: opts.token,
    namespace: opts.namespace,
    faults: { add: (rule) => faults.add(rule), clear: () => faults.clear() },
    requests: { count: (filter) => requests.count(filter), reset: () => requests.reset() },
    scheduler: { fire: (id) => scheduler.fire(id) },
    jobs: () => jobs.liveProcesses(),
    close: () => {
      closing ??= (async () => {
        scheduler.close();
        metrics.close();
        const stopped = front.shutdown();
        await jobs.close();
        await stopped;
        await rm(root, { recursive: true, force: true });
        removeExitGuard();
      })();
      return closing;
    },
  };
}
