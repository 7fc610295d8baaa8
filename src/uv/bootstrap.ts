/**
 * How local files travel inside a uv job spec. The contract has two halves that must agree:
 * {@link encodeFilesPayload} turns files into environment variables, and {@link UV_BOOTSTRAP}, a
 * fixed POSIX `sh` script, turns them back into files in a fresh temporary directory of the
 * container and then runs `exec uv run "$@"`.
 *
 * Payload layout (all values ASCII):
 * - `HF_JOBS_FILES`: one manifest line per file, `<size> <chunks> <mode> <base64 name>`, where
 *   `size` is the byte length, `chunks` the number of chunk variables, `mode` `x` (executable) or `-`.
 * - `HF_JOBS_FILES_0`, `HF_JOBS_FILES_1`, ...: the base64 of each file in turn, cut into chunks of
 *   at most {@link PAYLOAD_CHUNK_CHARS} characters, numbered across files in manifest order.
 * - `HF_JOBS_FILES_ARGS` (only when needed): the 1-based positions, among the uv arguments, of
 *   those that name a shipped file; the bootstrap puts the directory in front of each.
 *
 * User text never becomes shell code: the bootstrap is a constant, the payload is read with
 * `printenv` and `read`, and the uv arguments are the positional parameters.
 * @module
 */
import { ValidationError } from "../core/errors.js";
import { MAX_SHIPPED_BYTES, MAX_SHIPPED_FILES } from "./limits.js";

/** Name of the manifest variable; chunk variables add `_<n>`. Reserved: user env may not use it. */
export const PAYLOAD_ENV_PREFIX = "HF_JOBS_FILES";

/**
 * Base64 characters per chunk variable. Linux rejects any single argument or environment entry
 * longer than MAX_ARG_STRLEN (131072 bytes, `NAME=` and the final NUL included); half of that
 * leaves room for the name and for any layer that re-encodes the value. A multiple of 4, so each
 * chunk is a whole run of base64 quads.
 */
export const PAYLOAD_CHUNK_CHARS = 65536;

/** `$0` of the bootstrap shell; shows up in `ps` and in the bootstrap's own error messages. */
export const BOOTSTRAP_ARGV0 = "hf-jobs-uv";

/** Variable listing the uv arguments that name shipped files (reserved, like the rest of the prefix). */
export const FILE_ARGS_ENV = `${PAYLOAD_ENV_PREFIX}_ARGS`;

/** Variable the bootstrap sets for the script: the directory holding the shipped files. */
export const FILES_DIR_ENV = `${PAYLOAD_ENV_PREFIX}_DIR`;

/**
 * The fixed bootstrap run by `sh -c` (dash on Debian; any POSIX sh with `base64`, `printenv`,
 * `wc` and `chmod`, coreutils or busybox). It writes each file into a fresh directory (`mktemp
 * -d`, else a new directory under `$TMPDIR` or `/tmp`), because the image's working directory may
 * not be writable, for example for a non-root user in `/`. The working directory itself is left
 * as it is, so the script's own relative paths mean what they mean in the image. The bootstrap
 * checks each file's size, puts the directory in front of the arguments that name shipped files,
 * removes the payload from the environment (so the script and its children do not carry it
 * against ARG_MAX), exports the directory as `HF_JOBS_FILES_DIR` and replaces itself with
 * `uv run "$@"`. It never evaluates payload text.
 */
