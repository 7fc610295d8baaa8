import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ReplayCursor, WINDOW } from "../src/streams/replay-cursor.js";
import type { SseEvent } from "../src/streams/sse.js";

const STARTED: SseEvent = { data: JSON.stringify({ data: "===== Job started at x =====", timestamp: "2026-05-12T14:00:00Z" }) };
const ev = (text: string, second: number, ms = 0): SseEvent => ({
  data: JSON.stringify({ data: text, timestamp: new Date(Date.UTC(2026, 4, 12, 15, 0, second, ms)).toISOString() }),
});
const log = (n: number) => Array.from({ length: n }, (_, i) => ev(`line ${i + 1}`, i + 1));

/** Runs one connection: `query()`, `begin()`, then the events in batches of `size`, until a resync. */
function connect(
  cursor: ReplayCursor,
  events: SseEvent[],
  size = 2,
): { query: string | undefined; lines: string[]; resync: boolean } {
  const query = cursor.query()?.map(([k, v]) => `${k}=${v}`).join("&");
  cursor.begin();
  const lines: string[] = [];
  for (let i = 0; i < events.length && !cursor.resync; i += size) {
    lines.push(...cursor.take(events.slice(i, i + size)).map((l) => l.text));
  }
  return { query, lines, resync: cursor.resync };
}

/**
 * A model of the service: an append-only log; a connection replays it from the start (or its last
 * `tail` lines) after the `Job started` event.
 */
function served(logLines: SseEvent[], query: string | undefined): SseEvent[] {
  const tail = query === undefined ? undefined : Number(query.replace("tail=", ""));
  return [STARTED, ...(tail === undefined ? logLines : logLines.slice(Math.max(0, logLines.length - tail)))];
}

/**
 * Follows `logLines` with cuts after `cuts[k]` events on connection k; `appends[k]` lines are added
 * to the log after connection k (if another connection follows). Returns every line delivered, or
 * with `log`, also the log as it was at the last connection.
 */
function follow(logLines: SseEvent[], tail: number | undefined, cuts: number[], appends: SseEvent[][] = []): string[] {
  return run(logLines, tail, cuts, appends).lines;
}

function run(logLines: SseEvent[], tail: number | undefined, cuts: number[], appends: SseEvent[][]): { lines: string[]; log: SseEvent[] } {
  const cursor = new ReplayCursor(tail);
  const all = [...logLines];
  const out: string[] = [];
  for (let k = 0; k < 100; k++) {
    const q = cursor
      .query()
      ?.map(([a, b]) => `${a}=${b}`)
      .join("&");
    cursor.begin();
    const events = served(all, q);
    const cut = cuts[k] ?? events.length;
    const slice = events.slice(0, cut);
    for (let i = 0; i < slice.length && !cursor.resync; i += 7) out.push(...cursor.take(slice.slice(i, i + 7)).map((l) => l.text));
    if (k >= cuts.length && !cursor.resync) return { lines: out, log: all };
    all.push(...(appends[k] ?? []));
  }
  throw new Error("no end");
}

describe("ReplayCursor without tail", () => {
  it("counts events (Job started included) across several drops", () => {
    const cursor = new ReplayCursor(undefined);
    const full = [STARTED, ...log(9)];
    expect(connect(cursor, full.slice(0, 4))).toMatchObject({ query: undefined, lines: ["line 1", "line 2", "line 3"] });
    expect(connect(cursor, full.slice(0, 7)).lines).toEqual(["line 4", "line 5", "line 6"]);
    expect(connect(cursor, full.slice(0, 2)).lines).toEqual([]); // a short replay: nothing new
    expect(connect(cursor, full).lines).toEqual(["line 7", "line 8", "line 9"]);
  });

  it("counts non-JSON and empty events like the others", () => {
    const cursor = new ReplayCursor(undefined);
    const full: SseEvent[] = [STARTED, { data: "raw" }, { data: "" }, ev("json", 1), { data: "raw 2" }];
    expect(connect(cursor, full.slice(0, 3)).lines).toEqual(["raw"]);
    expect(connect(cursor, full).lines).toEqual(["json", "raw 2"]);
  });

  it("delivers 500 identical lines exactly once, cut at several points", () => {
    const same = Array.from({ length: 500 }, () => ev("same", 5));
    const lines = follow(same, undefined, [1, 2, 60, 61, 200, 499]);
    expect(lines).toHaveLength(500);
  });
});

