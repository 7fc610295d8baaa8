/**
 * `-e/--env`, `-s/--secrets`, `--env-file`, `--secrets-file`. Files are read
 * first and the flags override them, in command-line order. A bare `KEY` takes the local value;
 * for secrets, `HF_TOKEN` is the token the CLI itself uses (`--token` or the SDK's discovery),
 * so `-s HF_TOKEN` forwards it. A token never travels as a plain env variable.
 * @module
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { UsageError } from "./exit.js";

/** One `KEY=VALUE` (or a bare `KEY`, `value` undefined). */
export interface Assignment {
  key: string;
  value: string | undefined;
  /** Line number, for an assignment read from a file. */
  line?: number;
}

const KEY_RE = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** Parses `KEY=VALUE` or a bare `KEY` from the command line. The value may hold `=` or be empty. */
export function parseAssignment(text: string, flagName: string): Assignment {
  const eq = text.indexOf("=");
  const key = eq === -1 ? text : text.slice(0, eq);
  if (!KEY_RE.test(key)) throw new UsageError(`${flagName} expects KEY=VALUE or KEY, got "${eq === -1 ? text : `${key}=...`}"`);
  return { key, value: eq === -1 ? undefined : text.slice(eq + 1) };
}

/**
 * Parses dotenv text: `KEY=VALUE` lines, `export ` prefixes, `#` comments (whole lines, or after
 * white space in an unquoted value), single quotes (literal), double quotes (with `\n`, `\t`,
 * `\"`, `\\` escapes; both may span lines) and bare `KEY` lines (local value). `origin` names the
 * file in errors.
 */
export function parseDotenv(text: string, origin: string): Assignment[] {
  const out: Assignment[] = [];
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = (lines[i] as string).trim();
    if (line === "" || line.startsWith("#")) continue;
    const body = line.replace(/^export\s+/, "");
    const eq = body.indexOf("=");
    if (eq === -1) {
      // Never echo the line: a malformed line of a secrets file may be a bare value.
      if (!KEY_RE.test(body)) throw new UsageError(`${origin}:${lineNo}: expected KEY=VALUE or KEY (the line is not shown)`);
      out.push({ key: body, value: undefined, line: lineNo });
      continue;
    }
    const key = body.slice(0, eq).trim();
    if (!KEY_RE.test(key)) throw new UsageError(`${origin}:${lineNo}: invalid variable name before "=" (letters, digits, _ . -; the line is not shown)`);
    let raw = body.slice(eq + 1).trimStart();
    const quote = raw[0];
    if (quote === '"' || quote === "'") {
      // A quoted value may continue on the following lines until its closing quote.
      let closing = findClosingQuote(raw, quote);
      while (closing === -1 && i + 1 < lines.length) {
        i += 1;
        raw += `\n${lines[i] as string}`;
        closing = findClosingQuote(raw, quote);
      }
      if (closing === -1) throw new UsageError(`${origin}:${lineNo}: unterminated ${quote === '"' ? "double" : "single"} quote`);
      const inner = raw.slice(1, closing);
      const after = raw.slice(closing + 1).trim();
      if (after !== "" && !after.startsWith("#")) throw new UsageError(`${origin}:${lineNo}: unexpected text after the closing quote`);
      out.push({ key, value: quote === '"' ? unescapeDouble(inner) : inner, line: lineNo });
    } else {
      const comment = raw.search(/\s#/);
      out.push({ key, value: (comment === -1 ? raw : raw.slice(0, comment)).trim(), line: lineNo });
    }
  }
  return out;
}

function findClosingQuote(text: string, quote: string): number {
  for (let j = 1; j < text.length; j++) {
    const c = text[j];
    if (quote === '"' && c === "\\") {
      j += 1;
      continue;
    }
    if (c === quote) return j;
  }
  return -1;
}

function unescapeDouble(text: string): string {
  const map: Record<string, string> = { n: "\n", r: "\r", t: "\t", '"': '"', "\\": "\\", $: "$" };
  return text.replace(/\\(.)/gs, (whole, c: string) => map[c] ?? whole);
}

/** Where the env and secrets of a job come from. */
export interface EnvInput {
  env: string[];
  envFiles: string[];
  secrets: string[];
  secretsFiles: string[];
}

/** What resolving bare keys needs. */
export interface EnvContext {
  /** The local environment. */
  local: Readonly<Record<string, string | undefined>>;
  /** Directory relative file names are resolved against. */
  cwd: string;
  /** The token the CLI uses (for `-s HF_TOKEN`); undefined when none is found. */
  token: () => Promise<string | undefined>;
  /** Reads a file as text (tests replace it). */
  readText?: (path: string) => Promise<string>;
}

/** Builds the env and secrets maps of a job from the flags. */
export async function buildEnvAndSecrets(
  input: EnvInput,
  ctx: EnvContext,
): Promise<{ env: Record<string, string>; secrets: Record<string, string> }> {
  const read = ctx.readText ?? ((path: string) => readFile(path, "utf8"));
  const load = async (files: string[], flagName: string): Promise<Array<[Assignment, string]>> => {
    const out: Array<[Assignment, string]> = [];
    for (const file of files) {
      let text: string;
      try {
        text = await read(resolve(ctx.cwd, file));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new UsageError(`${flagName} ${file}: cannot read the file${code ? ` (${code})` : ""}`);
      }
      for (const a of parseDotenv(text, file)) out.push([a, `${flagName} ${file}:${a.line}`]);
    }
    return out;
  };
  const envItems = [...(await load(input.envFiles, "--env-file")), ...input.env.map((t) => [parseAssignment(t, "-e/--env"), "-e"] as [Assignment, string])];
  const secretItems = [
    ...(await load(input.secretsFiles, "--secrets-file")),
    ...input.secrets.map((t) => [parseAssignment(t, "-s/--secrets"), "-s"] as [Assignment, string]),
  ];

  const env: Record<string, string> = {};
  for (const [{ key, value }, from] of envItems) {
    if (key === "HF_TOKEN" || key === "HUGGING_FACE_HUB_TOKEN") {
      // Env values are shown to anyone who can inspect the job.
      throw new UsageError(`${from} ${key}: a token must not be passed as a plain env variable; use -s ${key} (a secret)`);
    }
    env[key] = value ?? localValue(ctx.local, key, from);
  }
  const secrets: Record<string, string> = {};
  for (const [{ key, value }, from] of secretItems) {
    if (value !== undefined) {
      secrets[key] = value;
    } else if (key === "HF_TOKEN") {
      const token = await ctx.token();
      if (!token) throw new UsageError(`${from} HF_TOKEN: no token found (pass --token, set HF_TOKEN or log in)`);
      secrets[key] = token;
    } else {
      // A bare word in a secrets file may be a value pasted alone: name its line, not the word.
      secrets[key] = localValue(ctx.local, key, from, from.startsWith("--secrets-file"));
    }
  }
  for (const key of Object.keys(secrets)) {
    if (Object.hasOwn(env, key)) throw new UsageError(`${key} is given both as env and as a secret; keep one`);
  }
  return { env, secrets };
}

function localValue(local: EnvContext["local"], key: string, from: string, hideKey = false): string {
  const value = local[key];
  if (value === undefined && hideKey) throw new UsageError(`${from}: a bare name that is not set in the local environment (use KEY=VALUE; the line is not shown)`);
  if (value === undefined) throw new UsageError(`${from} ${key}: ${key} is not set in the local environment (use ${key}=VALUE)`);
  return value;
}
