import { inspect } from "node:util";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { timestampMs, toLogLine } from "../src/streams/log-line.js";

const plain = (data: string) => {
  const line = toLogLine(data);
  return line && { text: line.text, timestamp: line.timestamp };
};

describe("toLogLine", () => {
  it("reads the service's JSON events", () => {
    expect(plain('{"data":"Build and upload completed successfully.","timestamp":"2026-05-12T14:58:25.162Z"}')).toEqual({
      text: "Build and upload completed successfully.",
      timestamp: new Date("2026-05-12T14:58:25.162Z"),
    });
    expect(plain('{"data":"x","timestamp":"2026-05-12T14:57:43Z"}')?.timestamp?.toISOString()).toBe("2026-05-12T14:57:43.000Z");
  });

  it("handles escapes, other key orders, extra keys and a missing or bad timestamp like JSON.parse", () => {
    expect(plain('{"data":"a \\"quoted\\" \\u00e9\\n","timestamp":"2026-05-12T14:58:25Z"}')).toEqual({
      text: 'a "quoted" \u00e9\n',
      timestamp: new Date("2026-05-12T14:58:25Z"),
    });
    expect(plain('{"timestamp":"2026-05-12T14:58:25Z","data":"reordered"}')?.text).toBe("reordered");
    expect(plain('{"data":"extra","timestamp":"2026-05-12T14:58:25Z","level":"info"}')?.text).toBe("extra");
    expect(plain('{"data":"no time"}')).toEqual({ text: "no time", timestamp: undefined });
    expect(plain('{"data":"bad time","timestamp":"yesterday"}')).toEqual({ text: "bad time", timestamp: undefined });
    expect(plain('{"data":"null time","timestamp":null}')).toEqual({ text: "null time", timestamp: undefined });
    expect(plain('{"data":"","timestamp":"2026-05-12T14:58:25Z"}')?.text).toBe("");
  });

  it("yields data that is not a JSON log event as raw text", () => {
    expect(plain("plain text")).toEqual({ text: "plain text", timestamp: undefined });
    expect(plain("{not json")).toEqual({ text: "{not json", timestamp: undefined });
    expect(plain('{"message":"no data key"}')).toEqual({ text: '{"message":"no data key"}', timestamp: undefined });
    expect(plain('{"data":42}')).toEqual({ text: '{"data":42}', timestamp: undefined });
    expect(plain("null")).toEqual({ text: "null", timestamp: undefined });
    expect(toLogLine("")).toBeUndefined();
  });

  it("gives the same line as JSON.parse for any text and timestamp (property)", () => {
    const stamp = fc.oneof(
      fc.date({ min: new Date("1970-01-01"), max: new Date("2100-01-01"), noInvalidDate: true }).map((d) => d.toISOString()),
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString().replace(".000Z", "Z")),
      fc.string(),
    );
    fc.assert(
      fc.property(fc.string({ unit: "grapheme-composite" }), stamp, (text, timestamp) => {
        const data = JSON.stringify({ data: text, timestamp });
        const line = toLogLine(data);
        const date = new Date(timestamp);
        expect(line?.text).toBe(text);
        expect(line?.timestamp?.getTime()).toBe(Number.isNaN(date.getTime()) ? undefined : date.getTime());
      }),
      { numRuns: 2000 },
    );
  });

  it("parses the timestamp once, on first access, and lets it be replaced", () => {
    const line = toLogLine('{"data":"x","timestamp":"2026-05-12T14:58:25.162Z"}');
    if (!line) throw new Error("no line");
    const first = line.timestamp;
    expect(line.timestamp).toBe(first); // cached: the same Date
    line.timestamp = undefined;
    expect(line.timestamp).toBeUndefined();
  });

  it("serialises and prints both fields", () => {
    const line = toLogLine('{"data":"x","timestamp":"2026-05-12T14:58:25.162Z"}');
    expect(JSON.parse(JSON.stringify(line))).toEqual({ text: "x", timestamp: "2026-05-12T14:58:25.162Z" });
    expect(inspect(line)).toContain("2026-05-12T14:58:25.162Z");
  });

  it("reads timestamps exactly as Date.parse does, in any order (property)", () => {
    const digits = (n: number) => fc.array(fc.constantFrom(..."0123456789"), { minLength: n, maxLength: n }).map((d) => d.join(""));
    // The service's form, with every field anything from 00 to 99 (out-of-range values included)
    const iso = fc
      .tuple(digits(4), digits(2), digits(2), digits(2), digits(2), digits(2), fc.option(digits(1).chain(() => fc.nat(12)).chain((k) => digits(k))))
      .map(([y, mo, d, h, mi, s, frac]) => `${y}-${mo}-${d}T${h}:${mi}:${s}${frac === null ? "" : `.${frac}`}Z`);
    // The same, near a real instant, so that most values are valid and minutes repeat
    const near = fc
      .tuple(fc.integer({ min: 1_700_000_000_000, max: 1_700_000_600_000 }), fc.nat(9), fc.boolean())
      .map(([ms, extra, whole]) => {
        const text = new Date(ms).toISOString();
        return whole ? `${text.slice(0, 19)}Z` : text.replace("Z", `${"7".repeat(extra)}Z`);
      });
    // One character of either replaced by anything
    const mutated = fc
      .tuple(fc.oneof(iso, near), fc.nat(40), fc.string({ minLength: 0, maxLength: 2 }))
      .map(([text, at, other]) => text.slice(0, at % (text.length + 1)) + other + text.slice((at % (text.length + 1)) + 1));
    fc.assert(
      fc.property(fc.array(fc.oneof(iso, near, near, mutated, fc.string()), { maxLength: 20 }), (texts) => {
        for (const text of texts) expect(Object.is(timestampMs(text), Date.parse(text)), text).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});
