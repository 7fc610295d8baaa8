/**
 * Routes under /api/scheduled-jobs: create, list, inspect, delete, suspend, resume, run, labels.
 * @module
 */
import type { App } from "./app.js";
import { readJson, sendJson } from "./http.js";
import { jobToWire } from "./job.js";
import type { Route } from "./router.js";
import { parseLabelsBody } from "./spec.js";

/** The /api/scheduled-jobs/{ns}... routes. */
export function scheduledRoutes(app: App): Route[] {
  const { scheduler } = app;
  return [
    {
      method: "POST",
      path: "/api/scheduled-jobs/:ns",
      handle: async (ctx, { ns }) => sendJson(ctx, 200, scheduler.toWire(scheduler.create(ns, await readJson(ctx)))),
    },
    { method: "GET", path: "/api/scheduled-jobs/:ns", handle: (ctx, { ns }) => sendJson(ctx, 200, scheduler.list(ns).map((sj) => scheduler.toWire(sj))) },
    { method: "GET", path: "/api/scheduled-jobs/:ns/:id", handle: (ctx, { ns, id }) => sendJson(ctx, 200, scheduler.toWire(scheduler.get(ns, id))) },
    {
      method: "DELETE",
      path: "/api/scheduled-jobs/:ns/:id",
      handle: (ctx, { ns, id }) => {
        const sj = scheduler.get(ns, id);
        scheduler.delete(sj);
        sendJson(ctx, 200, scheduler.toWire(sj));
      },
    },
    {
      method: "POST",
      path: "/api/scheduled-jobs/:ns/:id/suspend",
      handle: (ctx, { ns, id }) => {
        const sj = scheduler.get(ns, id);
        scheduler.setSuspended(sj, true);
        sendJson(ctx, 200, scheduler.toWire(sj));
      },
    },
    {
      method: "POST",
      path: "/api/scheduled-jobs/:ns/:id/resume",
      handle: (ctx, { ns, id }) => {
        const sj = scheduler.get(ns, id);
        scheduler.setSuspended(sj, false);
        sendJson(ctx, 200, scheduler.toWire(sj));
      },
    },
    {
      method: "POST",
      path: "/api/scheduled-jobs/:ns/:id/run",
      createsJob: true,
      handle: (ctx, { ns, id }) => sendJson(ctx, 200, jobToWire(scheduler.trigger(scheduler.get(ns, id), ctx.faults.stuckInScheduling))),
    },
    {
      method: "PUT",
      path: "/api/scheduled-jobs/:ns/:id/labels",
      handle: async (ctx, { ns, id }) => {
        const sj = scheduler.get(ns, id);
        scheduler.setLabels(sj, parseLabelsBody(await readJson(ctx)));
        sendJson(ctx, 200, scheduler.toWire(sj));
      },
    },
  ];
}
