/**
 * The local side of shipping files with a uv job: deciding what the script is, which paths are
 * shipped (the script, `files`, and arguments that name local files, as the Python client does),
 * and reading them under the shipped-size limits. Every problem is a {@link ValidationError}
 * naming the field, raised before anything is sent.
 * @module
 */
import { basename, resolve } from "node:path";
import { ValidationError } from "../core/errors.js";
import { looksLikeToken } from "../core/redact.js";
import { type ShippedFile, shippedNameProblem, tokenInShippedFile } from "./bootstrap.js";
import { checkShippedTotal, MAX_SHIPPED_FILES } from "./limits.js";

/** What the file side needs: `stat` following links, `readFile`, and the directory paths are relative to. */
export interface LocalFiles {
  readFile: (path: string) => Promise<Uint8Array>;
  stat: (path: string) => Promise<{ isFile(): boolean; size: number; mode: number }>;
  cwd: string;
}

/** The script of a uv spec: sent as is (`url`, `command`) or shipped (`file`, `inline`). */
export type Script =
  | { kind: "url" | "command"; target: string }
  | { kind: "file"; target: string; file: PendingFile }
  | { kind: "inline"; target: string; file: ShippedFile };

/** A local file to ship, known from `stat` and not read yet. */
export interface PendingFile {
  /** Absolute local path. */
  path: string;
  /** Path as the user wrote it, for messages. */
  shown: string;
  /** Field to blame: `script`, `files` or `args[i]`. */
  field: string;
  size: number;
  executable: boolean;
}

type StatResult = Awaited<ReturnType<LocalFiles["stat"]>>;

const URL_RE = /^https?:\/\//i;
const FILE_LIKE_RE = /\.(py|sh|ya?ml|toml)$/i;
// Suffixes the Python client takes for a local file that must exist (its exact, case-sensitive list).
const ARG_FILE_SUFFIXES = new Set([".py", ".sh", ".yaml", ".yml", ".toml"]);
// Errors meaning "no file at this text", which for an argument only means it is not a path.
const NOT_A_PATH = new Set(["ENOENT", "ENOTDIR", "ENAMETOOLONG", "ELOOP", "EINVAL", "ERR_INVALID_ARG_VALUE", "ERR_INVALID_ARG_TYPE"]);

/** Decides what kind of script this is; a local file must exist, an in-image command must not look like a path. */
export async function classifyScript(script: unknown, fs: LocalFiles): Promise<Script> {
  if (script !== null && typeof script === "object" && !Array.isArray(script)) {
    const { code, name = "script.py" } = script as { code?: unknown; name?: unknown };
    if (typeof code !== "string") throw new ValidationError("script.code", "expected the script's source as a string");
    if (typeof name !== "string") throw new ValidationError("script.name", "expected a file name");
    const problem = shippedNameProblem(name);
    if (problem) throw new ValidationError("script.name", `${JSON.stringify(name)} ${problem}`);
    const content = new TextEncoder().encode(code);
    return { kind: "inline", target: name, file: { name, content, executable: code.startsWith("#!") } };
  }
  if (typeof script !== "string" || script.trim() === "") {
    throw new ValidationError("script", "expected a URL, a command, a local file path or { code }");
  }
  if (URL_RE.test(script)) return { kind: "url", target: script };
  const path = resolve(fs.cwd, script);
  const found = await statOrExplain(fs, path, "script", script);
  if (found?.isFile()) return { kind: "file", target: basename(path), file: pendingFile(script, path, "script", found) };
  if (script.includes("/") || script.includes("\\") || FILE_LIKE_RE.test(script)) {
    throw new ValidationError(
      "script",
      `${JSON.stringify(script)} is not a file (resolved to ${path}). To run a file that exists only in the image, use script "python" with the path in args and \`shipArgs: false\``,
    );
  }
  if (script.startsWith("-")) throw new ValidationError("script", `${JSON.stringify(script)} would be read by uv as an option`);
  return { kind: "command", target: script };
}

/** A path listed in `files`: it must exist and be a regular file. */
export async function statListedFile(shown: unknown, field: string, fs: LocalFiles): Promise<PendingFile> {
  if (typeof shown !== "string" || shown === "") throw new ValidationError(field, "expected a local file path");
  const path = resolve(fs.cwd, shown);
  const info = await statOrExplain(fs, path, field, shown);
  if (!info) throw new ValidationError(field, `${JSON.stringify(shown)} does not exist (resolved to ${path})`);
  if (!info.isFile()) throw new ValidationError(field, `${JSON.stringify(shown)} is not a regular file`);
  // Later problems (name, size, contents) are blamed on `files`; the message names the path.
  return pendingFile(shown, path, "files", info);
}

/**
 * Finds the arguments that name local files, with the Python client's rule: an argument that is
 * an existing regular file (relative to `cwd`) is shipped; one that is not, ends in `.py`, `.sh`,
 * `.yaml`, `.yml` or `.toml` and is not an http(s) URL is refused, since the job could not find
 * it. An argument equal to the name a listed file is shipped under (`shippedNames`) is not
 * refused: it names that file. Returns the files to ship, by argument index.
 */
