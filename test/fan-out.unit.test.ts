/**
 * The pure parts of fanOut: grid / zip, the estimate arithmetic, the last-JSON-line helper and
 * the terminal table. No network.
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import { HfJobsError, JobFailedError, ValidationError } from "../src/core/errors.js";
import { NoJsonLineError, lastJsonLine, parseLastJsonLine } from "../src/fan-out/collect.js";
import { DEFAULT_JOB_TIMEOUT_SECONDS, costOf, estimate, formatUsd } from "../src/fan-out/cost.js";
import { formatDuration, formatParams, formatSummary } from "../src/fan-out/format.js";
import { grid, zip } from "../src/fan-out/params.js";
import { newSweepId } from "../src/fan-out/plan.js";
import type { FanOutItemResult, FanOutResult } from "../src/fan-out/types.js";
import type { Job } from "../src/types.js";

describe("grid", () => {
  it("is the cartesian product, the first key varying slowest", () => {
    const rows = grid({ lr: [1e-4, 3e-4], flavor: ["a10g-small", "l4x1"] });
    expect(rows).toEqual([
      { lr: 1e-4, flavor: "a10g-small" },
      { lr: 1e-4, flavor: "l4x1" },
      { lr: 3e-4, flavor: "a10g-small" },
      { lr: 3e-4, flavor: "l4x1" },
    ]);
    expectTypeOf(rows).toEqualTypeOf<Array<{ lr: 0.0001 | 0.0003; flavor: "a10g-small" | "l4x1" }>>();
  });

  it("has one empty row without axes and no row with an empty axis", () => {
    expect(grid({})).toEqual([{}]);
    expect(grid({ a: [1, 2], b: [] })).toEqual([]);
    expect(grid({ a: [1, 2, 3], b: ["x"], c: [true, false] })).toHaveLength(6);
  });

  it("rejects what is not an object of arrays", () => {
    expect(() => grid({ a: 1 } as unknown as Record<string, number[]>)).toThrow(ValidationError);
    expect(() => grid([1, 2] as unknown as Record<string, number[]>)).toThrow(ValidationError);
  });
});

describe("zip", () => {
  it("pairs the lists element by element", () => {
    expect(zip({ shard: [0, 1, 2], seed: [7, 8, 9] })).toEqual([
      { shard: 0, seed: 7 },
      { shard: 1, seed: 8 },
      { shard: 2, seed: 9 },
    ]);
    expect(zip({})).toEqual([]);
  });

  it("names the list whose length differs", () => {
    const error = (() => {
      try {
        zip({ a: [1, 2], b: [1] });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe("zip.b");
  });
});

describe("estimate", () => {
  const prices = new Map([
    ["a10g-small", 0.016667],
    ["cpu-basic", 0.000167],
  ]);

  it("prices each item's timeout, the service default when unset, and totals them", () => {
    const e = estimate(
      [
        { index: 0, flavor: "a10g-small", timeoutSeconds: 600 },
        { index: 1, flavor: "cpu-basic", timeoutSeconds: undefined },
      ],
      prices,
      2,
    );
    expect(e.items[1]).toMatchObject({ timeoutSeconds: DEFAULT_JOB_TIMEOUT_SECONDS, defaultTimeout: true });
    expect(e.worstCaseUsd).toBeCloseTo(10 * 0.016667 + 30 * 0.000167, 12);
    expect(e.worstCaseWithRetriesUsd).toBeCloseTo(3 * (10 * 0.016667 + 30 * 0.000167), 12);
    expect(e.unknownFlavors).toEqual([]);
  });

  it("adds $0.01/hour to the worst case of an item that exposes ports", () => {
    const e = estimate(
      [
        { index: 0, flavor: "cpu-basic", timeoutSeconds: 7200, exposesPorts: true },
        { index: 1, flavor: "cpu-basic", timeoutSeconds: 7200 },
      ],
      prices,
      1,
    );
    expect(e.items.map((i) => i.exposesPorts)).toEqual([true, false]);
    expect(e.items[0]?.worstCaseUsd).toBeCloseTo(120 * 0.000167 + 0.02, 12);
    expect(e.items[1]?.worstCaseUsd).toBeCloseTo(120 * 0.000167, 12);
    expect(e.worstCaseWithRetriesUsd).toBeCloseTo(2 * (240 * 0.000167 + 0.02), 12);
  });

  it("has no total when a flavor has no price", () => {
    const e = estimate([{ index: 0, flavor: "mystery", timeoutSeconds: 60 }], prices, 0);
    expect(e.worstCaseUsd).toBeUndefined();
    expect(e.unknownFlavors).toEqual(["mystery"]);
  });

  it("costs running seconds per minute", () => {
    expect(costOf(90, 0.02)).toBeCloseTo(0.03, 12);
    expect(formatUsd(0.03)).toBe("$0.0300");
    expect(formatUsd(12.5)).toBe("$12.50");
    expect(formatUsd(undefined)).toBe("?");
    expect(formatUsd(0)).toBe("$0.0000");
    expect(formatUsd(0.000003)).toBe("<$0.0001");
  });
});

describe("last JSON line", () => {
  it("takes the last line that parses as an object or array", () => {
    expect(parseLastJsonLine(['{"a": 1}', "progress 50%", '  {"a": 2}  ', "{broken", "42", "done"])).toEqual({ a: 2 });
    expect(parseLastJsonLine(["[1, 2]"])).toEqual([1, 2]);
    expect(parseLastJsonLine(["nothing", "true"])).toBeUndefined();
  });

  const job = { id: "0123456789abcdef01234567", namespace: "alice" } as Job;

  function source(lines: string[], seen: Array<{ ref: string; options: unknown }> = []) {
    return {
      async *logs(ref: string, options?: unknown) {
        seen.push({ ref, options });
        for (const text of lines) yield { text };
      },
    };
  }

  it("reads a snapshot of the job's logs with a short idle window and parses the last JSON line", async () => {
    const seen: Array<{ ref: string; options: unknown }> = [];
    const collect = lastJsonLine(source(['{"loss": 0.9}', '{"loss": 0.3}', "bye"], seen), { idleTimeoutMs: 250 });
    expect(await collect(job)).toEqual({ loss: 0.3 });
    expect(seen).toEqual([{ ref: "alice/0123456789abcdef01234567", options: { follow: false, signal: undefined, idleTimeoutMs: 250 } }]);
  });

  it("applies parse, and fails or answers undefined when no line is JSON", async () => {
    const parse = (value: unknown) => {
      if (typeof value !== "object" || value === null || !("loss" in value)) throw new Error("no loss");
      return value.loss;
    };
    expect(await lastJsonLine(source(['{"loss": 0.5}']), { parse })(job)).toBe(0.5);
    await expect(lastJsonLine(source(['{"acc": 1}']), { parse })(job)).rejects.toThrow("no loss");
    await expect(lastJsonLine(source(["plain"]))(job)).rejects.toBeInstanceOf(NoJsonLineError);
    // Part of the SDK's error tree, like every error it throws.
    await expect(lastJsonLine(source(["plain"]))(job)).rejects.toBeInstanceOf(HfJobsError);
    expect(new NoJsonLineError(job).name).toBe("NoJsonLineError");
    expect(await lastJsonLine(source(["plain"]), { required: false })(job)).toBeUndefined();
  });
});

describe("formatSummary", () => {
  function item(over: Partial<FanOutItemResult<{ lr: number }, unknown>>): FanOutItemResult<{ lr: number }, unknown> {
    return { index: 0, params: { lr: 0.1 }, outcome: "completed", ok: true, jobIds: ["a"], attempts: 1, runningSecs: 75, costUsd: 0.02, ...over };
  }

  const failed = new JobFailedError({
    id: "6a0f1c2e9b7d4a3f8e21c0d5",
    status: { stage: "ERROR", message: "Job failed with exit code: 1", exposeUrls: [] },
  } as unknown as Job);

  const sweep: FanOutResult<{ lr: number }, unknown> = {
    sweepId: "sweep-x",
    dryRun: false,
    plan: { sweepId: "sweep-x", items: [], estimate: { items: [], worstCaseUsd: 0, worstCaseWithRetriesUsd: 0, unknownFlavors: [] } },
    results: [
      item({ stage: "COMPLETED", value: { loss: 0.31 } }),
      item({ index: 1, params: { lr: 0.2 }, outcome: "failed", ok: false, stage: "ERROR", attempts: 2, error: failed }),
      item({ index: 2, params: { lr: 0.3 }, outcome: "not-started", ok: false, attempts: 0, jobIds: [], runningSecs: 0, costUsd: 0 }),
    ],
    summary: {
      sweepId: "sweep-x",
      total: 3,
      completed: 1,
      failed: 1,
      canceled: 0,
      skipped: 0,
      notStarted: 1,
      detached: 0,
      costUsd: 0.04,
      costComplete: true,
      runningSecs: 150,
      wallSeconds: 62,
      stoppedBy: "fail-fast",
    },
    toString: () => "",
  };

  it("renders a totals line and an aligned row per item", () => {
    const text = formatSummary(sweep);
    const lines = text.split("\n");
    expect(lines[0]).toBe(
      "Sweep sweep-x: 3 items, 1 completed, 1 failed, 0 canceled, 0 skipped, 1 not started · $0.0400 · wall 1m02s · stopped: fail-fast",
    );
    expect(lines[1]).toMatch(/^#\s+params\s+outcome\s+stage\s+tries\s+running\s+cost\s+value \/ error$/);
    expect(lines[2]).toMatch(/^0\s+lr=0\.1\s+completed\s+COMPLETED\s+1\s+1m15s\s+\$0\.0200\s+\{"loss":0\.31\}$/);
    // A failed job shows the service's message, not the id the row already implies.
    expect(lines[3]).toMatch(/^1\s+lr=0\.2\s+failed\s+ERROR\s+2\s+1m15s\s+\$0\.0200\s+Job failed with exit code: 1$/);
    expect(lines[4]).toMatch(/^2\s+lr=0\.3\s+not-started\s+0$/);
    // Columns line up.
    expect(lines[2]?.indexOf("completed")).toBe(lines[1]?.indexOf("outcome"));
  });

  it("cuts long cells and caps the rows", () => {
    const many = { ...sweep, results: Array.from({ length: 5 }, (_, i) => item({ index: i, params: { lr: i }, value: "x".repeat(100) })) };
    const text = formatSummary(many, { maxRows: 2, maxCellWidth: 10 });
    expect(text.split("\n")).toHaveLength(5);
    expect(text).toContain(` ${"x".repeat(19)}…`);
    expect(text).not.toContain("x".repeat(20));
    expect(text.endsWith("… 3 more")).toBe(true);
  });

  it("formats durations and params", () => {
    expect([formatDuration(4.25), formatDuration(42), formatDuration(75), formatDuration(3725)]).toEqual(["4.3s", "42s", "1m15s", "1h02m"]);
    expect(formatParams({ lr: 0.1, flavor: "l4x1", tags: ["a"] })).toBe('lr=0.1 flavor=l4x1 tags=["a"]');
    expect(formatParams("shard-3")).toBe("shard-3");
  });
});

describe("sweep ids", () => {
  it("are label-safe and unique", () => {
    const a = newSweepId(new Date("2026-01-02T03:04:05.678Z"));
    expect(a).toMatch(/^sweep-20260102t030405-[0-9a-f]{6}$/);
    expect(newSweepId()).not.toBe(newSweepId());
  });
});
