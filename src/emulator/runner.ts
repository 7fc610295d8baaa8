/**
 * One job's child process: spawned without a shell in its own process group, its output streamed
 * as lines, stopped with SIGTERM then SIGKILL after a grace period, and how it ended reported.
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { constants } from "node:os";
import { LineSplitter } from "./log-file.js";

/** How to start a job's process. */
export interface SpawnPlan {
  file: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  /** The job's `command[0]`, for error messages. */
  commandName: string;
  /** Why jobs run on the host, for the command-not-found message. */
  hostReason: string;
  /**
   * Set in container mode: the engine's CLI and how to force-remove the container (killing the
   * CLI does not stop it). A function rather than the engine, so that this file needs nothing
   * of container.ts.
   */
  container?: { binary: string; remove(): Promise<void> };
}

/** How a job's process ended. */
export type ProcessOutcome =
  | { kind: "exit"; code: number; exitedAt: Date }
  | { kind: "spawn-error"; message: string; exitedAt: Date };

/** Where output lines go; `line` returns false to ask for a pause until the drain callback runs. */
export interface OutputSink {
  line(text: string, timestamp: string): boolean;
  onDrain(listener: () => void): void;
}

function spawnErrorMessage(plan: SpawnPlan, error: NodeJS.ErrnoException): string {
  if (plan.container) return `Could not start the container engine ${plan.container.binary}: ${error.code ?? error.message}`;
  if (error.code === "ENOENT") return `Command not found on the emulator host: ${plan.commandName} (jobs run on the host because ${plan.hostReason})`;
  if (error.code === "EACCES") return `Command not executable on the emulator host: ${plan.commandName}`;
  return `Could not start the command on the emulator host: ${plan.commandName} (${error.code ?? error.message})`;
}

/** A running job process; `finished` resolves once it exited and all its output was read. */
export class JobProcess {
  readonly finished: Promise<ProcessOutcome>;
  readonly pid: number | undefined;
  #exited = false;
  #graceTimer: NodeJS.Timeout | undefined;
  #removal: Promise<void> | undefined;
  readonly #child: ChildProcess;
  readonly #plan: SpawnPlan;

  constructor(plan: SpawnPlan, sink: OutputSink) {
    this.#plan = plan;
    this.#child = spawn(plan.file, plan.args, {
      cwd: plan.cwd,
      env: plan.env,
      detached: true, // own process group, so that signals reach every descendant
      stdio: ["ignore", "pipe", "pipe"],
      windowsHide: true,
    });
    this.pid = this.#child.pid;
    let spawnError: NodeJS.ErrnoException | undefined;
    let exit: { code: number; at: Date } | undefined;
    this.#child.on("error", (error: NodeJS.ErrnoException) => {
      if (this.#child.pid === undefined) spawnError ??= error;
    });
    this.#child.on("exit", (code, signal) => {
      this.#exited = true;
      clearTimeout(this.#graceTimer);
      exit = { code: code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0), at: new Date() };
      // Like a container whose main process ended: nothing of the job may outlive it.
      this.#signalGroup("SIGKILL");
    });

    const streams = [this.#child.stdout, this.#child.stderr].filter((s) => s !== null);
    const splitters = streams.map(() => new LineSplitter());
    let paused = false;
    sink.onDrain(() => {
      if (!paused) return;
      paused = false;
      for (const s of streams) s.resume();
    });
    streams.forEach((stream, i) => {
      const splitter = splitters[i]!;
      stream.setEncoding("utf8");
      stream.on("data", (text: string) => {
        const ts = new Date().toISOString();
        let ok = true;
        splitter.push(text, (line) => {
          ok = sink.line(line, ts) && ok;
        });
        if (!ok && !paused) {
          paused = true;
          for (const s of streams) s.pause();
        }
      });
    });

    this.finished = new Promise((resolve) => {
      this.#child.on("close", () => {
        const ts = new Date().toISOString();
        for (const splitter of splitters) splitter.end((line) => sink.line(line, ts));
        if (exit && !spawnError) resolve({ kind: "exit", code: exit.code, exitedAt: exit.at });
        else
          resolve({
            kind: "spawn-error",
            message: spawnErrorMessage(plan, spawnError ?? Object.assign(new Error("unknown"), { code: "UNKNOWN" })),
            exitedAt: new Date(),
          });
      });
    });
  }

  /** Process group to sample for metrics; undefined in container mode, where it would be the engine's CLI. */
  get sampleGroup(): number | undefined {
    return this.#plan.container ? undefined : this.pid;
  }

  /** Whether the main process is still running. */
  get running(): boolean {
    return this.pid !== undefined && !this.#exited;
  }

  /** SIGTERM to the whole group, SIGKILL after `graceMs` if the main process is still there. */
  stop(graceMs: number): void {
    if (!this.running) return;
    this.#signalGroup("SIGTERM");
    clearTimeout(this.#graceTimer);
    this.#graceTimer = setTimeout(() => void this.kill(), graceMs);
  }

  /**
   * SIGKILL to the whole group now and, in container mode, force-removal of the container (killing
   * the engine's CLI does not stop the container). Resolves once the removal ended (see {@link removed}).
   */
  kill(): Promise<void> {
    clearTimeout(this.#graceTimer);
    if (this.#plan.container && this.#removal === undefined) {
      this.#removal = this.#plan.container.remove();
    }
    if (this.running) this.#signalGroup("SIGKILL");
    return this.removed;
  }

  /** Resolves once a container removal started by {@link kill} ended; at once if none was started. */
  get removed(): Promise<void> {
    return this.#removal ?? Promise.resolve();
  }

  #signalGroup(signal: NodeJS.Signals): void {
    if (this.pid === undefined) return;
    try {
      process.kill(-this.pid, signal);
    } catch {
      // ESRCH: the group is already gone.
    }
  }
}
