/**
 * Scheduled jobs: stored specs whose cron schedules (croner, UTC) create ordinary jobs.
 * @module
 */
import { Cron } from "croner";
import { ScheduledJobCreateWire } from "../wire/schemas.js";
import { HttpError, MESSAGES } from "./errors.js";
import type { Entity, Identity } from "./identity.js";
import { newObjectId } from "./ids.js";
import type { Job } from "./job.js";
import type { JobStore } from "./jobs.js";
import { type JobSpec, cloneSpec, parseJobSpec, specToWire } from "./spec.js";

/** Nicknames the service documents; croner knows more (`@reboot`), which are refused. */
const NICKNAMES = new Set(["@annually", "@yearly", "@monthly", "@weekly", "@daily", "@hourly"]);

/** A scheduled job and its cron timer. */
export class ScheduledJob {
  suspend: boolean;
  updatedAt: Date;
  lastJob: { id: string; at: Date } | undefined;
  cron: Cron | undefined;

  constructor(
    readonly id: string,
    readonly namespace: string,
    readonly schedule: string,
    readonly concurrency: boolean,
    readonly spec: JobSpec,
    readonly createdAt: Date,
    readonly owner: Entity,
    readonly initiator: Entity,
    suspend: boolean,
  ) {
    this.suspend = suspend;
    this.updatedAt = createdAt;
  }
}

/** All scheduled jobs of one emulator. */
export class Scheduler {
  readonly #items = new Map<string, ScheduledJob>();
  readonly #jobs: JobStore;
  readonly #identity: Identity;
  readonly #secondsInSchedules: boolean;

  constructor(jobs: JobStore, identity: Identity, secondsInSchedules: boolean) {
    this.#jobs = jobs;
    this.#identity = identity;
    this.#secondsInSchedules = secondsInSchedules;
  }

  /** Validates a `POST /api/scheduled-jobs/{ns}` body and starts the schedule. */
  create(namespace: string, body: unknown): ScheduledJob {
    const parsed = ScheduledJobCreateWire.safeParse(body);
    if (!parsed.success) {
      const text = parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ");
      throw new HttpError(400, `Invalid scheduled job: ${text}`);
    }
    const spec = parseJobSpec(parsed.data.jobSpec, "scheduled-job");
    const schedule = parsed.data.schedule.trim();
    const sj = new ScheduledJob(
      newObjectId(),
      namespace,
      schedule,
      parsed.data.concurrency ?? false,
      spec,
      new Date(),
      this.#identity.owner(namespace),
      this.#identity.userInitiator(),
      parsed.data.suspend ?? false,
    );
    sj.cron = this.#makeCron(sj);
    this.#items.set(sj.id, sj);
    return sj;
  }

  /** Scheduled jobs of a namespace, newest first. */
  list(namespace: string): ScheduledJob[] {
    return [...this.#items.values()].filter((sj) => sj.namespace === namespace).reverse();
  }

  /** The scheduled job with that id in that namespace, or 404. */
  get(namespace: string, id: string): ScheduledJob {
    const sj = this.#items.get(id);
    if (!sj || sj.namespace !== namespace) throw new HttpError(404, MESSAGES.scheduledJobNotFound);
    return sj;
  }

  /** Stops and forgets it; runs already started continue. */
  delete(sj: ScheduledJob): void {
    sj.cron?.stop();
    this.#items.delete(sj.id);
  }

  /** Pauses the schedule. */
  setSuspended(sj: ScheduledJob, suspend: boolean): void {
    sj.suspend = suspend;
    sj.updatedAt = new Date();
    if (suspend) sj.cron?.pause();
    else sj.cron?.resume();
  }

  /** Replaces `jobSpec.labels` (used by future runs). */
  setLabels(sj: ScheduledJob, labels: Record<string, string>): void {
    sj.spec.labels = { ...labels };
    sj.updatedAt = new Date();
  }

  /** `POST .../run`: a run now, or 409 if one is active and `concurrency` is false. */
  trigger(sj: ScheduledJob, stuck: boolean): Job {
    if (!sj.concurrency && this.#jobs.hasActiveRun(sj.id)) throw new HttpError(409, MESSAGES.busy);
    return this.#startRun(sj, stuck);
  }

  /** What the cron does on each tick; also the programmatic test hook. Returns the new job id or null. */
  fire(id: string): string | null {
    const sj = this.#items.get(id);
    if (!sj || sj.suspend) return null;
    if (!sj.concurrency && this.#jobs.hasActiveRun(sj.id)) return null;
    return this.#startRun(sj, false).id;
  }

  /** Stops every schedule. */
  close(): void {
    for (const sj of this.#items.values()) sj.cron?.stop();
  }

  /** The ScheduledJob object of the responses; secrets as names only. */
  toWire(sj: ScheduledJob): Record<string, unknown> {
    const next = sj.cron?.nextRun() ?? null;
    return {
      id: sj.id,
      type: "scheduled-job",
      createdAt: sj.createdAt.toISOString(),
      updatedAt: sj.updatedAt.toISOString(),
      schedule: sj.schedule,
      suspend: sj.suspend,
      concurrency: sj.concurrency,
      jobSpec: specToWire(sj.spec),
      status: {
        lastJob: sj.lastJob ? { id: sj.lastJob.id, at: sj.lastJob.at.toISOString() } : null,
        nextJobRunAt: next ? next.toISOString() : null,
      },
      owner: sj.owner,
      initiator: sj.initiator,
    };
  }

  #startRun(sj: ScheduledJob, stuck: boolean): Job {
    const job = this.#jobs.create(sj.namespace, cloneSpec(sj.spec), {
      initiator: { type: "scheduled-job", id: sj.id },
      stuck,
      scheduledJobId: sj.id,
    });
    sj.lastJob = { id: job.id, at: job.createdAt };
    return job;
  }

  #makeCron(sj: ScheduledJob): Cron {
    const { schedule } = sj;
    if (schedule.startsWith("@") && !NICKNAMES.has(schedule.toLowerCase())) {
      throw new HttpError(400, `Invalid schedule "${schedule}": use ${[...NICKNAMES].join(", ")} or a 5-field CRON expression`);
    }
    try {
      return new Cron(
        schedule,
        { timezone: "UTC", paused: sj.suspend, mode: this.#secondsInSchedules ? "5-or-6-parts" : "5-part", catch: true },
        () => {
          this.fire(sj.id);
        },
      );
    } catch (error) {
      throw new HttpError(400, `Invalid schedule "${schedule}": ${(error as Error).message}`);
    }
  }
}
