/**
 * The schedule of a scheduled job: {@link validateSchedule} accepts the portable subset of cron
 * and the `@` aliases, and sends nothing.
 * @module
 */
import { ValidationError } from "../core/errors.js";

const ALIASES = ["@hourly", "@daily", "@weekly", "@monthly", "@yearly", "@annually"] as const;

interface CronField {
  name: string;
  min: number;
  max: number;
  names?: Readonly<Record<string, number>>;
  hint: string;
}

const MONTHS: Record<string, number> = {
  JAN: 1, FEB: 2, MAR: 3, APR: 4, MAY: 5, JUN: 6, JUL: 7, AUG: 8, SEP: 9, OCT: 10, NOV: 11, DEC: 12,
};
const WEEKDAYS: Record<string, number> = { SUN: 0, MON: 1, TUE: 2, WED: 3, THU: 4, FRI: 5, SAT: 6 };

const CRON_FIELDS: readonly CronField[] = [
  { name: "minute", min: 0, max: 59, hint: "0-59" },
  { name: "hour", min: 0, max: 23, hint: "0-23" },
  { name: "day of month", min: 1, max: 31, hint: "1-31" },
  { name: "month", min: 1, max: 12, names: MONTHS, hint: "1-12 or JAN-DEC" },
  // 7 is Sunday too, as in every common cron.
  { name: "day of week", min: 0, max: 7, names: WEEKDAYS, hint: "0-7 (0 and 7 are Sunday) or SUN-SAT" },
];

const SCHEDULE_HELP =
  "use @hourly, @daily, @weekly, @monthly, @yearly, @annually, or 5 cron fields: minute hour day-of-month month day-of-week (e.g. \"0 9 * * 1\")";

/**
 * Checks a schedule and returns it normalised (outer white space trimmed, fields separated by
 * one space, aliases lower-cased). Accepted: `@hourly`, `@daily`, `@weekly`, `@monthly`,
 * `@yearly`, `@annually`, or 5 cron fields (minute, hour, day of month, month, day of week).
 * Each field is a comma-separated list of items; an item is `*`, a value `a`, a range `a-b`,
 * or `*` or `a-b` followed by a step `/n`. Values: minute 0-59, hour 0-23, day of month 1-31,
 * month 1-12 or `JAN`-`DEC`, day of week 0-7 (0 and 7 are Sunday) or `SUN`-`SAT` (names in any
 * case). Rejected, because the service's parser is not documented and only the portable subset
 * is safe: seconds or year fields, `?`, `L`, `W`, `#`, steps after a single value (`5/15`),
 * backwards ranges. Throws a `ValidationError` (field `schedule`) naming the bad part; sends
 * nothing.
 *
 * ```ts
 * validateSchedule("0-59/15 9-17 * * MON-FRI"); // every 15 minutes in office hours
 * validateSchedule(" @Daily "); // "@daily"
 * validateSchedule("0 24 * * *"); // throws: hour "24" is out of range 0-23
 * ```
 */
export function validateSchedule(schedule: string): string {
  if (typeof schedule !== "string") throw new ValidationError("schedule", `expected a string; ${SCHEDULE_HELP}`);
  const trimmed = schedule.trim();
  if (trimmed === "") throw new ValidationError("schedule", `is empty; ${SCHEDULE_HELP}`);
  if (trimmed.length > 200) throw new ValidationError("schedule", "is longer than 200 characters");
  if (trimmed.startsWith("@")) {
    const alias = trimmed.toLowerCase();
    if ((ALIASES as readonly string[]).includes(alias)) return alias;
    throw new ValidationError("schedule", `"${trimmed}" is not a supported alias; ${SCHEDULE_HELP}`);
  }
  const fields = trimmed.split(/\s+/);
  if (fields.length !== CRON_FIELDS.length) {
    const extra = fields.length > 5 ? " (a seconds or year field is not supported)" : "";
    throw new ValidationError("schedule", `"${trimmed}" has ${fields.length} fields${extra}; ${SCHEDULE_HELP}`);
  }
  fields.forEach((text, i) => {
    const field = CRON_FIELDS[i];
    if (field) checkCronField(field, text, trimmed);
  });
  return fields.join(" ");
}

function checkCronField(field: CronField, text: string, schedule: string): void {
  const fail = (detail: string): never => {
    throw new ValidationError("schedule", `${field.name} ${detail} in "${schedule}" (allowed: ${field.hint})`);
  };
  for (const item of text.split(",")) {
    if (item === "") fail(`"${text}" has an empty list entry`);
    const parts = item.split("/");
    if (parts.length > 2) fail(`"${item}" has more than one step`);
    const [base = "", step] = parts;
    if (step !== undefined) {
      if (!/^\d+$/.test(step)) fail(`step "${step}" is not a whole number`);
      const n = Number(step);
      if (n < 1 || n > field.max) fail(`step "${step}" is out of range 1-${field.max}`);
    }
    if (base === "*") continue;
    const bounds = base.split("-");
    if (bounds.length > 2) fail(`"${base}" is not a value or a range a-b`);
    const [from = "", to] = bounds;
    const a = cronValue(field, from, fail);
    if (to === undefined) {
      if (step !== undefined) fail(`"${item}" steps from a single value; write "${base}-${field.max}/${step}" or "*/${step}"`);
      continue;
    }
    const b = cronValue(field, to, fail);
    if (a > b) fail(`range "${base}" runs backwards`);
  }
}

function cronValue(field: CronField, text: string, fail: (detail: string) => never): number {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n < field.min || n > field.max) fail(`"${text}" is out of range ${field.min}-${field.max}`);
    return n;
  }
  const named = field.names?.[text.toUpperCase()];
  return named ?? fail(`"${text}" is not a valid value`);
}
