/**
 * PEP 723 inline script metadata: the `# /// script` ... `# ///` comment block of a Python
 * script, parsed as TOML, plus our own `[tool.hf-jobs]` table of job defaults (the Python SDK
 * ignores that table). Pure functions: the caller reads the file.
 * @module
 */
import { parse, TomlError } from "smol-toml";
import { ValidationError } from "../core/errors.js";
import { isEnvName } from "../core/names.js";
import { parseTimeout } from "../jobs/spec.js";
import type { Volume } from "../types.js";

/** Job defaults from a script's `[tool.hf-jobs]` table. Explicit run options win over them. */
export interface HfJobsTable {
  /** Hardware flavor. */
  flavor?: string;
  /** Timeout: seconds, or a string such as `"90m"`. */
  timeout?: number | string;
  /** Image to run in. */
  image?: string;
  /** Plain environment variables. */
  env?: Record<string, string>;
  /** Names of secrets whose values are read from the local environment when the job is built. */
  secrets?: string[];
  /** Labels. */
  labels?: Record<string, string>;
  /** Volumes, with the same keys as {@link Volume} (`type`, `source`, `mountPath`, `revision`, `readOnly`, `path`). */
  volumes?: Volume[];
}

/** What a script's inline metadata says. Every field is absent when the script has no block. */
export interface ScriptMetadata {
  /** `dependencies`: uv installs them itself when it runs the script. */
  dependencies?: string[];
  /** `requires-python`: uv honours it itself. */
  requiresPython?: string;
  /** The validated `[tool.hf-jobs]` table. */
  hfJobs?: HfJobsTable;
}

/** The TOML text of a script's metadata block and the 1-based script line of its first TOML line. */
export interface MetadataBlock {
  /** TOML text, comment prefixes removed. */
  toml: string;
  /** Script line number of the first TOML line. */
  firstLine: number;
}

const OPEN_LINE = "# /// script";
const CLOSE_LINE = "# ///";
const TABLE_KEYS = new Set(["flavor", "timeout", "image", "env", "secrets", "labels", "volumes"]);
const VOLUME_KEYS = new Set(["type", "source", "mountPath", "revision", "readOnly", "path"]);

/**
 * Finds the `script` metadata block (PEP 723): it opens with a `# /// script` line, holds lines
 * that are `#` or start with `# `, and closes with the last `# ///` line of that comment run.
 * Returns `undefined` when there is none; throws a {@link ValidationError} (`script`) when there
 * are two, or when one opens and never closes (uv would silently ignore it).
 */
export function extractMetadataBlock(source: string, scriptName: string): MetadataBlock | undefined {
  const lines = source.split(/\r?\n/);
  let found: MetadataBlock | undefined;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]?.trimEnd() !== OPEN_LINE) continue;
    let close = -1;
    let j = i + 1;
    for (; j < lines.length; j++) {
      const line = lines[j] ?? "";
      if (line.trimEnd() === CLOSE_LINE) close = j;
      else if (line !== "#" && !line.startsWith("# ")) break;
    }
    if (close < 0) {
      throw new ValidationError("script", `${scriptName} line ${i + 1}: "${OPEN_LINE}" block is never closed by a "${CLOSE_LINE}" line`);
    }
    if (found) throw new ValidationError("script", `${scriptName} line ${i + 1}: a second "${OPEN_LINE}" block (PEP 723 allows one)`);
    const toml = lines
      .slice(i + 1, close)
      .map((line) => line.slice(2))
      .join("\n");
    found = { toml, firstLine: i + 2 };
    i = close;
  }
  return found;
}

/**
 * Reads a script's PEP 723 metadata. Malformed TOML, or a field of the wrong type, throws a
 * {@link ValidationError}: field `script` for the TOML and the standard fields, naming the script
 * and its line; field `tool.hf-jobs.<key>` for the table.
 */
