// Shared helpers of the emulator tests: plain fetch against the wire API, an SSE reader, polling.
import { readFileSync } from "node:fs";
import { type Emulator, type EmulatorOptions, startEmulator } from "../../src/emulator/index.js";

/** Starts an emulator with test-friendly defaults (host mode, fast scheduling, silent logger). */
export function start(options: EmulatorOptions = {}): Promise<Emulator> {
  return startEmulator({ containerEngine: "none", schedulingDelayMs: 0, logger: () => {}, ...options });
}

/** A fetch bound to one emulator: relative paths, bearer token, JSON bodies. */
export function api(emu: Emulator) {
  return (path: string, init: { method?: string; body?: unknown; token?: string | null; headers?: Record<string, string> } = {}) => {
    const headers: Record<string, string> = { ...(init.headers ?? {}) };
    const token = init.token === undefined ? emu.token : init.token;
    if (token !== null) headers.Authorization = `Bearer ${token}`;
    let body: string | undefined;
    if (init.body !== undefined) {
      headers["Content-Type"] = "application/json";
      body = typeof init.body === "string" ? init.body : JSON.stringify(init.body);
    }
    return fetch(path.startsWith("http") ? path : `${emu.url}${path}`, { method: init.method ?? "GET", headers, body });
  };
}

/** A minimal job spec as the Python client sends it. */
export function spec(command: string[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { dockerImage: "python:3.12", command, arguments: [], environment: {}, flavor: "cpu-basic", ...extra };
}

/** The wire Job, loosely typed for assertions. */
export type WireJob = {
  id: string;
  status: { stage: string; message: string | null; [k: string]: unknown };
  [k: string]: unknown;
};

/** Creates a job in the emulator's namespace and returns the response body. */
export async function createJob(emu: Emulator, body: Record<string, unknown>): Promise<WireJob> {
  const res = await api(emu)(`/api/jobs/${emu.namespace}`, { method: "POST", body });
  if (res.status !== 200) throw new Error(`create failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as WireJob;
}

/** GET the job. */
export async function getJob(emu: Emulator, id: string): Promise<WireJob> {
  const res = await api(emu)(`/api/jobs/${emu.namespace}/${id}`);
  if (res.status !== 200) throw new Error(`get failed: ${res.status}`);
  return (await res.json()) as WireJob;
}

/** Polls until `check` returns a value other than undefined. */
export async function waitFor<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000, everyMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("waitFor: timed out");
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Polls the job until it reaches a terminal stage. */
export function waitTerminal(emu: Emulator, id: string, timeoutMs = 10_000): Promise<WireJob> {
  return waitFor(async () => {
    const job = await getJob(emu, id);
    return ["COMPLETED", "ERROR", "CANCELED", "DELETED"].includes(job.status.stage) ? job : undefined;
  }, timeoutMs);
}

/** Polls the job until it reaches the given stage. */
export function waitStage(emu: Emulator, id: string, stage: string, timeoutMs = 10_000): Promise<WireJob> {
  return waitFor(async () => {
    const job = await getJob(emu, id);
    return job.status.stage === stage ? job : undefined;
  }, timeoutMs);
}

/** Reads a streaming response as text; records whether it ended normally or with an error. */
export class StreamReader {
  text = "";
  outcome: "open" | "ended" | "errored" = "open";
  private readonly controller: AbortController;
  private readonly done: Promise<void>;

  private constructor(
    readonly response: Response,
    controller: AbortController,
  ) {
    this.controller = controller;
    this.done = this.pump();
  }

  /** Opens `path` with the emulator's token. */
  static async open(emu: Emulator, path: string): Promise<StreamReader> {
    const controller = new AbortController();
    const res = await fetch(`${emu.url}${path}`, {
      headers: { Authorization: `Bearer ${emu.token}`, Accept: "text/event-stream" },
      signal: controller.signal,
    });
    return new StreamReader(res, controller);
  }

  private async pump(): Promise<void> {
    const body = this.response.body;
    if (!body) {
      this.outcome = "ended";
      return;
    }
    const decoder = new TextDecoder();
    const reader = body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        this.text += decoder.decode(value, { stream: true });
      }
      this.outcome = "ended";
    } catch {
      this.outcome = "errored";
    }
  }

  /** Waits until the received text satisfies `predicate`. */
  async until(predicate: (text: string) => boolean, timeoutMs = 10_000): Promise<string> {
    await waitFor(() => (predicate(this.text) ? true : this.outcome !== "open" ? false : undefined), timeoutMs, 10);
    if (!predicate(this.text)) throw new Error(`stream ${this.outcome} before the expected content; got:\n${this.text.slice(0, 2000)}`);
    return this.text;
  }

  /** Waits for the stream to end or fail. */
  async finished(timeoutMs = 10_000): Promise<"ended" | "errored"> {
    await Promise.race([this.done, new Promise((r) => setTimeout(r, timeoutMs))]);
    if (this.outcome === "open") throw new Error("stream still open");
    return this.outcome;
  }

  /** Aborts the request. */
  async close(): Promise<void> {
    this.controller.abort();
    await this.done;
  }

  /** JSON payloads of every `data:` line received so far. */
  data(): Record<string, unknown>[] {
    return dataLines(this.text).map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

/** The raw text after `data: ` of every data line. */
export function dataLines(text: string): string[] {
  return text
    .split("\n")
    .filter((l) => l.startsWith("data: "))
    .map((l) => l.slice(6));
}

/** Log messages of a complete log stream, without the `===== Job started` line. */
export function logMessages(text: string): string[] {
  return dataLines(text)
    .map((l) => (JSON.parse(l) as { data: string }).data)
    .filter((m) => !m.startsWith("===== Job started"));
}

/** True while a process exists and is not a zombie. */
export function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}
