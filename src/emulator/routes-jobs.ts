/**
 * Routes under /api/jobs: create, list, inspect, cancel, labels, duplicate, logs, metrics, events.
 * @module
 */
import { JOB_STAGES } from "../wire/schemas.js";
import type { App } from "./app.js";
import { HttpError, MESSAGES } from "./errors.js";
import { type RequestContext, readJson, sendJson } from "./http.js";
import { type Job, jobToWire } from "./job.js";
import type { JobFilter } from "./jobs.js";
import { parseTail, serveLogs } from "./logs.js";
import { serveMetrics } from "./metrics.js";
import { serveEvents } from "./events.js";
import type { Route } from "./router.js";
import { cloneSpec, parseJobSpec, parseLabelsBody } from "./spec.js";

function findJob(app: App, ns: string, id: string): Job {
  const job = app.jobs.get(ns, id);
  if (!job) throw new HttpError(404, MESSAGES.jobNotFound);
  return job;
}

function encodeCursor(seq: number): string {
  return Buffer.from(`seq:${seq}`).toString("base64url");
}

function decodeCursor(raw: string | null): number | undefined {
  if (raw === null) return undefined;
  const match = /^seq:(\d+)$/.exec(Buffer.from(raw, "base64url").toString("utf8"));
  if (!match) throw new HttpError(400, "Invalid cursor");
  return Number(match[1]);
}

function parseFilter(url: URL): JobFilter {
  const stages = url.searchParams.getAll("stage");
  for (const stage of stages) {
    if (!(JOB_STAGES as readonly string[]).includes(stage)) {
      throw new HttpError(400, `Invalid stage filter "${stage}": expected one of ${JOB_STAGES.join(", ")}`);
    }
  }
  const labels = url.searchParams.getAll("label").map((l): [string, string | undefined] => {
    const eq = l.indexOf("=");
    return eq === -1 ? [l, undefined] : [l.slice(0, eq), l.slice(eq + 1)];
  });
  return { stages, labels };
}

function list(app: App, ctx: RequestContext, ns: string): void {
  const filter = parseFilter(ctx.url);
  const before = decodeCursor(ctx.url.searchParams.get("cursor"));
  const { items, more } = app.jobs.list(ns, filter, before, app.options.pageSize);
  const headers: Record<string, string> = {};
  const last = items[items.length - 1];
  if (more && last) {
    // Absolute URL keeping every filter, so that clients can follow it verbatim, as the Hub does.
    const next = new URL(ctx.url.pathname + ctx.url.search, ctx.origin);
    next.searchParams.set("cursor", encodeCursor(last.seq));
    headers.Link = `<${next.href}>; rel="next"`;
  }
  const now = new Date();
  sendJson(
    ctx,
    200,
    items.map((job) => jobToWire(job, now)),
    headers,
  );
}

/** The /api/jobs/{ns}... routes. */
export function jobRoutes(app: App): Route[] {
  const { options } = app;
  const streams = { keepAliveMs: options.keepAliveMs, keepOpen: options.keepStreamsOpen };
  return [
    {
      method: "POST",
      path: "/api/jobs/:ns",
      createsJob: true,
      handle: async (ctx, { ns }) => {
        const spec = parseJobSpec(await readJson(ctx), "job");
        const job = app.jobs.create(ns, spec, { stuck: ctx.faults.stuckInScheduling });
        sendJson(ctx, 200, jobToWire(job));
      },
    },
    { method: "GET", path: "/api/jobs/:ns", handle: (ctx, { ns }) => list(app, ctx, ns) },
    { method: "GET", path: "/api/jobs/:ns/:id", handle: (ctx, { ns, id }) => sendJson(ctx, 200, jobToWire(findJob(app, ns, id))) },
    {
      method: "POST",
      path: "/api/jobs/:ns/:id/cancel",
      handle: (ctx, { ns, id }) => {
        const job = findJob(app, ns, id);
        app.jobs.cancel(job);
        sendJson(ctx, 200, jobToWire(job));
      },
    },
    {
      method: "PUT",
      path: "/api/jobs/:ns/:id/labels",
      handle: async (ctx, { ns, id }) => {
        const job = findJob(app, ns, id);
        app.jobs.setLabels(job, parseLabelsBody(await readJson(ctx)));
        sendJson(ctx, 200, jobToWire(job));
      },
    },
    {
      method: "POST",
      path: "/api/jobs/:ns/:id/duplicate",
      createsJob: true,
      handle: (ctx, { ns, id }) => {
        const source = findJob(app, ns, id);
        const spec = cloneSpec(source.spec);
        spec.labels = { ...source.labels };
        const job = app.jobs.create(ns, spec, { initiator: { type: "duplicated-job", id: source.id }, stuck: ctx.faults.stuckInScheduling });
        sendJson(ctx, 200, jobToWire(job));
      },
    },
    {
      method: "GET",
      path: "/api/jobs/:ns/:id/logs",
      sse: true,
      handle: (ctx, { ns, id }) => {
        const job = findJob(app, ns, id);
        return serveLogs(ctx, job, parseTail(ctx.url), streams);
      },
    },
    {
      method: "GET",
      path: "/api/jobs/:ns/:id/metrics",
      sse: true,
      handle: (ctx, { ns, id }) => serveMetrics(ctx, findJob(app, ns, id), app.metrics, streams),
    },
    {
      method: "GET",
      path: "/api/jobs/:ns/:id/events",
      sse: true,
      handle: (ctx, { ns, id }) => serveEvents(ctx, findJob(app, ns, id), streams),
    },
  ];
}
