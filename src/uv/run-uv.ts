/**
 * Turns a uv job ({@link UvSpec}) into a plain {@link RunSpec}: `uv run [--with dep]... [--python v]
 * <script> <args...>` in the uv image, with local files shipped inside the spec (see
 * `uv-bootstrap.ts`) and defaults from the script's PEP 723 `[tool.hf-jobs]` table. Everything is
 * validated before any request; no shell ever joins user text.
 * @module
 */
import { readFile as fsReadFile, stat as fsStat } from "node:fs/promises";
import { basename, resolve } from "node:path";
import { ValidationError } from "../core/errors.js";
import { type HfJobsTable, readScriptMetadata } from "./pep723.js";
import { UV_IMAGE } from "../wire/schemas.js";
import { defaultNameFromScript } from "../jobs/spec.js";
import type { JobSpecInput, RunSpec } from "../types.js";
import {
  bootstrapCommand,
  encodeFilesPayload,
  MAX_SHIPPED_BYTES,
  MAX_SHIPPED_FILES,
  PAYLOAD_ENV_PREFIX,
  type ShippedFile,
  shippedNameProblem,
} from "./bootstrap.js";

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
  /** Arguments passed to the script unchanged, byte for byte (no shell). */
  args?: string[];
  /** Extra packages, each sent as `--with <dep>`. PEP 723 `dependencies` need not be repeated here. */
  dependencies?: string[];
  /** Python version, sent as `--python <version>`. */
  python?: string;
  /** Image to run in; defaults to the script's `[tool.hf-jobs] image`, then the uv image. */
  image?: string;
  /** Extra local files (configs, modules) written next to the script, under their base names. */
  files?: string[];
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

const URL_RE = /^https?:\/\//i;
const FILE_LIKE_RE = /\.(py|sh|ya?ml|toml)$/i;
// Linux MAX_ARG_STRLEN: one argv or envp string, NUL included.
const MAX_ARG_BYTES = 131072;

/**
 * Most bytes the job's command line and environment may take together in the container, counted
 * as Linux counts them at `execve`: every argument and every `NAME=value` environment entry
 * (`env`, `secrets` and the shipped-file variables) as its UTF-8 bytes plus a NUL plus an 8-byte
 * pointer. Linux refuses an exec past ARG_MAX (2 MiB with the usual 8 MiB stack) with E2BIG, which
 * would only show once the job runs; {@link buildUvRunSpec} throws a {@link ValidationError}
 * instead. The remaining 512 KiB are left for what the image and the service add to the
 * environment (`PATH`, `HOME`, job variables) and for uv's own additions when it starts Python.
 */
export const MAX_EXEC_BYTES = 1.5 * 1024 * 1024;

// A whole Hugging Face access token; shipped files are readable by anyone who can inspect the job.
const HF_TOKEN_IN_TEXT_RE = /(?<![A-Za-z0-9_])hf_[A-Za-z0-9]{30,}(?![A-Za-z0-9])/;

type Script =
  | { kind: "url" | "command"; target: string }
  | { kind: "file"; target: string; file: PendingFile }
  | { kind: "inline"; target: string; file: ShippedFile };

interface PendingFile {
  /** Absolute local path. */
  path: string;
  /** Path as the user wrote it, for messages. */
  shown: string;
  /** Field to blame. */
  field: "script" | "files";
  size: number;
  executable: boolean;
}

/**
 * Builds the {@link RunSpec} of a uv job. Reads local files (the script, `files`) and the
 * script's PEP 723 metadata; throws a {@link ValidationError} before any request on a missing
 * file, a shipped total over {@link MAX_SHIPPED_BYTES}, malformed metadata, a secret named by
 * the metadata but unset locally, or any invalid option.
 */