export function readScriptMetadata(source: string, scriptName: string): ScriptMetadata {
  const block = extractMetadataBlock(source, scriptName);
  if (!block) return {};
  let doc: Record<string, unknown>;
  try {
    doc = parse(block.toml, { unsafeKeyBehaviour: "throw" });
  } catch (error) {
    if (error instanceof TomlError) {
      // The first line of smol-toml's message is the reason; the rest is a frame numbered from the block.
      const reason = error.message.split("\n")[0]?.replace(/^Invalid TOML document: /, "") ?? "invalid TOML";
      const line = block.firstLine + error.line - 1;
      throw new ValidationError("script", `${scriptName} line ${line}: malformed TOML in the "${OPEN_LINE}" block: ${reason}`);
    }
    throw error;
  }
  const out: ScriptMetadata = {};
  const deps = doc.dependencies;
  if (deps !== undefined) {
    if (!Array.isArray(deps) || deps.some((d) => typeof d !== "string")) {
      throw new ValidationError("script", `${scriptName}: "dependencies" must be an array of strings`);
    }
    out.dependencies = deps as string[];
  }
  const requires = doc["requires-python"];
  if (requires !== undefined) {
    if (typeof requires !== "string") throw new ValidationError("script", `${scriptName}: "requires-python" must be a string`);
    out.requiresPython = requires;
  }
  const tool = doc.tool;
  if (isTable(tool) && tool["hf-jobs"] !== undefined) out.hfJobs = validateHfJobsTable(tool["hf-jobs"], scriptName);
  return out;
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** Validates a `[tool.hf-jobs]` table; unknown keys are errors, so a typo never goes unnoticed. */
export function validateHfJobsTable(raw: unknown, scriptName: string): HfJobsTable {
  const where = `(in the PEP 723 metadata of ${scriptName})`;
  const fail = (key: string, message: string): never => {
    throw new ValidationError(`tool.hf-jobs${key ? `.${key}` : ""}`, `${message} ${where}`);
  };
  if (!isTable(raw)) return fail("", "must be a table");
  const out: HfJobsTable = {};
  for (const [key, value] of Object.entries(raw)) {
    switch (key) {
      case "flavor":
      case "image":
        if (typeof value !== "string" || value === "") fail(key, "must be a non-empty string");
        out[key] = value as string;
        break;
      case "timeout":
        if (typeof value !== "string" && typeof value !== "number") fail(key, 'must be seconds or a string such as "90m"');
        try {
          parseTimeout(value);
        } catch (error) {
          if (error instanceof ValidationError) fail(key, error.detail);
          throw error;
        }
        out.timeout = value as number | string;
        break;
      case "env":
      case "labels":
        out[key] = stringTable(value, key, fail);
        break;
      case "secrets":
        if (!Array.isArray(value)) return fail(key, 'must be an array of secret names, e.g. ["HF_TOKEN"]');
        out.secrets = value.map((name: unknown, i) => {
          if (!isEnvName(name)) {
            return fail(`${key}[${i}]`, "must be a secret name (letters, digits and _), not a value");
          }
          return name;
        });
        break;
      case "volumes":
        if (!Array.isArray(value)) return fail(key, "must be an array of tables ([[tool.hf-jobs.volumes]])");
        out.volumes = value.map((v: unknown, i) => volume(v, `${key}[${i}]`, fail));
        break;
      default:
        fail(key, `unknown key; expected one of ${[...TABLE_KEYS].join(", ")}`);
    }
  }
  return out;
}

type Fail = (key: string, message: string) => never;

function stringTable(value: unknown, key: string, fail: Fail): Record<string, string> {
  if (!isTable(value)) return fail(key, "must be a table of strings");
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    // The value is never echoed: an env table may hold something sensitive by mistake.
    if (typeof v !== "string") fail(`${key}.${k}`, "must be a string");
    out[k] = v as string;
  }
  return out;
}

function volume(raw: unknown, key: string, fail: Fail): Volume {
  if (!isTable(raw)) return fail(key, "must be a table");
  for (const k of Object.keys(raw)) {
    if (!VOLUME_KEYS.has(k)) fail(`${key}.${k}`, `unknown key; expected one of ${[...VOLUME_KEYS].join(", ")}`);
  }
  for (const k of ["type", "source", "mountPath"] as const) {
    if (typeof raw[k] !== "string") fail(`${key}.${k}`, "is required and must be a string");
  }
  const out: Volume = { type: raw.type as string, source: raw.source as string, mountPath: raw.mountPath as string };
  for (const k of ["revision", "path"] as const) {
    if (raw[k] !== undefined) {
      if (typeof raw[k] !== "string") fail(`${key}.${k}`, "must be a string");
      out[k] = raw[k] as string;
    }
  }
  if (raw.readOnly !== undefined) {
    if (typeof raw.readOnly !== "boolean") fail(`${key}.readOnly`, "must be a boolean");
    out.readOnly = raw.readOnly as boolean;
  }
  return out;
}