export const UV_BOOTSTRAP = `fail() { printf '${BOOTSTRAP_ARGV0}: %s\\n' "$1" >&2; exit 1; }
IFS=' '
for tool in base64 printenv wc chmod; do
  command -v "$tool" >/dev/null 2>&1 || fail "$tool not found in the image; shipping local files needs a POSIX shell with coreutils or busybox"
done
d=$(mktemp -d 2>/dev/null) || d=
for base in "\${TMPDIR:-/tmp}" /tmp; do
  [ -n "$d" ] && break
  mkdir -m 700 "$base/${BOOTSTRAP_ARGV0}.$$" 2>/dev/null && d=$base/${BOOTSTRAP_ARGV0}.$$
done
[ -n "$d" ] || fail 'cannot create a temporary directory for the shipped files; make TMPDIR or /tmp writable'
case $d in /*) ;; *) d=$PWD/$d ;; esac
k=0
while read -r size n mode b; do
  [ -n "$b" ] || continue
  name=$(printf '%s' "$b" | base64 -d && printf x) || fail 'corrupt file name in the payload'
  name=\${name%x}
  # The encoder never produces these; a hand-made payload must not write outside the directory.
  case $name in ''|.|..|*/*) fail 'unsafe file name in the payload' ;; esac
  j=0
  while [ "$j" -lt "$n" ]; do
    printenv "${PAYLOAD_ENV_PREFIX}_$((k + j))" || exit 1
    j=$((j + 1))
  done | base64 -d >"$d/$name" || fail "cannot decode or write $name in $d"
  # Unquoted on purpose: some wc implementations pad the count with spaces. This check is also
  # what catches a damaged chunk with busybox, whose base64 -d skips non-base64 characters.
  [ $(wc -c <"$d/$name") -eq "$size" ] || fail "$name is incomplete or corrupt (expected $size bytes): the payload was cut or damaged"
  if [ "$mode" = x ]; then chmod +x "$d/$name" || fail "cannot make $name executable"; fi
  k=$((k + n))
done <<HF_JOBS_MANIFEST
$${PAYLOAD_ENV_PREFIX}
HF_JOBS_MANIFEST
i=0
while [ "$i" -lt "$k" ]; do unset "${PAYLOAD_ENV_PREFIX}_$i"; i=$((i + 1)); done
refs=" \${${FILE_ARGS_ENV}:-} "
unset ${PAYLOAD_ENV_PREFIX} ${FILE_ARGS_ENV}
i=1
n=$#
while [ "$i" -le "$n" ]; do
  a=$1
  shift
  case $refs in *" $i "*) a=$d/$a ;; esac
  set -- "$@" "$a"
  i=$((i + 1))
done
${FILES_DIR_ENV}=$d
export ${FILES_DIR_ENV}
command -v uv >/dev/null 2>&1 || fail 'uv not found on PATH; use an image that provides uv, such as ghcr.io/astral-sh/uv:python3.12-bookworm'
exec uv run "$@"
`;

/** A file shipped with a job. */
export interface ShippedFile {
  /** Base name written in the job's files directory (any Unicode but `/` and control characters). */
  name: string;
  /** Exact bytes. */
  content: Uint8Array;
  /** Whether to `chmod +x` it. */
  executable?: boolean;
}

/** Why a base name cannot be written as a single file, or `undefined` when it can. */
export function shippedNameProblem(name: string): string | undefined {
  if (name === "" || name === "." || name === "..") return "is not a file name";
  if (name.includes("/")) return "contains /";
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(name)) return "contains a control character (newline, tab, ...)";
  // Lone surrogates would be silently replaced when encoded to UTF-8.
  if (Buffer.from(name, "utf8").toString("utf8") !== name) return "is not valid Unicode";
  if (Buffer.byteLength(name, "utf8") > 255) return "is longer than 255 bytes";
  return undefined;
}

/**
 * Encodes files into the environment variables the bootstrap reads. `fileArgs` are the 1-based
 * positions, among the uv arguments, of those that name a shipped file: the bootstrap turns each
 * into the file's path in the job. Throws a {@link ValidationError} (`files`) on a bad or
 * duplicate name or past the size limits.
 */
