/**
 * Argument parsing on `node:util` `parseArgs`, plus the one rule `parseArgs` cannot express:
 * where our options stop and the job's argv begins.
 *
 * The rule: our options are read until the command's last leading positional (the image of
 * `run`, the script of `uv run`, the schedule and image of `scheduled run`). Everything after it
 * belongs to the job, unchanged, whatever it looks like (`-c`, `-q`, `--json`, `--`). The first
 * `--` is a separator when it comes before that positional (ending our options) or right after
 * it (then it is dropped); any later `--` is the job's.
 * @module
 */
import { parseArgs } from "node:util";
import { UsageError } from "./exit.js";

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
  help: { type: "boolean", short: "h" },
} as const satisfies OptionDefs;

/**
 * Splits argv at the job boundary. `lead` is how many positionals are ours before the job's
 * argv starts (`Infinity`: the command has no job argv, every token is ours). `dropSeparator`
 * false keeps a `--` that follows the last positional (command names: the command decides).
 */
export function splitArgs(argv: readonly string[], options: OptionDefs, lead: number, dropSeparator = true): Split {
  const shorts = new Map<string, OptionDef>();
  for (const def of Object.values(options)) if (def.short) shorts.set(def.short, def);
  const head: string[] = [];
  let forced: string[] = [];
  let positionals = 0;
  let separated = false;
  let i = 0;
  while (i < argv.length && positionals < lead) {
    const token = argv[i] as string;
    if (token === "--") {
      separated = true;
      const take = Number.isFinite(lead) ? lead - positionals : argv.length;
      forced = argv.slice(i + 1, i + 1 + take);
      positionals += forced.length;
      i += 1 + forced.length;
      break;
    }
    i += 1;
    if (token.startsWith("--")) {
      head.push(token);
      const def = options[token.slice(2)];
      // `--name value`: the value is the next token, whatever it looks like (as parseArgs does).
      if (def?.type === "string" && !token.includes("=") && i < argv.length) head.push(argv[i++] as string);
    } else if (token.startsWith("-") && token.length > 1) {
      head.push(token);
      if (takesNextValue(token, shorts) && i < argv.length) head.push(argv[i++] as string);
    } else {
      head.push(token);
      positionals += 1;
    }
  }
  const rest = argv.slice(i);
  if (dropSeparator && !separated && Number.isFinite(lead) && rest[0] === "--") rest.shift();
  return { head, forced, rest };
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
    const { values, positionals } = parseArgs({ args: tokens, options, allowPositionals: true, strict: true });
    return { values: values as OptionValues, positionals, rest };
  } catch (error) {
    throw new UsageError(parseErrorMessage(error));
  }
}

/** `parseArgs` messages are long and suggest `--` in ways that do not apply here: keep the gist. */
function parseErrorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string }).code;
  // parseArgs names an option as '-n, --name <value>': keep the long name.
  const flags = (/'(-[^']*)'/.exec(message)?.[1] ?? "").split(/[ ,]+/).filter((p) => p.startsWith("-"));
  const option = flags.find((p) => p.startsWith("--")) ?? flags[0];
  if (option) {
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") return `unknown option ${option}`;
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
