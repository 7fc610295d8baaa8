/**
 * Argument parsing on `node:util` `parseArgs`, plus the one rule `parseArgs` cannot express:
 * which tokens are ours and which belong to the job's argv.
 *
 * The rule (the one of Python's `hf jobs`): our options are read anywhere before a `--`, after
 * the image or script too (`hf-jobs uv run train.py --flavor a10g-small` picks the flavor).
 * The command's leading positionals (the image of `run`, the script of `uv run`, the schedule
 * and image of `scheduled run`) are ours; every other token is the job's, in order, unknown
 * options included (`python -c ...`). The first `--` ends our options: what follows it fills
 * the leading positionals still missing, then goes to the job verbatim (a later `--` too).
 * @module
 */
import { parseArgs } from "node:util";
import { UsageError } from "./exit.js";
import { didYouMean } from "./suggest.js";

/** One option, as `parseArgs` takes it. */
export interface OptionDef {
  type: "string" | "boolean";
  short?: string;
  multiple?: boolean;
}

/** Options of a command, by long name. */
export type OptionDefs = Record<string, OptionDef>;

/** Values of parsed options: a string, a boolean, or a list when `multiple`. */
export type OptionValues = Record<string, string | boolean | Array<string | boolean> | undefined>;

/** The result of {@link parseCommandArgs}. */
export interface ParsedArgs {
  /** Our options. */
  values: OptionValues;
  /** Our positionals (the image, the script, ids, ...). */
  positionals: string[];
  /** The job's argv: everything after the leading positionals, unchanged. */
  rest: string[];
  /** Names of the options given, in command-line order (for `--x` / `--no-x` pairs). */
  given: string[];
}

/** The split of an argv between our part and the job's part. */
export interface Split {
  /** Tokens for `parseArgs` (our options and positionals). */
  head: string[];
  /** Leading positionals that came after a `--` separator (they may start with `-`). */
  forced: string[];
  /** The job's argv. */
  rest: string[];
}

/** Options every command accepts. */
export const GLOBAL_OPTIONS = {
  token: { type: "string" },
  endpoint: { type: "string" },
  namespace: { type: "string" },
  verbose: { type: "boolean" },
  quiet: { type: "boolean", short: "q" },
  json: { type: "boolean" },
  format: { type: "string" },
  "no-truncate": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const satisfies OptionDefs;

/**
 * Splits argv into our tokens and the job's. `lead` is how many positionals are ours
 * (`Infinity`: the command has no job argv, every token is ours).
 */
export function splitArgs(argv: readonly string[], options: OptionDefs, lead: number): Split {
  const shorts = new Map<string, OptionDef>();
  for (const def of Object.values(options)) if (def.short) shorts.set(def.short, def);
  const head: string[] = [];
  const rest: string[] = [];
  let forced: string[] = [];
  let positionals = 0;
  let i = 0;
  while (i < argv.length) {
    const token = argv[i++] as string;
    if (token === "--") {
      const after = argv.slice(i);
      const take = Number.isFinite(lead) ? Math.max(0, lead - positionals) : after.length;
      forced = after.slice(0, take);
      rest.push(...after.slice(take));
      break;
    }
    const isOption = token.startsWith("-") && token.length > 1;
    // Before the leading positionals are complete every token is ours (parseArgs reports the
    // unknown options); after them, only our known options are.
    if (positionals >= lead && !(isOption && isOurs(token, options, shorts))) {
      rest.push(token);
      continue;
    }
    head.push(token);
    if (!isOption) {
      positionals += 1;
    } else if (token.startsWith("--")) {
      // `--name value`: the value is the next token, whatever it looks like (as parseArgs does).
      if (options[token.slice(2)]?.type === "string" && i < argv.length) head.push(argv[i++] as string);
    } else if (takesNextValue(token, shorts) && i < argv.length) {
      head.push(argv[i++] as string);
    }
  }
  return { head, forced, rest };
}

/** Whether an option token (`--flavor`, `--flavor=x`, `-d`, `-eA=1`, `-dq`) is one of ours. */
function isOurs(token: string, options: OptionDefs, shorts: Map<string, OptionDef>): boolean {
  if (token.startsWith("--")) return Object.hasOwn(options, token.slice(2).split("=")[0] as string);
  for (let j = 1; j < token.length; j++) {
    const def = shorts.get(token[j] as string);
    if (!def) return false;
    if (def.type === "string") return true; // the rest of the token is its value
  }
  return true;
}

/** Whether a short-option token (`-e`, `-dq`, `-eA=1`) ends with a string option awaiting its value. */
function takesNextValue(token: string, shorts: Map<string, OptionDef>): boolean {
  for (let j = 1; j < token.length; j++) {
    const def = shorts.get(token[j] as string);
    if (!def) return false; // parseArgs reports the unknown option
    if (def.type === "string") return j === token.length - 1;
  }
  return false;
}

/** Splits and parses a command's argv; parse errors become a {@link UsageError}. */
export function parseCommandArgs(argv: readonly string[], options: OptionDefs, lead: number): ParsedArgs {
  const { head, forced, rest } = splitArgs(argv, options, lead);
  const tokens = forced.length > 0 ? [...head, "--", ...forced] : head;
  try {
    const { values, positionals, tokens: parsed } = parseArgs({ args: tokens, options, allowPositionals: true, strict: true, tokens: true });
    const given = parsed.flatMap((t) => (t.kind === "option" ? [t.name] : []));
    return { values: values as OptionValues, positionals, rest, given };
  } catch (error) {
    throw new UsageError(parseErrorMessage(error, options));
  }
}

/** `parseArgs` messages are long and suggest `--` in ways that do not apply here: keep the gist. */
function parseErrorMessage(error: unknown, options: OptionDefs): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string }).code;
  // parseArgs names an option as '-n, --name <value>': keep the long name.
  const flags = (/'(-[^']*)'/.exec(message)?.[1] ?? "").split(/[ ,]+/).filter((p) => p.startsWith("-"));
  const option = flags.find((p) => p.startsWith("--")) ?? flags[0];
  if (option) {
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
      const names = Object.keys(options).map((name) => `--${name}`);
      return `unknown option ${option}${option.startsWith("--") ? didYouMean(option.split("=")[0] as string, names) : ""}`;
    }
    if (/argument missing/.test(message)) return `option ${option} needs a value`;
    if (/ambiguous/.test(message)) return `the value of ${option} starts with "-"; write it as ${option}=VALUE`;
    if (/does not take an argument/.test(message)) return `option ${option} takes no value`;
  }
  return message.split(/\.\s/)[0] ?? message;
}

/** A string option's value (the last one if repeated). */
export function str(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  if (Array.isArray(value)) {
    const last = value.at(-1);
    return typeof last === "string" ? last : undefined;
  }
  return typeof value === "string" ? value : undefined;
}

/** A repeatable string option's values, in order. */
export function list(values: OptionValues, name: string): string[] {
  const value = values[name];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === "string");
}

/** A boolean option. */
export function flag(values: OptionValues, name: string): boolean {
  return values[name] === true;
}

/** Values of a repeatable option, each also split on commas (`--status a,b --status c`). */
export function csv(values: OptionValues, name: string): string[] {
  return list(values, name)
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter((v) => v !== "");
}

/** A non-negative integer option. */
export function int(values: OptionValues, name: string): number | undefined {
  const raw = str(values, name);
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw.trim())) throw new UsageError(`--${name} expects a whole number, got "${raw}"`);
  return Number(raw);
}
