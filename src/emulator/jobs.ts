/**
 * The job store and lifecycle: SCHEDULING -> RUNNING -> COMPLETED / ERROR / CANCELED, one real
 * child process per job, a fresh working directory removed afterwards.
 * @module
 */
import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { type ContainerEngine, containerName, containerPlan, ENGINE_FAILURE_EXITS, engineFailureHint } from "./container.js";
import { containerEnvironment, jobEnvironment } from "./env.js";
import { findFlavor } from "./hardware.js";
import type { Entity, Identity } from "./identity.js";
import { newObjectId, newReplicaId } from "./ids.js";
import { Job } from "./job.js";
import { LogFile } from "./log-file.js";
import type { ResolvedOptions } from "./options.js";
import { JobProcess, type SpawnPlan } from "./runner.js";
import type { JobSpec } from "./spec.js";

/** The service's default timeout when a spec sets none: 30 minutes. */
export const DEFAULT_TIMEOUT_SECONDS = 30 * 60;
// Node's setTimeout limit, a runtime fact rather than a wire one: the emulator shares only src/wire/ with the client.
const MAX_TIMER_MS = 2 ** 31 - 1;

/** What the store needs from the rest of the emulator. */
export interface JobStoreDeps {
  options: ResolvedOptions;
  identity: Identity;
  /** Directory for job working directories and log files; removed by the caller on close. */
  root: string;
  engine: ContainerEngine | null;
  /** Unique per emulator instance; part of container names. */
  instance: string;
  /** Why jobs run on the host (for command-not-found messages). */
  hostReason: string;
}

/** Filters of `GET /api/jobs/{ns}`. */
export interface JobFilter {
  stages: string[];
  /** `[key, value]` must match exactly; `[key, undefined]` only requires the key. */
  labels: [string, string | undefined][];
}

/** How a job is created. */
export interface CreateOptions {
  initiator?: Entity;
  stuck?: boolean;
  scheduledJobId?: string;
}

/** All jobs of one emulator and their processes. */
export class JobStore {
  readonly #jobs = new Map<string, Job>();
  #seq = 0;
  readonly #live = new Set<JobProcess>();
  readonly #runs = new Set<Promise<void>>();
  #closed = false;
  #engineHintLogged = false;
  readonly #deps: JobStoreDeps;

  constructor(deps: JobStoreDeps) {
    this.#deps = deps;
  }