export function encodeFilesPayload(files: readonly ShippedFile[], fileArgs: readonly number[] = []): Record<string, string> {
  if (files.length > MAX_SHIPPED_FILES) {
    throw new ValidationError("files", `at most ${MAX_SHIPPED_FILES} files can be shipped with a job, got ${files.length}`);
  }
  const seen = new Set<string>();
  let total = 0;
  for (const file of files) {
    const problem = shippedNameProblem(file.name);
    if (problem) throw new ValidationError("files", `file name ${JSON.stringify(file.name)} ${problem}`);
    if (seen.has(file.name)) throw new ValidationError("files", `two files are named ${JSON.stringify(file.name)}`);
    seen.add(file.name);
    total += file.content.byteLength;
  }
  if (total > MAX_SHIPPED_BYTES) {
    throw new ValidationError("files", `shipped files total ${total} bytes, over the ${MAX_SHIPPED_BYTES}-byte limit`);
  }
  const manifest: string[] = [];
  const chunks: string[] = [];
  for (const file of files) {
    const b64 = Buffer.from(file.content.buffer, file.content.byteOffset, file.content.byteLength).toString("base64");
    let count = 0;
    for (let at = 0; at < b64.length; at += PAYLOAD_CHUNK_CHARS) {
      chunks.push(b64.slice(at, at + PAYLOAD_CHUNK_CHARS));
      count++;
    }
    const name64 = Buffer.from(file.name, "utf8").toString("base64");
    manifest.push(`${file.content.byteLength} ${count} ${file.executable ? "x" : "-"} ${name64}`);
  }
  const env: Record<string, string> = { [PAYLOAD_ENV_PREFIX]: manifest.join("\n") };
  for (const [i, chunk] of chunks.entries()) env[`${PAYLOAD_ENV_PREFIX}_${i}`] = chunk;
  if (fileArgs.some((position) => !Number.isInteger(position) || position < 1)) {
    throw new ValidationError("args", "file argument positions must be positive integers");
  }
  if (fileArgs.length > 0) env[FILE_ARGS_ENV] = fileArgs.join(" ");
  return env;
}

/**
 * The job command that writes the payload's files and runs `uv run <uvArgs...>`: the bootstrap
 * gets the uv arguments as positional parameters, so they reach uv unchanged, except those the
 * payload marks as naming a shipped file, which get the files' directory in front.
 */
export function bootstrapCommand(uvArgs: readonly string[]): string[] {
  return ["sh", "-c", UV_BOOTSTRAP, BOOTSTRAP_ARGV0, ...uvArgs];
}

/**
 * The files a payload made by {@link encodeFilesPayload} carries, read back from a job's
 * environment (none when it has no manifest). Lenient: a line it cannot read is skipped, since
 * this only serves checks of what a spec is about to send, never the job itself.
 */
export function shippedFilesIn(env: Readonly<Record<string, string>> | undefined): ShippedFile[] {
  const manifest = env?.[PAYLOAD_ENV_PREFIX];
  if (env === undefined || manifest === undefined) return [];
  const out: ShippedFile[] = [];
  // A hand-made manifest may claim any count: no file has more chunks than there are variables.
  const variables = Object.keys(env).length;
  let k = 0;
  for (const line of manifest.split("\n")) {
    const [, count, mode, name64] = line.split(" ");
    const n = Number(count);
    if (name64 === undefined || !Number.isSafeInteger(n) || n < 0 || n > variables) continue;
    const chunks: string[] = [];
    for (let j = 0; j < n; j++) chunks.push(env[`${PAYLOAD_ENV_PREFIX}_${k + j}`] ?? "");
    k += n;
    out.push({ name: Buffer.from(name64, "base64").toString("utf8"), content: Buffer.from(chunks.join(""), "base64"), executable: mode === "x" });
  }
  return out;
}

/**
 * The error for a shipped file that holds a token: whatever ships in a spec is readable by anyone
 * who can inspect the job. The file's name is shown, never its content.
 */
export function tokenInShippedFile(field: string, name: string): ValidationError {
  return new ValidationError(
    field,
    `${JSON.stringify(name)} contains what looks like an access token; shipped files are readable by anyone who can inspect the job, pass the token in \`secrets\` instead`,
  );
}
