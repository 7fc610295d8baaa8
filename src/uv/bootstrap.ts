/**
 * How local files travel inside a uv job spec. The contract has two halves that must agree:
 * {@link encodeFilesPayload} turns files into environment variables, and {@link UV_BOOTSTRAP}, a
 * fixed POSIX `sh` script, turns them back into files in the container's working directory and
 * then runs `exec uv run "$@"`. {@link decodeFilesPayload} is the same decoder written in
 * TypeScript (tests, emulator, inspecting a job).
 *
 * Payload layout (all values ASCII):
 * - `HF_JOBS_FILES`: one manifest line per file, `<size> <chunks> <mode> <base64 name>`, where
 *   `size` is the byte length, `chunks` the number of chunk variables, `mode` `x` (executable) or `-`.
 * - `HF_JOBS_FILES_0`, `HF_JOBS_FILES_1`, ...: the base64 of each file in turn, cut into chunks of
 *   at most {@link PAYLOAD_CHUNK_CHARS} characters, numbered across files in manifest order.
 *
 * User text never becomes shell code: the bootstrap is a constant, the payload is read with
 * `printenv` and `read`, and the uv arguments are the positional parameters.
 * @module
 */
import { ValidationError } from "../core/errors.js";

/** Name of the manifest variable; chunk variables add `_<n>`. Reserved: user env may not use it. */
export const PAYLOAD_ENV_PREFIX = "HF_JOBS_FILES";

/**
 * Base64 characters per chunk variable. Linux rejects any single argument or environment entry
 * longer than MAX_ARG_STRLEN (131072 bytes, `NAME=` and the final NUL included); half of that
 * leaves room for the name and for any layer that re-encodes the value. A multiple of 4, so each
 * chunk is a whole run of base64 quads.
 */
export const PAYLOAD_CHUNK_CHARS = 65536;

/**
 * Total bytes of shipped files (script plus `files`). Base64 makes the environment 4/3 larger
 * (about 683 KiB here), which keeps the request body under the 1 MiB body limit common in HTTP
 * front ends, leaves about 850 KiB for arguments and environment within the 1.5 MiB that
 * `buildUvRunSpec` allows for argv + envp together (below ARG_MAX, 2 MiB), and keeps the job,
 * which the service returns with its environment on every inspect and list, a reasonable size.
 */
export const MAX_SHIPPED_BYTES = 512 * 1024;

/** At most this many shipped files, so the manifest stays a small single variable. */
export const MAX_SHIPPED_FILES = 100;

/** `$0` of the bootstrap shell; shows up in `ps` and in the bootstrap's own error messages. */
export const BOOTSTRAP_ARGV0 = "hf-jobs-uv";

/**
 * The fixed bootstrap run by `sh -c` (dash on Debian; any POSIX sh with `base64`, `printenv`,
 * `wc` and `chmod`, coreutils or busybox). It writes each file to `./<name>`, checks its size,
 * removes the payload from the environment (so the script and its children do not carry it
 * against ARG_MAX) and replaces itself with `uv run "$@"`. It never evaluates payload text.
 */
export const UV_BOOTSTRAP = `fail() { printf '${BOOTSTRAP_ARGV0}: %s\\n' "$1" >&2; exit 1; }
IFS=' '
for tool in base64 printenv wc chmod; do
  command -v "$tool" >/dev/null 2>&1 || fail "$tool not found in the image; shipping local files needs a POSIX shell with coreutils or busybox"
done
k=0
while read -r size n mode b; do
  [ -n "$b" ] || continue
  name=$(printf '%s' "$b" | base64 -d && printf x) || fail 'corrupt file name in the payload'
  name=\${name%x}
  # The encoder never produces these; a hand-made payload must not write outside the directory.
  case $name in ''|.|..|*/*) fail 'unsafe file name in the payload' ;; esac
  name=./$name
  j=0
  while [ "$j" -lt "$n" ]; do
    printenv "${PAYLOAD_ENV_PREFIX}_$((k + j))" || exit 1
    j=$((j + 1))
  done | base64 -d >"$name" || fail "cannot decode or write $name"
  # Unquoted on purpose: some wc implementations pad the count with spaces. This check is also
  # what catches a damaged chunk with busybox, whose base64 -d skips non-base64 characters.
  [ $(wc -c <"$name") -eq "$size" ] || fail "$name is incomplete or corrupt (expected $size bytes): the payload was cut or damaged"
  if [ "$mode" = x ]; then chmod +x "$name" || fail "cannot make $name executable"; fi
  k=$((k + n))
done <<HF_JOBS_MANIFEST
$${PAYLOAD_ENV_PREFIX}
HF_JOBS_MANIFEST
i=0
while [ "$i" -lt "$k" ]; do unset "${PAYLOAD_ENV_PREFIX}_$i"; i=$((i + 1)); done
unset ${PAYLOAD_ENV_PREFIX}
command -v uv >/dev/null 2>&1 || fail 'uv not found on PATH; use an image that provides uv, such as ghcr.io/astral-sh/uv:python3.12-bookworm'
exec uv run "$@"
`;

/** A file shipped with a job. */
export interface ShippedFile {
  /** Base name written in the container's working directory (any Unicode but `/` and control characters). */
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
 * Encodes files into the environment variables the bootstrap reads. Throws a
 * {@link ValidationError} (`files`) on a bad or duplicate name or past the size limits.
 */
export function encodeFilesPayload(files: readonly ShippedFile[]): Record<string, string> {
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
  return env;
}

const MANIFEST_LINE_RE = /^(\d+) (\d+) ([x-]) ([A-Za-z0-9+/]*={0,2})$/;
const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Reverses {@link encodeFilesPayload} from a job's environment, with the checks the bootstrap
 * makes. Returns `[]` when the environment carries no payload; throws a {@link ValidationError}
 * (`env.HF_JOBS_FILES...`) when the payload is malformed or cut.
 */
export function decodeFilesPayload(env: Readonly<Record<string, string | undefined>>): ShippedFile[] {
  const manifest = env[PAYLOAD_ENV_PREFIX];
  if (manifest === undefined) return [];
  const field = `env.${PAYLOAD_ENV_PREFIX}`;
  const files: ShippedFile[] = [];
  let k = 0;
  for (const line of manifest.split("\n")) {
    if (line === "") continue;
    const match = MANIFEST_LINE_RE.exec(line);
    if (!match) throw new ValidationError(field, `malformed manifest line ${JSON.stringify(line)}`);
    const [, size, count, mode, name64] = match as unknown as [string, string, string, string, string];
    const parts: string[] = [];
    for (let j = 0; j < Number(count); j++, k++) {
      const chunk = env[`${PAYLOAD_ENV_PREFIX}_${k}`];
      if (chunk === undefined || !BASE64_RE.test(chunk)) {
        throw new ValidationError(`${field}_${k}`, "missing or not base64");
      }
      parts.push(chunk);
    }
    const content = new Uint8Array(Buffer.from(parts.join(""), "base64"));
    if (content.byteLength !== Number(size)) {
      throw new ValidationError(field, `file ${files.length} is ${content.byteLength} bytes, expected ${size}`);
    }
    files.push({ name: Buffer.from(name64, "base64").toString("utf8"), content, executable: mode === "x" });
  }
  return files;
}

/**
 * The job command that writes the payload's files and runs `uv run <uvArgs...>`: the bootstrap
 * gets the uv arguments as positional parameters, so they reach uv unchanged.
 */
export function bootstrapCommand(uvArgs: readonly string[]): string[] {
  return ["sh", "-c", UV_BOOTSTRAP, BOOTSTRAP_ARGV0, ...uvArgs];
}
