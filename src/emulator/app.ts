/**
 * The emulator's shared state, handed to every route.
 * @module
 */
import type { Identity } from "./identity.js";
import type { JobStore } from "./jobs.js";
import type { MetricsHub } from "./metrics.js";
import type { ResolvedOptions } from "./options.js";
import type { Scheduler } from "./scheduler.js";

/** Everything routes need. */
export interface App {
  options: ResolvedOptions;
  identity: Identity;
  jobs: JobStore;
  scheduler: Scheduler;
  metrics: MetricsHub;
}