describe("ReplayCursor with tail", () => {
  it("asks for the same tail again and skips what it delivered, checking it, when the log did not grow", () => {
    const cursor = new ReplayCursor(3);
    const full = log(10);
    expect(connect(cursor, [STARTED, ...full.slice(7, 8)])).toMatchObject({ query: "tail=3", lines: ["line 8"] });
    expect(connect(cursor, [STARTED, ...full.slice(7)])).toMatchObject({ query: "tail=3", lines: ["line 9", "line 10"] });
  });

  it("asks for tail again while no line has come", () => {
    const cursor = new ReplayCursor(5);
    expect(connect(cursor, [STARTED])).toMatchObject({ query: "tail=5", lines: [] });
    expect(connect(cursor, [STARTED, ev("x", 1)])).toMatchObject({ query: "tail=5", lines: ["x"] });
  });

  it("delivers 500 identical lines exactly once with tail, cut at several points (finished job)", () => {
    const same = Array.from({ length: 500 }, () => ev("same", 5));
    for (const tail of [1, 50, 499, 500, 1000]) {
      for (const cuts of [[2], [1, 1, 1], [10, 20, 30], [tail]]) {
        expect(follow(same, tail, cuts)).toHaveLength(Math.min(tail, 500));
      }
    }
  });

  it("identical lines between distinct ones, with tail and cuts: exactly the tail", () => {
    const mixed = [ev("a", 1), ...Array.from({ length: 300 }, () => ev("dot", 2)), ev("b", 3), ...Array.from({ length: 200 }, () => ev("dot", 3))];
    const texts = mixed.map((e) => (JSON.parse(e.data) as { data: string }).data);
    for (const tail of [100, 250, 450]) {
      expect(follow(mixed, tail, [3, 5, 40, 2])).toEqual(texts.slice(-tail));
    }
  });

  it("lines logged between the connections: the check fails, a full replay is lined up, nothing lost or repeated", () => {
    const full = log(20);
    const added = [ev("line 21", 21), ev("line 22", 22), ev("line 23", 23)];
    // tail=5 gives lines 16-20; cut after 3 of them; 3 lines are logged before the reconnection.
    const lines = follow(full, 5, [4], [added]);
    expect(lines).toEqual(["line 16", "line 17", "line 18", "line 19", "line 20", "line 21", "line 22", "line 23"]);
  });

  it("identical lines, then lines logged between the connections: the distinct tail lines up the replay", () => {
    const same = Array.from({ length: 200 }, () => ev("same", 5));
    const distinct = [...same.slice(0, 150), ...log(50)];
    const later = [ev("late 1", 100), ev("late 2", 101)];
    const lines = follow(distinct, 60, [30], [later]);
    expect(lines).toEqual([...Array.from({ length: 10 }, () => "same"), ...log(50).map((e) => (JSON.parse(e.data) as { data: string }).data), "late 1", "late 2"]);
  });

  it("all identical lines delivered, then lines logged between the connections: exact", () => {
    const same = Array.from({ length: 200 }, () => ev("same", 5));
    const later = [...Array.from({ length: 100 }, () => ev("same", 5, 1)), ev("other", 6)];
    // tail=50 of 200 copies, 20 delivered, then 101 lines logged: 30 + 101 remain.
    expect(follow(same, 50, [21], [later])).toHaveLength(151);
    // Cut at other points, including before any line and on the last copy.
    expect(follow(same, 50, [1, 5, 50], [[], [], later])).toHaveLength(151);
    expect(follow(same, 50, [51], [later])).toHaveLength(151);
  });

  it("a run of identical lines longer than the window after another line, then lines logged: exact", () => {
    const log100 = [ev("head", 1), ...Array.from({ length: 100 }, () => ev("dot", 2)), ev("tail", 3)];
    const added = [ev("late", 4)];
    // tail=102 gives everything; cut after head + 80 dots; a line is logged; 20 dots, tail, late remain.
    const lines = follow(log100, 102, [82], [added]);
    expect(lines).toEqual(["head", ...Array.from({ length: 100 }, () => "dot"), "tail", "late"]);
  });

  it("a full replay after a failed check skips up to the last WINDOW lines delivered, found in the replay", () => {
    const cursor = new ReplayCursor(2);
    const dup = ev("same", 5);
    const full = [ev("a", 1), dup, ev("b", 2), dup, dup, ev("c", 6), ev("d", 7)];
    expect(connect(cursor, [STARTED, dup, dup])).toMatchObject({ query: "tail=2", lines: ["same", "same"] });
    // The same tail now shows c and d: the check fails and asks for a full replay.
    expect(connect(cursor, [STARTED, ev("c", 6), ev("d", 7)])).toMatchObject({ query: "tail=2", lines: [], resync: true });
    // The full replay has `same` three times; only what follows the run of two is new.
    expect(connect(cursor, [STARTED, ...full])).toMatchObject({ query: undefined, lines: ["c", "d"] });
    // From there on, positions are absolute: plain counting.
    expect(connect(cursor, [STARTED, ...full, ev("e", 8)]).lines).toEqual(["e"]);
  });

  it("stops skipping at the first event stamped after the last line seen, if that line is not replayed", () => {
    const cursor = new ReplayCursor(1);
    expect(connect(cursor, [STARTED, ev("gone", 5)]).lines).toEqual(["gone"]);
    expect(connect(cursor, [STARTED, ev("new", 6)])).toMatchObject({ lines: [], resync: true });
    // The replay no longer contains it (e.g. a rotated log): later lines are still delivered.
    expect(connect(cursor, [STARTED, ev("old", 1), ev("new", 6), ev("newer", 7)]).lines).toEqual(["new", "newer"]);
  });

  it("keeps only the last WINDOW fingerprints, whatever the number of lines delivered", () => {
    const full = log(WINDOW * 4);
    const added = [ev("late", 999)];
    const lines = follow(full, WINDOW * 3, [WINDOW * 3], [added]);
    expect(lines).toEqual([...full.slice(WINDOW).map((e) => (JSON.parse(e.data) as { data: string }).data), "late"]);
  });
});