export async function findArgFiles(args: readonly string[], shippedNames: ReadonlySet<string>, fs: LocalFiles): Promise<Map<number, PendingFile>> {
  const found = new Map<number, PendingFile>();
  for (const [i, arg] of args.entries()) {
    const field = `args[${i}]`;
    const path = resolve(fs.cwd, arg);
    const info = await statArgument(fs, path, field, arg);
    if (info?.isFile()) {
      found.set(i, pendingFile(arg, path, field, info));
      continue;
    }
    const suffix = pathSuffix(arg);
    if (shippedNames.has(arg) || !ARG_FILE_SUFFIXES.has(suffix) || arg.startsWith("https://") || arg.startsWith("http://")) continue;
    throw new ValidationError(
      field,
      `${JSON.stringify(arg)} looks like a local file (${suffix}) but ${info ? "is not a regular file" : "does not exist"} (resolved to ${path}), so the job could not find it. Fix the path, or list the file in \`files\` and pass its base name; for a path that exists only in the image or a volume, set \`shipArgs: false\``,
    );
  }
  return found;
}

/** The suffix of the last path component, as Python's `PurePosixPath.suffix` gives it. */
function pathSuffix(text: string): string {
  const name = text.split("/").filter((part) => part !== "" && part !== ".").pop() ?? "";
  const dot = name.lastIndexOf(".");
  return dot > 0 && dot < name.length - 1 ? name.slice(dot) : "";
}

/**
 * Checks names, counts and sizes from `stat` first (nothing huge is read), then reads the files
 * and refuses any that holds a Hugging Face token. The inline script, if any, comes first, then
 * `pending` in order (the local script first when there is one); the same path twice is shipped once.
 */
export async function readShipped(script: Script, pending: readonly PendingFile[], fs: LocalFiles): Promise<ShippedFile[]> {
  const inline = script.kind === "inline" ? [script.file] : [];
  const unique = uniqueFiles(pending);
  const names = new Map<string, string>(inline.map((f) => [f.name, "the inline script"]));
  for (const file of unique) {
    const name = basename(file.path);
    const problem = shippedNameProblem(name);
    if (problem) throw new ValidationError(file.field, `file name ${JSON.stringify(name)} ${problem}`);
    const other = names.get(name);
    // Renaming would break any argument or import that refers to the file by name, so collisions are errors.
    if (other !== undefined) {
      throw new ValidationError(file.field, `${JSON.stringify(file.shown)} and ${other} would both be shipped as ${JSON.stringify(name)}; rename one`);
    }
    names.set(name, JSON.stringify(file.shown));
  }
  if (inline.length + unique.length > MAX_SHIPPED_FILES) {
    throw new ValidationError("files", `at most ${MAX_SHIPPED_FILES} files can be shipped with a job`);
  }
  const scriptBytes = script.kind === "inline" ? script.file.content.byteLength : script.kind === "file" ? script.file.size : 0;
  checkShippedTotal(scriptBytes, inline.reduce((sum, f) => sum + f.content.byteLength, 0) + unique.reduce((sum, f) => sum + f.size, 0));

  const out: ShippedFile[] = [...inline];
  const fields: string[] = inline.map(() => "script");
  for (const file of unique) {
    let content: Uint8Array;
    try {
      content = await fs.readFile(file.path);
    } catch (error) {
      throw new ValidationError(file.field, `cannot read ${JSON.stringify(file.shown)}: ${error instanceof Error ? error.message : String(error)}`);
    }
    out.push({ name: basename(file.path), content, executable: file.executable });
    fields.push(file.field);
  }
  // Sizes from stat may be stale (a file still being written): check what was actually read.
  const hasScript = script.kind === "inline" || script.kind === "file";
  checkShippedTotal(hasScript ? (out[0]?.content.byteLength ?? 0) : 0, out.reduce((sum, f) => sum + f.content.byteLength, 0));
  for (const [i, file] of out.entries()) {
    // Latin-1 maps every byte to one character, so a token is found in any encoding-compatible text.
    if (looksLikeToken(Buffer.from(file.content).toString("latin1"))) {
      throw tokenInShippedFile(fields[i] ?? "files", file.name);
    }
  }
  return out;
}

/** The files of `pending`, each local path once, in first-seen order. */
export function uniqueFiles(pending: readonly PendingFile[]): PendingFile[] {
  return pending.filter((file, i) => pending.findIndex((other) => other.path === file.path) === i);
}

/** `undefined` when nothing is at the path; other failures (permissions, ...) become a ValidationError. */
async function statOrExplain(fs: LocalFiles, path: string, field: string, shown: string): Promise<StatResult | undefined> {
  try {
    return await fs.stat(path);
  } catch (error) {
    const code = errorCode(error);
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw new ValidationError(field, `cannot read ${JSON.stringify(shown)}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Like {@link statOrExplain}, for any argument text: one that cannot be a path is simply not a file. */
async function statArgument(fs: LocalFiles, path: string, field: string, shown: string): Promise<StatResult | undefined> {
  try {
    return await fs.stat(path);
  } catch (error) {
    if (NOT_A_PATH.has(errorCode(error) ?? "")) return undefined;
    throw new ValidationError(field, `cannot read ${JSON.stringify(shown)}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function errorCode(error: unknown): string | undefined {
  return error instanceof Error ? (error as NodeJS.ErrnoException).code : undefined;
}

function pendingFile(shown: string, path: string, field: string, info: StatResult): PendingFile {
  return { path, shown, field, size: info.size, executable: (info.mode & 0o111) !== 0 };
}
