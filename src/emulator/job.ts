/**
 * One job's state: spec, stage history, log file, and its wire (JSON) representation.
 * @module
 */
import { EventEmitter } from "node:events";
import { TERMINAL_STAGES } from "../wire/schemas.js";
import type { Entity } from "./identity.js";
import type { LogFile } from "./log-file.js";
import type { JobProcess } from "./runner.js";
import type { JobSpec } from "./spec.js";

/** A stage change, as replayed by `GET .../events`. */
export interface StageEvent {
  stage: string;
  message: string | null;
  at: Date;
}

/** Whether a stage is final. */
export function isTerminal(stage: string): boolean {
  return (TERMINAL_STAGES as readonly string[]).includes(stage);
}

/** A job known to the emulator, running or not. */
export class Job {
  stage = "SCHEDULING";
  message: string | null = null;
  failureCount = 0;
  updatedAt: Date;
  startedAt: Date | undefined;
  finishedAt: Date | undefined;
  labels: Record<string, string>;
  readonly history: StageEvent[];
  process: JobProcess | undefined;
  startTimer: NodeJS.Timeout | undefined;
  timeoutTimer: NodeJS.Timeout | undefined;
  readonly #emitter = new EventEmitter();

  constructor(
    readonly id: string,
    readonly seq: number,
    readonly namespace: string,
    readonly spec: JobSpec,
    readonly createdAt: Date,
    readonly owner: Entity,
    readonly createdBy: Entity,
    readonly initiator: Entity,
    readonly log: LogFile,
    readonly replica: string,
    readonly scheduledJobId: string | undefined,
  ) {
    this.updatedAt = createdAt;
    this.labels = { ...spec.labels };
    this.history = [{ stage: this.stage, message: null, at: createdAt }];
    this.#emitter.setMaxListeners(0);
  }

  /** True once the stage is final. */
  get terminal(): boolean {
    return isTerminal(this.stage);
  }

  /** Whether the job is currently at that stage (a method, so that narrowing does not survive awaits). */
  is(stage: string): boolean {
    return this.stage === stage;
  }

  /** Calls `listener` after every stage change. Returns the unsubscriber. */
  onStage(listener: () => void): () => void {
    this.#emitter.on("stage", listener);
    return () => this.#emitter.off("stage", listener);
  }

  /** Moves to a new stage; terminal stages also set `finishedAt`. */
  setStage(stage: string, message: string | null, at: Date = new Date()): void {
    this.stage = stage;
    this.message = message;
    this.updatedAt = at;
    if (stage === "RUNNING") this.startedAt = at;
    if (isTerminal(stage)) {
      this.finishedAt = at;
      if (stage === "ERROR") this.failureCount += 1;
    }
    this.history.push({ stage, message, at });
    this.#emitter.emit("stage");
  }
}

function seconds(from: Date, to: Date): number {
  return Math.max(0, Math.floor((to.getTime() - from.getTime()) / 1000));
}

/** The Job object of the responses; secrets appear as names only. */
export function jobToWire(job: Job, now: Date = new Date()): Record<string, unknown> {
  const end = job.finishedAt ?? now;
  const durations: Record<string, number> = {};
  if (job.startedAt) {
    durations.schedulingSecs = seconds(job.createdAt, job.startedAt);
    durations.runningSecs = seconds(job.startedAt, end);
  } else if (job.finishedAt) {
    durations.schedulingSecs = seconds(job.createdAt, job.finishedAt);
  }
  durations.totalSecs = seconds(job.createdAt, end);

  const status: Record<string, unknown> = { stage: job.stage, message: job.message, failureCount: job.failureCount };
  const ports = job.spec.expose?.ports ?? [];
  if (ports.length > 0) status.exposeUrls = ports.map((p) => `https://${job.id}--${p}.hf.jobs`);
  if (job.spec.ssh?.enabled) status.sshUrl = `ssh://${job.id}@ssh.hf.jobs`;

  const wire: Record<string, unknown> = {
    id: job.id,
    type: "job",
    createdAt: job.createdAt.toISOString(),
    updatedAt: job.updatedAt.toISOString(),
  };
  if (job.startedAt) wire.startedAt = job.startedAt.toISOString();
  if (job.finishedAt) wire.finishedAt = job.finishedAt.toISOString();
  Object.assign(wire, {
    durations,
    dockerImage: job.spec.dockerImage ?? null,
    spaceId: job.spec.spaceId ?? null,
    command: job.spec.command,
    arguments: job.spec.arguments,
    environment: job.spec.environment,
    secrets: Object.keys(job.spec.secrets),
    flavor: job.spec.flavor,
    arch: job.spec.arch ?? "amd64",
    timeoutSeconds: job.spec.timeoutSeconds,
    attempts: job.spec.attempts ?? 1,
    labels: job.labels,
    volumes: job.spec.volumes,
    status,
    owner: job.owner,
    createdBy: job.createdBy,
    initiator: job.initiator,
  });
  return wire;
}
