import { Cron } from "croner";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ValidationError, validateSchedule } from "../src/index.js";

/** Whether croner (a widely used cron parser) accepts a pattern: a second opinion on our validator. */
function cronerAccepts(pattern: string): boolean {
  try {
    new Cron(pattern, { paused: true }).stop();
    return true;
  } catch {
    return false;
  }
}

function rejection(schedule: unknown): ValidationError {
  try {
    validateSchedule(schedule as string);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error(`expected ${JSON.stringify(schedule)} to be rejected`);
}

describe("validateSchedule: accepted", () => {
  it.each([
    ["@hourly", "@hourly"],
    ["@daily", "@daily"],
    ["@weekly", "@weekly"],
    ["@monthly", "@monthly"],
    ["@yearly", "@yearly"],
    ["@annually", "@annually"],
    [" @Daily ", "@daily"],
    ["@HOURLY", "@hourly"],
    ["0 9 * * 1", "0 9 * * 1"],
    ["*/5 * * * *", "*/5 * * * *"],
    ["* * * * *", "* * * * *"],
    ["59 23 31 12 7", "59 23 31 12 7"],
    ["0 0 1 1 0", "0 0 1 1 0"],
    ["0 0 * * 0-7", "0 0 * * 0-7"],
    ["0 9 * * MON-FRI", "0 9 * * MON-FRI"],
    ["0 9 * * mon,wed,fri", "0 9 * * mon,wed,fri"],
    ["0 0 1 jan,Jul *", "0 0 1 jan,Jul *"],
    ["0 0 1 JAN-DEC/3 *", "0 0 1 JAN-DEC/3 *"],
    ["0-30/10 0-23/2 1-31/3 1-12/6 */2", "0-30/10 0-23/2 1-31/3 1-12/6 */2"],
    ["1,2,3 4,5 6-7,9 1 *", "1,2,3 4,5 6-7,9 1 *"],
    ["00 09 * * *", "00 09 * * *"],
    ["*/59 */23 */31 */12 */7", "*/59 */23 */31 */12 */7"],
    ["  0\t0  * *   *  ", "0 0 * * *"],
  ])("%j -> %j", (input, normalised) => {
    expect(validateSchedule(input)).toBe(normalised);
    expect(cronerAccepts(normalised)).toBe(true);
  });
});

describe("validateSchedule: rejected with a message naming the problem", () => {
  it.each([
    ["", /is empty/],
    ["   ", /is empty/],
    ["@reboot", /not a supported alias/],
    ["@every 5m", /not a supported alias/],
    ["@midnight", /not a supported alias/],
    ["* * * *", /has 4 fields/],
    ["* * * * * *", /has 6 fields \(a seconds or year field is not supported\)/],
    ["0 0 0 * * * *", /has 7 fields/],
    ["60 * * * *", /minute "60" is out of range 0-59/],
    ["* 24 * * *", /hour "24" is out of range 0-23/],
    ["* * 0 * *", /day of month "0" is out of range 1-31/],
    ["* * 32 * *", /day of month "32" is out of range 1-31/],
    ["* * * 0 *", /month "0" is out of range 1-12/],
    ["* * * 13 *", /month "13" is out of range 1-12/],
    ["* * * * 8", /day of week "8" is out of range 0-7/],
    ["* * * FOO *", /month "FOO" is not a valid value/],
    ["* * * JANUARY *", /month "JANUARY" is not a valid value/],
    ["* * * * MONDAY", /day of week "MONDAY" is not a valid value/],
    ["* * * MON *", /month "MON" is not a valid value/],
    ["* * * * JAN", /day of week "JAN" is not a valid value/],
    ["JAN * * * *", /minute "JAN" is not a valid value/],
    ["5-1 * * * *", /minute range "5-1" runs backwards/],
    ["* * * * FRI-MON", /day of week range "FRI-MON" runs backwards/],
    ["*/0 * * * *", /minute step "0" is out of range 1-59/],
    ["*/60 * * * *", /minute step "60" is out of range 1-59/],
    ["* * * * */8", /day of week step "8" is out of range 1-7/],
    ["*/a * * * *", /minute step "a" is not a whole number/],
    ["*/ * * * *", /minute step "" is not a whole number/],
    ["*/5/2 * * * *", /more than one step/],
    ["5/15 * * * *", /steps from a single value; write "5-59\/15" or "\*\/15"/],
    ["1,,2 * * * *", /minute "1,,2" has an empty list entry/],
    ["1, * * * *", /empty list entry/],
    [",1 * * * *", /empty list entry/],
    ["? * * * *", /minute "\?" is not a valid value/],
    ["0 0 L * *", /day of month "L" is not a valid value/],
    ["0 0 15W * *", /day of month "15W" is not a valid value/],
    ["0 0 * * 1#2", /day of week "1#2" is not a valid value/],
    ["-1 * * * *", /minute "" is not a valid value/],
    ["1-2-3 * * * *", /minute "1-2-3" is not a value or a range a-b/],
    ["1- * * * *", /minute "" is not a valid value/],
    ["+1 * * * *", /minute "\+1" is not a valid value/],
    ["1.5 * * * *", /minute "1.5" is not a valid value/],
    ["** * * * *", /minute "\*\*" is not a valid value/],
  ])("%j", (input, message) => {
    const error = rejection(input);
    expect(error.field).toBe("schedule");
    expect(error.message).toMatch(message);
  });

  it("quotes the whole schedule and the allowed values", () => {
    expect(rejection("0 24 * * *").message).toBe(
      'Invalid schedule: hour "24" is out of range 0-23 in "0 24 * * *" (allowed: 0-23)',
    );
  });

  it.each([[undefined], [null], [5], [["0", "9", "*", "*", "1"]]])("non-string %j", (input) => {
    expect(rejection(input).message).toMatch(/expected a string/);
  });

  it("rejects absurdly long input without parsing it", () => {
    expect(rejection(`0 0 * * ${"1,".repeat(200)}1`).message).toMatch(/longer than 200/);
  });
});

describe("validateSchedule agrees with croner", () => {
  const FIELDS: Array<[min: number, max: number, names: string[]]> = [
    [0, 59, []],
    [0, 23, []],
    [1, 31, []],
    [1, 12, ["JAN", "feb", "Jun", "DEC"]],
    [0, 7, ["SUN", "mon", "Wed", "SAT"]],
  ];

  // Valid by construction: the grammar the docs promise, which we must accept (and croner too).
  const validField = ([min, max]: [number, number, string[]]) => {
    const value = fc.integer({ min, max });
    const range = fc.tuple(value, value).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`);
    const step = fc.integer({ min: 1, max });
    const item = fc.oneof(
      value.map(String),
      fc.constant("*"),
      range,
      step.map((n) => `*/${n}`),
      fc.tuple(range, step).map(([r, n]) => `${r}/${n}`),
    );
    return fc.array(item, { minLength: 1, maxLength: 3 }).map((items) => items.join(","));
  };
  const validSchedule = fc.tuple(...FIELDS.map(validField)).map((fields) => fields.join(" "));

  it("accepts every schedule of the documented grammar, and so does croner", () => {
    fc.assert(
      fc.property(validSchedule, (s) => {
        expect(validateSchedule(s)).toBe(s);
        expect(cronerAccepts(s), s).toBe(true);
      }),
      { numRuns: 1000, seed: 5 },
    );
  });

  // Noisy: out-of-range numbers, names, junk, backwards ranges, bad steps.
  const noisyField = ([, max, names]: [number, number, string[]]) => {
    const token = fc.oneof(
      { weight: 8, arbitrary: fc.integer({ min: 0, max: max + 1 }).map(String) },
      { weight: 2, arbitrary: fc.constant("*") },
      { weight: 1, arbitrary: fc.constantFrom(...names, "L", "?", "", "x", "-1") },
    );
    const range = fc.tuple(token, token).map(([a, b]) => `${a}-${b}`);
    const item = fc.oneof(
      { weight: 6, arbitrary: token },
      { weight: 2, arbitrary: range },
      { weight: 2, arbitrary: fc.tuple(fc.oneof(token, range), fc.integer({ min: 0, max: max + 1 })).map(([a, n]) => `${a}/${n}`) },
    );
    return fc.array(item, { minLength: 1, maxLength: 2 }).map((items) => items.join(","));
  };
  const noisySchedule = fc.tuple(...FIELDS.map(noisyField)).map((fields) => fields.join(" "));

  it("everything we accept from noisy input, croner accepts too (we never send what a common parser rejects)", () => {
    let accepted = 0;
    let rejected = 0;
    fc.assert(
      fc.property(noisySchedule, (s) => {
        try {
          validateSchedule(s);
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          rejected++;
          return;
        }
        accepted++;
        expect(cronerAccepts(s), s).toBe(true);
      }),
      { numRuns: 5000, seed: 5 },
    );
    // Both branches must be exercised, or the property proves nothing.
    expect(accepted).toBeGreaterThan(100);
    expect(rejected).toBeGreaterThan(100);
  });

  it("always throws a ValidationError, never anything else, on arbitrary text", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (s) => {
        try {
          validateSchedule(s);
        } catch (error) {
          expect(error).toBeInstanceOf(ValidationError);
        }
      }),
      { numRuns: 2000, seed: 5 },
    );
  });
});
