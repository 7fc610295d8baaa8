/**
 * Commands that watch jobs: `logs`, `wait`, `stats`.
 * @module
 */
import { WaitTimeoutError } from "../../core/errors.js";
import type { LogsOptions } from "../../streams/logs.js";
import type { MetricSample } from "../../streams/metrics.js";
import { isTerminal } from "../../jobs/parse.js";
import { parseTimeout } from "../../jobs/spec.js";
import type { Job } from "../../types.js";
import { flag, int, str } from "../args.js";
import type { CommandSpec } from "../command.js";
import { EXIT, exitCodeForError, exitCodeForJob, UsageError } from "../exit.js";
import { bytes, type Column, renderTable } from "../output.js";
import { jobJson, outcomeColumns } from "../views.js";
import { refs } from "./jobs.js";

/** `hf-jobs logs`: prints or follows the logs of a job. */
export const logsCommand: CommandSpec = {
  kind: "command",
  name: "logs",
  summary: "Print the logs of a job (a snapshot, or followed with -f)",
  usage: "hf-jobs logs [OPTIONS] JOB_ID",
  description:
    "Without -f, prints the lines logged so far and returns. With -f, keeps printing until the job ends (reconnecting if the connection drops) and exits 0 whatever the outcome: use hf-jobs wait for that.",
  optionsHelp: `Options:
  -f, --follow                Keep printing until the job ends
  -n, --tail N                Start with the last N lines
  -t, --timestamps            Prefix each line with its timestamp`,
  examples: ["hf-jobs logs -f 687fb701029421ae5549d998", "hf-jobs logs -n 20 -t $ID"],
  options: {
    follow: { type: "boolean", short: "f" },
    tail: { type: "string", short: "n" },
    timestamps: { type: "boolean", short: "t" },
  },
  async run(ctx, { values, positionals }) {
    const [ref, extra] = refs(positionals);
    if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}" (one job at a time)`);
    const tail = int(values, "tail");
    const stamps = flag(values, "timestamps");
    await ctx.token(); // known to the masking, should the job have printed it
    let follow = flag(values, "follow");
    const options: LogsOptions = { tail, signal: ctx.signal };
    if (!follow) {
      // A snapshot waits for a quiet spell before it ends; the log of a finished job is complete,
      // so read it as a follow, which ends as soon as the stream does.
      const job = await ctx.client.inspect(ref as string, { signal: ctx.signal });
      if (isTerminal(job)) {
        follow = true;
        options.drainMs = 200;
        options.statusCheckMs = 200;
      }
    }
    const stream = ctx.client.logs(ref as string, { ...options, follow });
    for await (const line of stream) {
      const text = ctx.maskKnown(line.text);
      const at = line.timestamp?.toISOString();
      if (ctx.mode === "json") ctx.out.json({ timestamp: at ?? null, text });
      else ctx.out.line(stamps ? `${at ?? "-"} ${text}` : text);
    }
    return EXIT.OK;
  },
};

