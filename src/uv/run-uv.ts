/**
 * Turns a uv job ({@link UvSpec}) into a plain {@link RunSpec}: `uv run [--with dep]... [--python v]
 * <script> <args...>` in the uv image, with local files shipped inside the spec (`files.ts` picks
 * and reads them, `bootstrap.ts` carries them) and defaults from the script's PEP 723
 * `[tool.hf-jobs]` table. Everything is validated before any request (`limits.ts` for sizes); no
 * shell ever joins user text.
 * @module
 */
import { createHash } from "node:crypto";
import { readFile as fsReadFile, stat as fsStat } from "node:fs/promises";
import { basename } from "node:path";
import { ValidationError } from "../core/errors.js";
import type { JobSpecInput, RunSpec } from "../types.js";
import { UV_IMAGE } from "../wire/schemas.js";
import { bootstrapCommand, encodeFilesPayload, PAYLOAD_ENV_PREFIX, type ShippedFile } from "./bootstrap.js";
import { classifyScript, findArgFiles, type LocalFiles, type PendingFile, readShipped, statListedFile } from "./files.js";
import { checkArgument, checkEnvEntry, checkExecSize, execBytes } from "./limits.js";
import { type HfJobsTable, readScriptMetadata } from "./pep723.js";

/** Inline script code, shipped as a file. */
export interface InlineScript {
  /** The script's source. */
  code: string;
  /** File name in the container; defaults to `script.py`. */
  name?: string;
}

/** What `runUv` (and a scheduled uv job) takes. */
export interface UvSpec extends Omit<JobSpecInput, "image" | "command" | "args"> {
  /**
   * What uv runs: an `http(s)://` URL (sent as is), a command available in the image
   * (`python`, `lighteval`), a local file path (shipped with the job), or inline code.
   */
  script: string | InlineScript;
  /**
   * Arguments passed to the script, byte for byte (no shell). An argument that names a local file
   * is shipped with the job and replaced by the file's path in the job, as the Python client
   * does; so is one equal to the name of a shipped file (the script, `files`). See `shipArgs`.
   */
  args?: string[];
  /** Extra packages, each sent as `--with <dep>`. PEP 723 `dependencies` need not be repeated here. */
  dependencies?: string[];
  /** Python version, sent as `--python <version>`. */
  python?: string;
  /** Image to run in; defaults to the script's `[tool.hf-jobs] image`, then the uv image. */
  image?: string;
  /** Extra local files (configs, modules) shipped next to the script, under their base names. */
  files?: string[];
  /**
   * Whether to look for local files in `args` (default `true`): an argument naming an existing
   * local file is shipped and rewritten to its path in the job, and one ending in `.py`, `.sh`,
   * `.yaml`, `.yml` or `.toml` that names no local file is refused, since the job could not find
   * it. `false` sends such arguments unchanged, for paths that exist only in the image or a volume.
   */
  shipArgs?: boolean;
  /** Enable SSH access. Not available for scheduled jobs. */
  ssh?: boolean;
  /** Namespace to run in; defaults to the client's. */
  namespace?: string;
}

