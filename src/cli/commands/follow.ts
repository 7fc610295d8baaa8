/**
 * The foreground part of `run` and `uv run`: start the job, stream its logs to the end, exit
 * with its outcome. Ctrl-C asks (on a terminal) whether to cancel the job or detach from it; in
 * a non-interactive shell it detaches at once, prints the job id on stdout and exits 130.
 * @module
 */
import { createInterface } from "node:readline";
import { isAbortError } from "../../core/errors.js";
import { isTerminal } from "../../jobs/parse.js";
import type { Job } from "../../types.js";
import type { Context } from "../context.js";
import { EXIT, exitCodeForJob } from "../exit.js";
import type { TextSink } from "../output.js";
import { jobJson } from "../views.js";

/** What a person may answer when Ctrl-C interrupts a foreground run. */
export type InterruptChoice = "cancel" | "detach" | "continue";

/**
 * Asks on `output` whether to cancel the job, detach, or keep following; reads one line from
 * `input`. A second Ctrl-C (on the prompt, or `signal` aborted) or the end of input means
 * detach: the safe choice, the job survives.
 */
export function askInterrupt(
  input: NodeJS.ReadableStream,
  output: TextSink & NodeJS.WritableStream,
  jobId: string,
  signal?: AbortSignal,
): Promise<InterruptChoice> {
  return new Promise((resolve) => {
    const rl = createInterface({ input, output, terminal: (output as TextSink).isTTY === true });
    let settled = false;
    const done = (choice: InterruptChoice) => {
      if (settled) return;
      settled = true;
      rl.close();
      resolve(choice);
    };
    rl.on("SIGINT", () => done("detach"));
    rl.on("close", () => done("detach"));
    signal?.addEventListener("abort", () => done("detach"), { once: true });
    rl.question(`\nJob ${jobId} is still running. [c]ancel it, [d]etach (it keeps running) or [r]esume? `, (answer) => {
      const a = answer.trim().toLowerCase();
      done(a.startsWith("c") ? "cancel" : a.startsWith("d") ? "detach" : "continue");
    });
  });
}

/**
 * Starts a job and follows it in the foreground, or prints its id with `-d`. The create request
 * is never aborted: a Ctrl-C meanwhile detaches once the job exists, so no job is started unseen.
 * A Ctrl-C that came before (the signal is already aborted) creates nothing. The Ctrl-C handler
 * is handed over to {@link follow} without a gap: no Ctrl-C can fall between the two.
 */
export async function launch(ctx: Context, create: () => Promise<Job>, detach: boolean): Promise<number> {
  ctx.signal.throwIfAborted();
  let interruptedEarly = false;
  ctx.interruptHandler = () => {
    interruptedEarly = true;
  };
  let job: Job;
  try {
    job = await create();
  } catch (error) {
    ctx.interruptHandler = undefined;
    throw error;
  }
  if (detach || interruptedEarly) {
    ctx.interruptHandler = undefined;
    if (detach) {
      printDetached(ctx, job);
      return EXIT.OK;
    }
    return detachFrom(ctx, job);
  }
  // follow() replaces the handler before its first await.
  return follow(ctx, job);
}

function printDetached(ctx: Context, job: Job): void {
  if (ctx.mode === "json") ctx.out.json(jobJson(job));
  else ctx.out.line(job.id);
  if (ctx.mode === "table") ctx.info(`View at ${job.url}; follow with: hf-jobs logs -f ${job.id}`);
}

/** Leaves the job running: its id on stdout (unless -q already printed it), a hint on stderr, exit 130. */
function detachFrom(ctx: Context, job: Job, idPrinted = false): number {
  ctx.warn(`Detached: job ${job.id} keeps running. Follow it with: hf-jobs logs -f ${job.namespace}/${job.id}`);
  if (ctx.mode === "json") ctx.out.json({ id: job.id, namespace: job.namespace, detached: true });
  else if (!idPrinted) ctx.out.line(job.id);
  return EXIT.INTERRUPTED;
}

/** Streams a job's logs until it ends; returns the exit code of its outcome. */
export async function follow(ctx: Context, job: Job): Promise<number> {
  const ref = `${job.namespace}/${job.id}`;
  const stop = new AbortController();
  let detached = false;
  let asking: Promise<void> | undefined;
  let prompt: AbortController | undefined;
  // Getting hardware can take minutes: say so on a terminal until the first line arrives.
  const progress = ctx.progress();
  // Take Ctrl-C over before the first await, so that none is lost on the way in.
  ctx.interruptHandler = () => {
    // Ctrl-C again while the question is on screen: detach, the safe answer.
    if (asking) return prompt?.abort();
    progress.stop();
    if (!ctx.interactive) {
      detached = true;
      stop.abort();
      return;
    }
    prompt = new AbortController();
    asking = askInterrupt(ctx.io.stdin, ctx.io.stderr as TextSink & NodeJS.WritableStream, job.id, prompt.signal).then(async (choice) => {
      if (choice === "detach") {
        detached = true;
        stop.abort();
      } else if (choice === "cancel") {
        ctx.warn(`Cancelling job ${job.id}...`);
        await ctx.client.cancel(ref).catch((error: unknown) => ctx.warn(`Could not cancel: ${error instanceof Error ? error.message : String(error)}`));
      }
      asking = undefined;
      prompt = undefined;
    });
  };

  // A Ctrl-C that aborted the signal before (with no handler to take it) detaches.
  if (ctx.signal.aborted) detached = true;
  let final: Job | undefined;
  try {
    await ctx.token(); // known to the masking of log lines, should the job print it
    if (ctx.mode === "quiet") ctx.out.line(job.id);
    ctx.info(`Job ${job.id} ${job.status.stage === "SCHEDULING" ? "submitted" : "started"}: ${job.url}`);
    if (!detached) {
      progress.update(`Job ${job.id} is starting`);
      const stream = ctx.client.logs(ref, { follow: true, signal: stop.signal });
      for await (const line of stream) {
        progress.stop();
        // While the question is on screen, hold the log back (it would scroll the prompt away).
        if (asking) await asking;
        // Detached: not one more line (the loop's exit closes the stream).
        if (detached) break;
        if (ctx.mode === "json") ctx.out.json({ timestamp: line.timestamp?.toISOString() ?? null, text: ctx.maskKnown(line.text) });
        else if (ctx.mode !== "quiet") ctx.out.line(ctx.maskKnown(line.text));
      }
      if (!detached) {
        final = stream.job;
        if (!final || !isTerminal(final)) final = await ctx.client.wait(ref, { signal: stop.signal });
      }
    }
  } catch (error) {
    if (!(detached && isAbortError(error))) throw error;
  } finally {
    progress.stop();
    ctx.interruptHandler = undefined;
  }
  if (detached || !final) {
    // The job may have ended while the question was on screen: then say how, not "keeps running".
    const now = await ctx.client.inspect(ref).catch(() => undefined);
    if (now && isTerminal(now)) return report(ctx, now);
    return detachFrom(ctx, job, ctx.mode === "quiet");
  }
  return report(ctx, final);
}

/** Prints a finished job's outcome and returns its exit code. */
export function report(ctx: Context, job: Job): number {
  if (ctx.mode === "json") ctx.out.json(jobJson(job));
  const code = exitCodeForJob(job);
  if (code !== EXIT.OK) ctx.warn(`Job ${job.id} ended ${job.status.stage}${job.status.message ? `: ${job.status.message}` : ""}`);
  return code;
}