/** `hf-jobs wait`: waits for jobs and exits with their outcome. */
export const waitCommand: CommandSpec = {
  kind: "command",
  name: "wait",
  summary: "Wait for jobs to end; exit with their outcome",
  usage: "hf-jobs wait [OPTIONS] JOB_ID [JOB_ID...]",
  description:
    "Exits 0 when every job ended COMPLETED; otherwise with the code of the first job (in the order given) that did not: 1 ERROR, 3 CANCELED, 4 timeout, 5 DELETED; 7 when --timeout ran out first (the jobs keep running).",
  optionsHelp: `Options:
      --timeout DURATION      Give up after this long: seconds, or 90s, 30m, 1.5h`,
  examples: ["hf-jobs wait $ID && echo done", "hf-jobs ps -q -l sweep=lr | xargs -r hf-jobs wait --timeout 2h"],
  options: { timeout: { type: "string" } },
  async run(ctx, { values, positionals }) {
    const ids = refs(positionals);
    const timeoutRaw = str(values, "timeout");
    const seconds = timeoutRaw === undefined ? undefined : parseTimeout(timeoutRaw);
    const progress = ctx.progress();
    const stages = new Map<string, string>(ids.map((id) => [id, "…"]));
    const show = () => {
      const counts = new Map<string, number>();
      for (const stage of stages.values()) counts.set(stage, (counts.get(stage) ?? 0) + 1);
      const summary = [...counts].map(([stage, n]) => (ids.length === 1 ? stage : `${n} ${stage}`)).join(", ");
      progress.update(ids.length === 1 ? `Waiting for ${ids[0]}: ${summary}` : `Waiting for ${ids.length} jobs: ${summary}`);
    };
    show();
    const results = await Promise.allSettled(
      ids.map((ref) =>
        ctx.client.wait(ref, {
          signal: ctx.signal,
          timeoutMs: seconds === undefined ? undefined : seconds * 1000,
          // A person is waiting: check at least every 5 s (the SDK backs off to 10 s).
          maxPollIntervalMs: 5000,
          onStatus: (job: Job) => {
            stages.set(ref, job.status.stage);
            show();
          },
        }),
      ),
    );
    progress.stop();
    const finished: Job[] = [];
    let code: number = EXIT.OK;
    for (const [i, result] of results.entries()) {
      if (result.status === "fulfilled") {
        finished.push(result.value);
        if (code === EXIT.OK) code = exitCodeForJob(result.value);
        if (exitCodeForJob(result.value) !== EXIT.OK) {
          const j = result.value;
          ctx.warn(`Job ${j.id} ended ${j.status.stage}${j.status.message ? `: ${j.status.message}` : ""}`);
        }
        continue;
      }
      const error: unknown = result.reason;
      if (ctx.signal.aborted) throw error;
      if (error instanceof WaitTimeoutError) {
        // A timeout that fired before the first poll answered knows no stage: ask once.
        const job = error.job ?? (await ctx.client.inspect(ids[i] as string, { signal: ctx.signal }).catch(() => undefined));
        ctx.warn(`Job ${ids[i]} is still ${job?.status.stage ?? "unfinished"} after ${/^\d+$/.test(timeoutRaw ?? "") ? `${timeoutRaw}s` : timeoutRaw}`);
        if (job && !isTerminal(job)) finished.push(job);
      } else {
        ctx.warn(`${ids[i]}: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (code === EXIT.OK) code = exitCodeForError(error);
    }
    ctx.out.rows(finished, outcomeColumns(), { id: (j) => j.id, json: jobJson });
    return code;
  },
};

/** A metrics sample as printed by `stats`: the SDK's sample plus the job id. */
type StatsRow = MetricSample & { jobId: string };

const pct = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? "" : `${n.toFixed(1)}%`);

function statsColumns(): Column<StatsRow>[] {
  return [
    // Minimum widths keep streamed rows (rendered one at a time) aligned under the header.
    { header: "JOB ID", get: (r) => r.jobId, min: 24 },
    { header: "CPU %", get: (r) => pct(r.cpuUsagePct), min: 7 },
    { header: "NUM CPU", get: (r) => (r.cpuMillicores === undefined ? "" : String(r.cpuMillicores / 1000)) },
    { header: "MEM USAGE / LIMIT", get: (r) => `${bytes(r.memoryUsedBytes)} / ${bytes(r.memoryTotalBytes)}`, min: 21 },
    {
      header: "MEM %",
      get: (r) => (r.memoryUsedBytes !== undefined && r.memoryTotalBytes ? pct((100 * r.memoryUsedBytes) / r.memoryTotalBytes) : ""),
      min: 6,
    },
    { header: "NET RX / TX", get: (r) => `${bytes(r.rxBps)}ps / ${bytes(r.txBps)}ps`, min: 23 },
    { header: "GPU UTIL", get: (r) => (r.gpus ?? []).map((g) => pct(g.utilization)).join(" "), min: 8 },
    { header: "GPU MEM", get: (r) => (r.gpus ?? []).map((g) => `${bytes(g.memoryUsedBytes)} / ${bytes(g.memoryTotalBytes)}`).join(" ") },
  ];
}

/** `hf-jobs stats`: CPU, memory, network and GPU usage of jobs. */
export const statsCommand: CommandSpec = {
  kind: "command",
  name: "stats",
  summary: "Show CPU, memory, network and GPU usage of running jobs",
  usage: "hf-jobs stats [OPTIONS] [JOB_ID...]",
  description:
    "Streams one line per sample (about one a second) until the jobs end or Ctrl-C; --no-stream prints one sample per job and returns. Without ids, covers every running job.",
  optionsHelp: `Options:
      --no-stream             Print one sample per job and return`,
  examples: ["hf-jobs stats --no-stream", "hf-jobs stats --json $ID"],
  options: { "no-stream": { type: "boolean" } },
  async run(ctx, { values, positionals }) {
    const ids =
      positionals.length > 0
        ? positionals
        : (await ctx.client.list({ stage: "RUNNING", signal: ctx.signal }).toArray()).map((j) => `${j.namespace}/${j.id}`);
    if (ids.length === 0) {
      if (ctx.mode !== "json" && ctx.mode !== "quiet") ctx.info("No running jobs. Give job ids to watch others.");
      return EXIT.OK;
    }
    const once = flag(values, "no-stream");
    const columns = statsColumns();
    const print = (rows: StatsRow[], header: boolean) => {
      if (ctx.mode === "json") for (const r of rows) ctx.out.json(r);
      else if (ctx.mode === "quiet") for (const r of rows) ctx.out.line(r.jobId);
      else if (ctx.mode === "plain") {
        if (header) ctx.out.line(columns.map((c) => c.header).join("\t"));
        for (const r of rows) ctx.out.line(columns.map((c) => c.get(r)).join("\t"));
      } else {
        const lines = renderTable(rows, columns, ctx.out.layout);
        for (const line of header ? lines : lines.slice(1)) ctx.out.line(line);
      }
    };
    // On a terminal the table is redrawn in place: one row per job, its latest sample.
    const latest = new Map<string, StatsRow>();
    let drawn = 0;
    const redraw = () => {
      const lines = renderTable([...latest.values()], columns, ctx.out.layout);
      ctx.out.raw(`${drawn > 0 ? `\x1b[${drawn}A\x1b[J` : ""}${lines.join("\n")}\n`);
      drawn = lines.length;
    };
    const sampleOf = (ref: string, sample: MetricSample): StatsRow => ({ jobId: ref.split("/").pop() ?? ref, ...sample });
    if (once) {
      // One sample each, fetched side by side; a job that ends meanwhile is noticed within 2 s.
      const rows = await Promise.all(
        ids.map(async (ref) => {
          for await (const sample of ctx.client.metrics(ref, { signal: ctx.signal, statusCheckMs: 2000 })) return sampleOf(ref, sample);
          return undefined;
        }),
      );
      print(
        rows.filter((r): r is StatsRow => r !== undefined),
        true,
      );
      return EXIT.OK;
    }
    let header = true;
    await Promise.all(
      ids.map(async (ref) => {
        for await (const sample of ctx.client.metrics(ref, { signal: ctx.signal, statusCheckMs: 2000 })) {
          const row = sampleOf(ref, sample);
          if (ctx.mode === "table") {
            latest.set(row.jobId, row);
            redraw();
            continue;
          }
          print([row], header);
          header = false;
        }
      }),
    );
    return EXIT.OK;
  },
};
