/**
 * Types that guide: checked by `tsc --noEmit` (tsconfig includes test/), so each
 * `@ts-expect-error` below fails the type check the day the line it covers compiles.
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import { toJob } from "../src/jobs/parse.js";
import type { Flavor, Job, JobStage, KnownFlavor, KnownJobStage, ListOptions, ReportedJobStage, RunSpec } from "../src/types.js";
import type { JobStream, JobStreamOptions, LogLine, LogStream, LogsOptions, MetricSample, MetricStream, MetricsOptions } from "../src/index.js";
import { jobWire } from "./fixtures/core/helpers.js";

const job = (stage: string): Job => toJob(jobWire({ status: { stage } }) as Parameters<typeof toJob>[0], "https://hub.test", "alice");

describe("stage types", () => {
  it("job.status.stage is the closed union of known stages plus UNKNOWN", () => {
    expectTypeOf<Job["status"]["stage"]>().toEqualTypeOf<ReportedJobStage>();
    expectTypeOf<ReportedJobStage>().toEqualTypeOf<KnownJobStage | "UNKNOWN">();
  });

  it("a misspelt stage comparison does not compile; a right one does", () => {
    const j = job("COMPLETED");
    // @ts-expect-error "COMPLETE" is not a stage: the comparison can never be true.
    const misspelt = j.status.stage === "COMPLETE";
    // @ts-expect-error the same, written the other way round.
    const reversed = "RUNING" === j.status.stage;
    expect([misspelt, reversed]).toEqual([false, false]);
    expect(j.status.stage === "COMPLETED").toBe(true);
  });

  it("a stage added by the service later still parses, as UNKNOWN with its name kept", () => {
    const j = job("PAUSED");
    expect(j.status.stage).toBe("UNKNOWN");
    expect(j.status.rawStage).toBe("PAUSED");
  });

  it("stage inputs autocomplete the known names and stay open to new ones", () => {
    expectTypeOf<KnownJobStage>().toExtend<JobStage>();
    expectTypeOf<"PAUSED">().toExtend<JobStage>();
    expectTypeOf<"RUNNING">().toExtend<NonNullable<ListOptions["stage"]>>();
  });
});

describe("flavor types", () => {
  it("RunSpec.flavor offers the known names and accepts new ones", () => {
    expectTypeOf<Exclude<RunSpec["flavor"], undefined>>().toEqualTypeOf<Flavor>();
    expectTypeOf<"a10g-small">().toExtend<KnownFlavor>();
    expectTypeOf<"b300x8">().toExtend<Flavor>();
    // An open type cannot reject a typo: "a10g-smal" is not a known flavor, only autocompletion shows it.
    expectTypeOf<"a10g-smal">().not.toExtend<KnownFlavor>();
    const spec: RunSpec = { image: "python:3.12", flavor: "a10g-smal" };
    expect(spec.flavor).toBe("a10g-smal");
  });
});

describe("stream types", () => {
  it("logs() and metrics() share their stream options and their stream shape", () => {
    expectTypeOf<LogsOptions>().toExtend<JobStreamOptions>();
    expectTypeOf<MetricsOptions>().toExtend<JobStreamOptions>();
    expectTypeOf<LogStream>().toExtend<JobStream<LogLine>>();
    expectTypeOf<MetricStream>().toExtend<JobStream<MetricSample>>();
    expectTypeOf<JobStreamOptions["deadConnectionMs"]>().toEqualTypeOf<number | undefined>();
    // @ts-expect-error a log stream yields lines, not metric samples
    expectTypeOf<LogStream>().toExtend<JobStream<MetricSample>>();
  });
});