describe("ReplayCursor, any log", () => {
  const text = (e: SseEvent) => (JSON.parse(e.data) as { data: string }).data;
  /** A log of few distinct texts; `step` draws the gap in ms to the previous line (0: same millisecond). */
  const logOf = (texts: string[], gaps: number[], startMs = 0): SseEvent[] => {
    let ms = startMs;
    return texts.map((t, i) => {
      ms += gaps[i] ?? 0;
      return ev(t, 0, ms);
    });
  };
  const texts = (max: number) => fc.array(fc.constantFrom("a", "b", "c"), { minLength: 1, maxLength: max });
  const cuts = fc.array(fc.integer({ min: 2, max: 160 }), { minLength: 1, maxLength: 5 });

  it("nothing logged between connections: exactly the tail (or the whole log), however it is cut", () => {
    fc.assert(
      fc.property(texts(120), fc.array(fc.integer({ min: 0, max: 1 })), fc.option(fc.integer({ min: 1, max: 150 })), cuts, (t, gaps, tail, c) => {
        const full = logOf(t, gaps);
        const expected = (tail === null ? full : full.slice(Math.max(0, full.length - tail))).map(text);
        expect(follow(full, tail ?? undefined, c)).toEqual(expected);
      }),
      { numRuns: 400 },
    );
  });

  it("without tail: exact whatever is logged between connections", () => {
    fc.assert(
      fc.property(texts(80), cuts, fc.array(texts(15), { maxLength: 5 }), (t, c, added) => {
        const full = logOf(t, []);
        const { lines, log: last } = run(full, undefined, c, added.map((a) => logOf(a, [])));
        expect(lines).toEqual(last.map(text));
      }),
      { numRuns: 300 },
    );
  });

  it("with tail and lines logged between connections, every line in its own millisecond: exact", () => {
    fc.assert(
      fc.property(texts(80), fc.integer({ min: 1, max: 100 }), cuts, fc.array(texts(15), { maxLength: 5 }), (t, tail, c, added) => {
        const full = logOf(t, t.map(() => 1));
        let at = full.length + 1;
        const appends = added.map((a) => {
          const lines = logOf(a, a.map(() => 1), at);
          at += a.length + 1;
          return lines;
        });
        const { lines, log: last } = run(full, tail, c, appends);
        expect(lines).toEqual([...full.slice(Math.max(0, full.length - tail)), ...last.slice(full.length)].map(text));
      }),
      { numRuns: 300 },
    );
  });
});