export async function buildUvRunSpec(spec: UvSpec, io: UvIo = {}): Promise<RunSpec> {
  if (spec === null || typeof spec !== "object") throw new ValidationError("spec", "expected an object");
  const readFile = io.readFile ?? ((path: string) => fsReadFile(path));
  const stat = io.stat ?? ((path: string) => fsStat(path));
  const cwd = io.cwd ?? process.cwd();
  const localEnv = io.env ?? process.env;

  const args = strings("args", spec.args);
  const deps = strings("dependencies", spec.dependencies);
  for (const [i, dep] of deps.entries()) {
    if (dep.trim() === "" || dep.startsWith("-")) throw new ValidationError(`dependencies[${i}]`, "expected a requirement such as trl or torch>=2.4");
  }
  if (spec.python !== undefined && (typeof spec.python !== "string" || spec.python.trim() === "" || spec.python.startsWith("-"))) {
    throw new ValidationError("python", "expected a Python version or interpreter such as 3.12");
  }

  const script = await classifyScript(spec.script, stat, cwd);
  const pending: PendingFile[] = script.kind === "file" ? [script.file] : [];
  for (const [i, path] of strings("files", spec.files).entries()) {
    pending.push(await statLocal(path, `files[${i}]`, stat, cwd));
  }
  const shipped = await readShipped(script, pending, readFile);

  const metaSource = script.kind === "inline" ? script.file.content : script.kind === "file" ? shipped[0]?.content : undefined;
  const scriptLabel = script.kind === "inline" ? script.file.name : typeof spec.script === "string" ? spec.script : "script";
  const meta = metaSource ? readScriptMetadata(new TextDecoder().decode(metaSource), scriptLabel) : {};
  const table: HfJobsTable = meta.hfJobs ?? {};

  const uvArgs = [...deps.flatMap((dep) => ["--with", dep]), ...(spec.python ? ["--python", spec.python] : []), script.target, ...args];
  // Linux would refuse the exec in the container; say so now rather than after scheduling.
  for (const [field, arg] of [["script", script.target] as const, ...args.map((a, i) => [`args[${i}]`, a] as const)]) {
    if (Buffer.byteLength(arg, "utf8") + 1 > MAX_ARG_BYTES) {
      throw new ValidationError(field, `is over ${MAX_ARG_BYTES - 1} bytes, the longest argument Linux accepts; ship the data as a file instead`);
    }
    if (arg.includes("\0")) throw new ValidationError(field, "contains a NUL character, which no process argument can hold");
    // A lone surrogate has no UTF-8 form: it would arrive as U+FFFD, not as given.
    if (Buffer.from(arg, "utf8").toString("utf8") !== arg) throw new ValidationError(field, "is not valid Unicode (lone surrogate)");
  }

  const explicitSecrets = plainMap("secrets", spec.secrets);
  const secrets = { ...tableSecrets(table, explicitSecrets, localEnv), ...explicitSecrets };
  const env: Record<string, string> = { ...table.env, ...plainMap("env", spec.env) };
  for (const [field, map] of [["env", env], ["secrets", secrets]] as const) {
    for (const key of Object.keys(map)) {
      if (key === PAYLOAD_ENV_PREFIX || key.startsWith(`${PAYLOAD_ENV_PREFIX}_`)) {
        throw new ValidationError(`${field}.${key}`, `names starting with ${PAYLOAD_ENV_PREFIX} are reserved for shipped files`);
      }
    }
  }
  for (const [field, map] of [["env", env], ["secrets", secrets]] as const) {
    for (const [key, value] of Object.entries(map)) {
      // Types are checked downstream; only measure strings here.
      if (typeof value === "string" && Buffer.byteLength(`${key}=${value}`, "utf8") + 1 > MAX_ARG_BYTES) {
        throw new ValidationError(`${field}.${key}`, `is over ${MAX_ARG_BYTES - 1} bytes with its name, the longest environment entry Linux accepts; ship the data as a file instead`);
      }
    }
  }
  // Python buffers stdout when it is not a terminal; live logs need it unbuffered.
  if (!Object.hasOwn(env, "PYTHONUNBUFFERED") && !Object.hasOwn(secrets, "PYTHONUNBUFFERED")) env.PYTHONUNBUFFERED = "1";
  const payload = shipped.length > 0 ? encodeFilesPayload(shipped) : {};
  const command = shipped.length > 0 ? bootstrapCommand(uvArgs) : ["uv", "run", ...uvArgs];
  checkExecSize({
    command: command.slice(0, command.length - uvArgs.length),
    dependencies: uvArgs.slice(0, uvArgs.length - args.length - 1),
    script: [script.target],
    args,
    env,
    secrets,
    payload,
    scriptShipped: script.kind === "inline" || script.kind === "file",
  });
  Object.assign(env, payload);

  const labels: Record<string, string> = { ...table.labels, ...plainMap("labels", spec.labels) };
  // An explicit name wins over a name label from the metadata (both at once is an error downstream).
  if (spec.name !== undefined && spec.labels?.name === undefined) delete labels.name;

  const out: RunSpec = {
    image: spec.image ?? table.image ?? UV_IMAGE,
    command,
    env,
  };
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

/** What the container's first `execve` carries, by the field to blame. */
interface ExecParts {
  /** The fixed part of the command (`uv run` or the bootstrap); never blamed. */
  command: readonly string[];
  /** `--with` and `--python` flags. */
  dependencies: readonly string[];
  /** The script argument. */
  script: readonly string[];
  args: readonly string[];
  env: Readonly<Record<string, unknown>>;
  secrets: Readonly<Record<string, unknown>>;
  /** The `HF_JOBS_FILES*` variables. */
  payload: Readonly<Record<string, string>>;
  /** Whether the first shipped file is the script (then its chunks are blamed on `script`). */
  scriptShipped: boolean;
}

/** Bytes one `execve` string takes: UTF-8 bytes, NUL and the pointer to it. */
function execBytes(value: string): number {
  return Buffer.byteLength(value, "utf8") + 1 + 8;
}

/**
 * Throws a {@link ValidationError} when argv + envp would exceed {@link MAX_EXEC_BYTES}, blaming
 * the field that takes the most room and listing the sizes (never a value).
 */
function checkExecSize(parts: ExecParts): void {
  const sizes = new Map<string, number>();
  const add = (field: string, bytes: number) => sizes.set(field, (sizes.get(field) ?? 0) + bytes);
  const sum = (values: readonly string[]) => values.reduce((n, v) => n + execBytes(v), 0);
  const entries = (map: Readonly<Record<string, unknown>>) => sum(Object.entries(map).map(([k, v]) => `${k}=${String(v)}`));
  add("script", sum(parts.script));
  add("dependencies", sum(parts.dependencies));
  add("args", sum(parts.args));
  add("env", entries(parts.env));
  add("secrets", entries(parts.secrets));
  const manifest = parts.payload[PAYLOAD_ENV_PREFIX];
  if (manifest !== undefined) {
    // Chunks are numbered across files in manifest order: charge each file's chunks to its field.
    let k = 0;
    const lines = manifest.split("\n").filter((line) => line !== "");
    for (const [i, line] of lines.entries()) {
      const field = i === 0 && parts.scriptShipped ? "script" : "files";
      for (let j = Number(line.split(" ")[1]); j > 0; j--, k++) {
        const name = `${PAYLOAD_ENV_PREFIX}_${k}`;
        add(field, execBytes(`${name}=${parts.payload[name] ?? ""}`));
      }
    }
    add(lines.length === 1 && parts.scriptShipped ? "script" : "files", execBytes(`${PAYLOAD_ENV_PREFIX}=${manifest}`));
  }
  const total = sum(parts.command) + [...sizes.values()].reduce((a, b) => a + b, 0);
  if (total <= MAX_EXEC_BYTES) return;
  const [field] = [...sizes.entries()].reduce((a, b) => (b[1] > a[1] ? b : a));
  const detail = [...sizes.entries()]
    .filter(([, bytes]) => bytes > 0)
    .map(([name, bytes]) => `${name} ${bytes}`)
    .join(", ");
  throw new ValidationError(
    field,
    `the job's arguments and environment would take ${total} bytes in the container (${detail}), over the ${MAX_EXEC_BYTES}-byte (1.5 MiB) limit kept below Linux's 2 MiB ARG_MAX, past which the job could not start; put large data in a dataset, model or bucket and mount it with \`volumes\`, or fetch it from a URL`,
  );
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

/** Decides what kind of script this is; a local file must exist, an in-image command must not look like a path. */
async function classifyScript(script: unknown, stat: NonNullable<UvIo["stat"]>, cwd: string): Promise<Script> {
  if (script !== null && typeof script === "object" && !Array.isArray(script)) {
    const { code, name = "script.py" } = script as Partial<InlineScript>;
    if (typeof code !== "string") throw new ValidationError("script.code", "expected the script's source as a string");
    if (typeof name !== "string") throw new ValidationError("script.name", "expected a file name");
    const problem = shippedNameProblem(name);
    if (problem) throw new ValidationError("script.name", `${JSON.stringify(name)} ${problem}`);
    const content = new TextEncoder().encode(code);
    return { kind: "inline", target: `./${name}`, file: { name, content, executable: code.startsWith("#!") } };
  }
  if (typeof script !== "string" || script.trim() === "") {
    throw new ValidationError("script", "expected a URL, a command, a local file path or { code }");
  }
  if (URL_RE.test(script)) return { kind: "url", target: script };
  const path = resolve(cwd, script);
  const found = await statOrExplain(stat, path, "script", script);
  if (found?.isFile()) {
    const file = pendingFile(script, path, "script", found);
    return { kind: "file", target: `./${basename(path)}`, file };
  }
  if (script.includes("/") || script.includes("\\") || FILE_LIKE_RE.test(script)) {
    throw new ValidationError(
      "script",
      `${JSON.stringify(script)} is not a file (resolved to ${resolve(cwd, script)}). To run a file that exists only in the image, use script "python" with the path in args`,
    );
  }
  if (script.startsWith("-")) throw new ValidationError("script", `${JSON.stringify(script)} would be read by uv as an option`);
  return { kind: "command", target: script };
}

type StatResult = Awaited<ReturnType<NonNullable<UvIo["stat"]>>>;

/** `undefined` when nothing is at the path; other failures (permissions, ...) become a ValidationError. */
async function statOrExplain(stat: NonNullable<UvIo["stat"]>, path: string, field: string, shown: string): Promise<StatResult | undefined> {
  try {
    return await stat(path);
  } catch (error) {
    const code = error instanceof Error ? (error as NodeJS.ErrnoException).code : undefined;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw new ValidationError(field, `cannot read ${JSON.stringify(shown)}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function pendingFile(shown: string, path: string, blame: PendingFile["field"], info: StatResult): PendingFile {
  return { path, shown, field: blame, size: info.size, executable: (info.mode & 0o111) !== 0 };
}

async function statLocal(shown: string, field: string, stat: NonNullable<UvIo["stat"]>, cwd: string): Promise<PendingFile> {
  if (shown === "") throw new ValidationError(field, "expected a local file path");
  const path = resolve(cwd, shown);
  const info = await statOrExplain(stat, path, field, shown);
  if (!info) throw new ValidationError(field, `${JSON.stringify(shown)} does not exist (resolved to ${path})`);
  if (!info.isFile()) throw new ValidationError(field, `${JSON.stringify(shown)} is not a regular file`);
  return pendingFile(shown, path, "files", info);
}

/** Checks names, counts and sizes from `stat` first (nothing huge is read), then reads the files. */
async function readShipped(script: Script, pending: PendingFile[], readFile: NonNullable<UvIo["readFile"]>): Promise<ShippedFile[]> {
  const inline = script.kind === "inline" ? [script.file] : [];
  const unique = pending.filter((file, i) => pending.findIndex((other) => other.path === file.path) === i);
  const names = new Map<string, string>(inline.map((f) => [f.name, "the inline script"]));
  for (const file of unique) {
    const name = basename(file.path);
    const problem = shippedNameProblem(name);
    if (problem) throw new ValidationError(file.field, `file name ${JSON.stringify(name)} ${problem}`);
    const other = names.get(name);
    // Renaming would break any argument that refers to the file by name, so collisions are errors.
    if (other !== undefined) {
      throw new ValidationError(file.field, `${JSON.stringify(file.shown)} and ${other} would both be written as ${JSON.stringify(name)}; rename one`);
    }
    names.set(name, JSON.stringify(file.shown));
  }
  if (inline.length + unique.length > MAX_SHIPPED_FILES) {
    throw new ValidationError("files", `at most ${MAX_SHIPPED_FILES} files can be shipped with a job`);
  }
  const scriptBytes = script.kind === "inline" ? script.file.content.byteLength : script.kind === "file" ? script.file.size : 0;
  checkTotal(
    scriptBytes,
    inline.reduce((sum, f) => sum + f.content.byteLength, 0) + unique.reduce((sum, f) => sum + f.size, 0),
  );

  const out: ShippedFile[] = [...inline];
  for (const file of unique) {
    let content: Uint8Array;
    try {
      content = await readFile(file.path);
    } catch (error) {
      throw new ValidationError(file.field, `cannot read ${JSON.stringify(file.shown)}: ${error instanceof Error ? error.message : String(error)}`);
    }
    out.push({ name: basename(file.path), content, executable: file.executable });
  }
  // Sizes from stat may be stale (a file still being written): check what was actually read.
  const hasScript = script.kind === "inline" || script.kind === "file";
  checkTotal(hasScript ? (out[0]?.content.byteLength ?? 0) : 0, out.reduce((sum, f) => sum + f.content.byteLength, 0));
  for (const [i, file] of out.entries()) {
    if (HF_TOKEN_IN_TEXT_RE.test(Buffer.from(file.content).toString("latin1"))) {
      throw new ValidationError(
        i === 0 && hasScript ? "script" : "files",
        `${JSON.stringify(file.name)} contains what looks like a Hugging Face token; shipped files are readable by anyone who can inspect the job, pass the token in \`secrets\` instead`,
      );
    }
  }
  return out;
}

/** Blames the script when it alone is too big, else the extra files. */
function checkTotal(scriptBytes: number, total: number): void {
  if (total <= MAX_SHIPPED_BYTES) return;
  throw new ValidationError(
    scriptBytes > MAX_SHIPPED_BYTES ? "script" : "files",
    `local files total ${total} bytes, over the ${MAX_SHIPPED_BYTES}-byte (${MAX_SHIPPED_BYTES / 1024} KiB) limit for files shipped inside the job; put large files in a dataset, model or bucket and mount it with \`volumes\`, or fetch them from a URL`,
  );
}

/** Resolves `[tool.hf-jobs] secrets` names from the local environment, skipping those given explicitly. */
function tableSecrets(
  table: HfJobsTable,
  explicit: Record<string, string> | undefined,
  localEnv: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of table.secrets ?? []) {
    if (explicit && Object.hasOwn(explicit, name)) continue;
    const value = localEnv[name];
    // Only the name is ever reported, never a value.
    if (value === undefined) {
      throw new ValidationError("tool.hf-jobs.secrets", `${name} is listed in the script's metadata but not set in the local environment; set it or pass it in \`secrets\``);
    }
    out[name] = value;
  }
  return out;
}
