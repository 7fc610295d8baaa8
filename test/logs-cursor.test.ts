import { describe, expect, it } from "vitest";
import type { SseEvent } from "../src/streams/sse.js";
import { ReplayCursor } from "../src/streams/logs.js";

const STARTED: SseEvent = { data: JSON.stringify({ data: "===== Job started at x =====", timestamp: "2026-05-12T14:00:00Z" }) };
const ev = (text: string, second: number): SseEvent => ({
  data: JSON.stringify({ data: text, timestamp: new Date(Date.UTC(2026, 4, 12, 15, 0, second)).toISOString() }),
});
const log = (n: number) => Array.from({ length: n }, (_, i) => ev(`line ${i + 1}`, i + 1));

/** Runs one connection: `query()`, `begin()`, then the events in batches of `size`. */
function connect(cursor: ReplayCursor, events: SseEvent[], size = 2): { query: string | undefined; lines: string[] } {
  const query = cursor.query()?.map(([k, v]) => `${k}=${v}`).join("&");
  cursor.begin();
  const lines: string[] = [];
  for (let i = 0; i < events.length; i += size) lines.push(...cursor.take(events.slice(i, i + size)).map((l) => l.text));
  return { query, lines };
}

describe("ReplayCursor", () => {
  it("counts events (Job started included) across several drops", () => {
    const cursor = new ReplayCursor(undefined);
    const full = [STARTED, ...log(9)];
    expect(connect(cursor, full.slice(0, 4))).toEqual({ query: undefined, lines: ["line 1", "line 2", "line 3"] });
    expect(connect(cursor, full.slice(0, 7)).lines).toEqual(["line 4", "line 5", "line 6"]);
    expect(connect(cursor, full.slice(0, 2)).lines).toEqual([]); // a short replay: nothing new
    expect(connect(cursor, full).lines).toEqual(["line 7", "line 8", "line 9"]);
  });

  it("anchors a replay after a tail connection on the last line seen, duplicates included", () => {
    const cursor = new ReplayCursor(2);
    const dup = ev("same", 5);
    const full = [STARTED, ev("a", 1), dup, ev("b", 2), dup, dup, ev("c", 6), ev("d", 7)];
    // tail=2 shows the two last lines at that time: the repeated `same`.
    expect(connect(cursor, [STARTED, dup, dup])).toEqual({ query: "tail=2", lines: ["same", "same"] });
    // The full replay has `same` three times; only what follows the run of two is new.
    expect(connect(cursor, full)).toEqual({ query: undefined, lines: ["c", "d"] });
    // From there on, positions are absolute: plain counting.
    expect(connect(cursor, [...full, ev("e", 8)]).lines).toEqual(["e"]);
  });

  it("stops skipping at the first event stamped after the last line seen, if that line is not replayed", () => {
    const cursor = new ReplayCursor(1);
    expect(connect(cursor, [STARTED, ev("gone", 5)]).lines).toEqual(["gone"]);
    // The replay no longer contains it (e.g. a rotated log): later lines are still delivered.
    expect(connect(cursor, [STARTED, ev("old", 1), ev("new", 6), ev("newer", 7)]).lines).toEqual(["new", "newer"]);
  });

  it("asks for tail again while no line could anchor a replay", () => {
    const cursor = new ReplayCursor(5);
    expect(connect(cursor, [STARTED])).toEqual({ query: "tail=5", lines: [] });
    expect(connect(cursor, [STARTED, ev("x", 1)])).toEqual({ query: "tail=5", lines: ["x"] });
    expect(connect(cursor, [STARTED, ev("x", 1), ev("y", 2)])).toEqual({ query: undefined, lines: ["y"] });
  });

  it("counts non-JSON and empty events like the others", () => {
    const cursor = new ReplayCursor(undefined);
    const full: SseEvent[] = [STARTED, { data: "raw" }, { data: "" }, ev("json", 1), { data: "raw 2" }];
    expect(connect(cursor, full.slice(0, 3)).lines).toEqual(["raw"]);
    expect(connect(cursor, full).lines).toEqual(["json", "raw 2"]);
  });
});