  /** Creates a job in SCHEDULING; unless `stuck`, it starts after `schedulingDelayMs`. */
  create(namespace: string, spec: JobSpec, options: CreateOptions = {}): Job {
    const id = newObjectId();
    const { identity } = this.#deps;
    const job = new Job(
      id,
      ++this.#seq,
      namespace,
      spec,
      new Date(),
      identity.owner(namespace),
      identity.createdBy(),
      options.initiator ?? identity.userInitiator(),
      new LogFile(join(this.#deps.root, `${id}.log`)),
      newReplicaId(),
      options.scheduledJobId,
    );
    this.#jobs.set(id, job);
    if (!options.stuck && !this.#closed) {
      job.startTimer = setTimeout(() => this.#track(this.#run(job)), this.#deps.options.schedulingDelayMs);
    }
    return job;
  }

  /** The job with that id in that namespace. */
  get(namespace: string, id: string): Job | undefined {
    const job = this.#jobs.get(id);
    return job && job.namespace === namespace ? job : undefined;
  }

  /** One page of a namespace's jobs, newest first, strictly older than `beforeSeq` when given. */
  list(namespace: string, filter: JobFilter, beforeSeq: number | undefined, pageSize: number): { items: Job[]; more: boolean } {
    const items: Job[] = [];
    const all = [...this.#jobs.values()];
    for (let i = all.length - 1; i >= 0; i--) {
      const job = all[i]!;
      if (job.namespace !== namespace || (beforeSeq !== undefined && job.seq >= beforeSeq)) continue;
      if (filter.stages.length > 0 && !filter.stages.includes(job.stage)) continue;
      if (!filter.labels.every(([k, v]) => labelMatches(job.labels, k, v))) continue;
      if (items.length === pageSize) return { items, more: true };
      items.push(job);
    }
    return { items, more: false };
  }

  /** Whether a job started by that scheduled job is still SCHEDULING or RUNNING. */
  hasActiveRun(scheduledJobId: string): boolean {
    for (const job of this.#jobs.values()) if (job.scheduledJobId === scheduledJobId && !job.terminal) return true;
    return false;
  }

  /** CANCELED now; the process group gets SIGTERM, then SIGKILL after `killGraceMs`. */
  cancel(job: Job): void {
    if (job.terminal) return;
    clearTimeout(job.startTimer);
    job.startTimer = undefined;
    job.setStage("CANCELED", null);
    this.#stopProcess(job);
  }

  /** Replaces the user labels. */
  setLabels(job: Job, labels: Record<string, string>): void {
    job.labels = { ...labels };
    job.updatedAt = new Date();
  }

  /** SIGKILLs every live process group synchronously (for the process-exit guard). */
  killAllNow(): void {
    for (const proc of this.#live) void proc.kill();
  }

  /** Number of job processes still alive. */
  liveProcesses(): number {
    return this.#live.size;
  }

  /** Kills every process group, waits for every job to settle; no job starts afterwards. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const job of this.#jobs.values()) {
      clearTimeout(job.startTimer);
      clearTimeout(job.timeoutTimer);
      job.startTimer = undefined;
    }
    // Container removals are awaited too: `close()` must not resolve while a container still runs.
    const removals = [...this.#live].map((proc) => proc.kill());
    await Promise.allSettled(removals);
    while (this.#runs.size > 0) await Promise.allSettled([...this.#runs]);
    await Promise.allSettled([...this.#jobs.values()].map((job) => job.log.close()));
  }

  #track(run: Promise<void>): void {
    this.#runs.add(run);
    void run.finally(() => this.#runs.delete(run));
  }

  #stopProcess(job: Job): void {
    clearTimeout(job.timeoutTimer);
    if (job.process) job.process.stop(this.#deps.options.killGraceMs);
    else if (job.log.state === "pending") void job.log.close();
  }

  #expire(job: Job): void {
    if (job.stage !== "RUNNING") return;
    job.setStage("ERROR", "Job timeout");
    this.#stopProcess(job);
  }

  /** Runs the job to its end; never throws. */
  async #run(job: Job): Promise<void> {
    job.startTimer = undefined;
    if (this.#closed || job.stage !== "SCHEDULING") return;
    job.setStage("RUNNING", null);
    let workDir: string | undefined;
    let end: { stage: "COMPLETED" | "ERROR"; message: string | null; at?: Date } | undefined;
    try {
      workDir = await mkdtemp(join(this.#deps.root, `${job.id}-`));
      await job.log.start(job.startedAt ?? new Date());
      if (!job.is("RUNNING") || this.#closed) return;
      const plan = await this.#plan(job, workDir);
      if (typeof plan === "string") {
        job.log.line(plan, new Date().toISOString());
        end = { stage: "ERROR", message: plan };
        return;
      }
      // Writing a container's env file yields: a cancel or close may have come in meanwhile.
      if (!job.is("RUNNING") || this.#closed) return;
      const proc = new JobProcess(plan, job.log);
      job.process = proc;
      this.#live.add(proc);
      const timeoutMs = (job.spec.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000;
      job.timeoutTimer = setTimeout(() => this.#expire(job), Math.min(timeoutMs, MAX_TIMER_MS));
      const outcome = await proc.finished;
      // A removal started by cancel/timeout may outlive the engine's CLI; the run (awaited by
      // `close()`) lasts until it ended.
      await proc.removed;
      this.#live.delete(proc);
      clearTimeout(job.timeoutTimer);
      job.process = undefined;
      if (outcome.kind === "spawn-error") {
        job.log.line(outcome.message, outcome.exitedAt.toISOString());
        end = { stage: "ERROR", message: outcome.message, at: outcome.exitedAt };
      } else if (outcome.code === 0) {
        end = { stage: "COMPLETED", message: null, at: outcome.exitedAt };
      } else {
        end = { stage: "ERROR", message: `Job failed with exit code: ${outcome.code}`, at: outcome.exitedAt };
        if (ENGINE_FAILURE_EXITS.has(outcome.code) && this.#deps.engine) this.#explainEngineFailure(job, this.#deps.engine, outcome);
      }
    } catch (error) {
      end = { stage: "ERROR", message: `The emulator could not run the job: ${(error as Error).message}` };
    } finally {
      await job.log.close().catch(() => {});
      if (workDir !== undefined) await rm(workDir, { recursive: true, force: true }).catch(() => {});
      // Published last, so that a client seeing the end finds every log line on disk and the
      // working directory gone. Cancel and timeout have set their stage already.
      if (end && job.is("RUNNING")) job.setStage(end.stage, end.message, end.at);
    }
  }

  /**
   * The status message stays the service's; the hint goes to the job's log, and once to the
   * logger, where whoever started the emulator sees it.
   */
  #explainEngineFailure(job: Job, engine: ContainerEngine, outcome: { code: number; exitedAt: Date }): void {
    const hint = engineFailureHint(engine, outcome.code);
    job.log.line(hint, outcome.exitedAt.toISOString());
    if (!this.#engineHintLogged) this.#deps.options.logger(hint);
    this.#engineHintLogged = true;
  }

  async #plan(job: Job, workDir: string): Promise<SpawnPlan | string> {
    const { spec } = job;
    const flavor = findFlavor(spec.flavor);
    if (!flavor) return `Unknown flavor on the emulator: ${spec.flavor}`;
    const input = {
      jobId: job.id,
      flavor,
      workDir,
      extra: this.#deps.options.env,
      environment: spec.environment,
      secrets: spec.secrets,
    };
    const commandName = spec.command[0];
    const { engine } = this.#deps;
    if (engine) {
      if (spec.dockerImage === undefined) {
        return `Space images cannot run in the emulator: spaceId "${spec.spaceId ?? ""}" has no locally runnable image; use a dockerImage`;
      }
      return containerPlan({
        engine,
        name: containerName(this.#deps.instance, job.id),
        image: spec.dockerImage,
        command: spec.command,
        args: spec.arguments,
        env: containerEnvironment(input),
        workDir,
        hostReason: this.#deps.hostReason,
      });
    }
    if (commandName === undefined) {
      return "No command given: jobs run on the emulator host, where the image's default command is not available";
    }
    return {
      file: commandName,
      args: [...spec.command.slice(1), ...spec.arguments],
      env: jobEnvironment(input),
      cwd: workDir,
      commandName,
      hostReason: this.#deps.hostReason,
    };
  }
}

/**
 * Whether the job has label `key` (with that `value` when given). Only own keys count: a filter
 * such as `label=constructor` must not match through `Object.prototype`.
 */
export function labelMatches(labels: Record<string, string>, key: string, value: string | undefined): boolean {
  if (!Object.hasOwn(labels, key)) return false;
  return value === undefined || labels[key] === value;
}