/** File-system and environment access of {@link buildUvRunSpec}, replaceable in tests. */
export interface UvIo {
  /** Reads a whole file. Default: `fs.promises.readFile`. */
  readFile?: (path: string) => Promise<Uint8Array>;
  /** Stats a path (following links). Default: `fs.promises.stat`. */
  stat?: (path: string) => Promise<{ isFile(): boolean; size: number; mode: number }>;
  /** Directory relative paths are resolved against. Default: `process.cwd()`. */
  cwd?: string;
  /** Where `[tool.hf-jobs] secrets` names are looked up. Default: `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Builds the {@link RunSpec} of a uv job. Reads local files (the script, `files`, arguments naming
 * local files) and the script's PEP 723 metadata; throws a {@link ValidationError} before any
 * request on a missing file, a shipped total over `MAX_SHIPPED_BYTES`, a file holding a token,
 * malformed metadata, a secret named by the metadata but unset locally, or any invalid option.
 */
export async function buildUvRunSpec(spec: UvSpec, io: UvIo = {}): Promise<RunSpec> {
  if (spec === null || typeof spec !== "object") throw new ValidationError("spec", "expected an object");
  const fs: LocalFiles = {
    readFile: io.readFile ?? ((path: string) => fsReadFile(path)),
    stat: io.stat ?? ((path: string) => fsStat(path)),
    cwd: io.cwd ?? process.cwd(),
  };
  const localEnv = io.env ?? process.env;

  const args = strings("args", spec.args);
  // Linux would refuse or alter these in the container; say so now rather than after scheduling.
  for (const [i, arg] of args.entries()) checkArgument(`args[${i}]`, arg);
  const deps = strings("dependencies", spec.dependencies);
  for (const [i, dep] of deps.entries()) {
    if (dep.trim() === "" || dep.startsWith("-")) throw new ValidationError(`dependencies[${i}]`, "expected a requirement such as trl or torch>=2.4");
  }
  if (spec.python !== undefined && (typeof spec.python !== "string" || spec.python.trim() === "" || spec.python.startsWith("-"))) {
    throw new ValidationError("python", "expected a Python version or interpreter such as 3.12");
  }
  if (spec.shipArgs !== undefined && typeof spec.shipArgs !== "boolean") throw new ValidationError("shipArgs", "expected a boolean");

  const script = await classifyScript(spec.script, fs);
  checkArgument("script", script.target);
  const listed: PendingFile[] = script.kind === "file" ? [script.file] : [];
  for (const [i, path] of strings("files", spec.files).entries()) listed.push(await statListedFile(path, `files[${i}]`, fs));
  const listedNames = new Set([...(script.kind === "inline" ? [script.file.name] : []), ...listed.map((file) => basename(file.path))]);
  const argFiles = spec.shipArgs === false ? new Map<number, PendingFile>() : await findArgFiles(args, listedNames, fs);
  const shipped = await readShipped(script, [...listed, ...argFiles.values()], fs);
  const scriptShipped = script.kind === "inline" || script.kind === "file";

  const metaSource = scriptShipped ? shipped[0]?.content : undefined;
  const scriptLabel = script.kind === "inline" ? script.file.name : typeof spec.script === "string" ? spec.script : "script";
  const meta = metaSource ? readScriptMetadata(new TextDecoder().decode(metaSource), scriptLabel) : {};
  const table: HfJobsTable = meta.hfJobs ?? {};

  const flags = [...deps.flatMap((dep) => ["--with", dep]), ...(spec.python ? ["--python", spec.python] : [])];
  const jobArgs = args.map((arg, i) => {
    const file = argFiles.get(i);
    return file ? basename(file.path) : arg;
  });
  const uvArgs = [...flags, script.target, ...jobArgs];
  // 1-based positions among the uv arguments that the bootstrap points at the files' directory.
  const fileArgs: number[] = scriptShipped ? [flags.length + 1] : [];
  for (const [i, arg] of args.entries()) {
    if (argFiles.has(i) || listedNames.has(arg)) fileArgs.push(flags.length + 2 + i);
  }

  const explicitSecrets = plainMap("secrets", spec.secrets);
  const secrets = { ...tableSecrets(table, explicitSecrets, localEnv), ...explicitSecrets };
  const env: Record<string, string> = { ...table.env, ...plainMap("env", spec.env) };
  for (const [field, map] of [["env", env], ["secrets", secrets]] as const) {
    for (const [key, value] of Object.entries(map)) {
      if (key === PAYLOAD_ENV_PREFIX || key.startsWith(`${PAYLOAD_ENV_PREFIX}_`)) {
        throw new ValidationError(`${field}.${key}`, `names starting with ${PAYLOAD_ENV_PREFIX} are reserved for shipped files`);
      }
      checkEnvEntry(field, key, value);
    }
  }
  // Python buffers stdout when it is not a terminal; live logs need it unbuffered.
  if (!Object.hasOwn(env, "PYTHONUNBUFFERED") && !Object.hasOwn(secrets, "PYTHONUNBUFFERED")) env.PYTHONUNBUFFERED = "1";
  const payload = shipped.length > 0 ? encodeFilesPayload(shipped, fileArgs) : {};
  const command = shipped.length > 0 ? bootstrapCommand(uvArgs) : ["uv", "run", ...uvArgs];
  const sizes = new Map<string, number>([
    ["script", execBytes(script.target)],
    ["dependencies", sumBytes(flags)],
    ["args", sumBytes(jobArgs)],
    ["env", sumBytes(entries(env))],
    ["secrets", sumBytes(entries(secrets))],
  ]);
  addPayloadSizes(sizes, payload, shipped, scriptShipped);
  checkExecSize(sumBytes(command.slice(0, command.length - uvArgs.length)), sizes);
  Object.assign(env, payload);

  const labels: Record<string, string> = { ...table.labels, ...plainMap("labels", spec.labels) };
  // An explicit name wins over a name label from the metadata (both at once is an error downstream).
  if (spec.name !== undefined && spec.labels?.name === undefined) delete labels.name;

  const out: RunSpec = { image: spec.image ?? table.image ?? UV_IMAGE, command, env };
  if (Object.keys(secrets).length > 0) out.secrets = secrets;
  const flavor = spec.flavor ?? table.flavor;
  if (flavor !== undefined) out.flavor = flavor;
  const timeout = spec.timeout ?? table.timeout;
  if (timeout !== undefined) out.timeout = timeout;
  if (spec.name !== undefined) out.name = spec.name;
  else if (!Object.hasOwn(labels, "name")) out.name = defaultNameFromScript(scriptLabel, args);
  if (Object.keys(labels).length > 0) out.labels = labels;
  const volumes = spec.volumes ?? table.volumes;
  if (volumes !== undefined) out.volumes = volumes;
  if (spec.expose !== undefined) out.expose = spec.expose;
  if (spec.arch !== undefined) out.arch = spec.arch;
  if (spec.attempts !== undefined) out.attempts = spec.attempts;
  if (spec.resourceGroupId !== undefined) out.resourceGroupId = spec.resourceGroupId;
  if (spec.ssh !== undefined) out.ssh = spec.ssh;
  if (spec.namespace !== undefined) out.namespace = spec.namespace;
  return out;
}

/**
 * Default `name` label of a uv job, as the Python client derives it: the script's last path
 * component without query, fragment and `.py`, every character other than a letter, digit, `-`
 * or `_` replaced by `-` (names are also stored as tags, which allow only those), then `-` and 8
 * hex characters of the SHA-256 of the script and its arguments, NUL-separated. The base is cut
 * to 91 characters so the name stays within the 100 a label may hold.
 * @internal
 */
export function defaultNameFromScript(script: string, args: readonly string[]): string {
  const last = (script.split("?")[0] ?? "").split("#")[0]?.replace(/\/+$/, "").split("/").pop() ?? "";
  const stem = last.endsWith(".py") ? last.slice(0, -".py".length) : last;
  const base = (stem || script).replace(/[^A-Za-z0-9_-]/gu, "-").slice(0, 91);
  const hash = createHash("sha256").update([script, ...args].join("\0")).digest("hex").slice(0, 8);
  return `${base}-${hash}`;
}

/**
 * Charges each shipped file's chunk variables to the field that shipped it (`script` for the
 * script, else `files`), and the manifest and argument list to `files`, or to `script` when the
 * script is all that is shipped.
 */
function addPayloadSizes(sizes: Map<string, number>, payload: Readonly<Record<string, string>>, shipped: readonly ShippedFile[], scriptShipped: boolean): void {
  const add = (field: string, bytes: number) => sizes.set(field, (sizes.get(field) ?? 0) + bytes);
  const manifest = payload[PAYLOAD_ENV_PREFIX];
  if (manifest === undefined) return;
  const lines = manifest.split("\n").filter((line) => line !== "");
  let k = 0;
  for (const [i, line] of lines.entries()) {
    const field = i === 0 && scriptShipped ? "script" : "files";
    for (let j = Number(line.split(" ")[1]); j > 0; j--, k++) {
      const name = `${PAYLOAD_ENV_PREFIX}_${k}`;
      add(field, execBytes(`${name}=${payload[name] ?? ""}`));
    }
  }
  const rest = Object.entries(payload).filter(([name]) => !/_\d+$/.test(name));
  add(shipped.length === 1 && scriptShipped ? "script" : "files", sumBytes(rest.map(([name, value]) => `${name}=${value}`)));
}

function sumBytes(values: readonly string[]): number {
  return values.reduce((n, value) => n + execBytes(value), 0);
}

function entries(map: Readonly<Record<string, unknown>>): string[] {
  return Object.entries(map).map(([key, value]) => `${key}=${String(value)}`);
}

/** Shape check only; keys and values are validated when the job spec is built. */
function plainMap(field: string, value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new ValidationError(field, "expected an object of string values");
  return value as Record<string, string>;
}

function strings(field: string, value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new ValidationError(field, "expected an array of strings");
  return value.map((item: unknown, i) => {
    if (typeof item !== "string") throw new ValidationError(`${field}[${i}]`, "expected a string");
    return item;
  });
}

/** Resolves `[tool.hf-jobs] secrets` names from the local environment, skipping those given explicitly. */
function tableSecrets(
  table: HfJobsTable,
  explicit: Record<string, string>,
  localEnv: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of table.secrets ?? []) {
    if (Object.hasOwn(explicit, name)) continue;
    const value = localEnv[name];
    // Only the name is ever reported, never a value.
    if (value === undefined) {
      throw new ValidationError("tool.hf-jobs.secrets", `${name} is listed in the script's metadata but not set in the local environment; set it or pass it in \`secrets\``);
    }
    out[name] = value;
  }
  return out;
}
