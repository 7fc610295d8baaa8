/**
 * Pure functions that validate a user's run spec and build the wire `JobSpec`. Nothing here
 * sends a request: a bad field throws a {@link ValidationError} first.
 * @module
 */
import { createHash } from "node:crypto";
import { ValidationError } from "../core/errors.js";
import { ENV_NAME_PATTERN, isValidNamespace } from "../core/names.js";
import { looksLikeToken, normalizeToken } from "../core/redact.js";
import { type JobSpecWire, LABEL_KEY_PATTERN, LABEL_VALUE_PATTERN, type VolumeWire } from "../wire/schemas.js";
import { shippedFilesIn, tokenInShippedFile } from "../uv/bootstrap.js";
import type { JobSpecInput, RunSpec } from "../types.js";

const SPACE_PREFIXES = ["https://huggingface.co/spaces/", "https://hf.co/spaces/", "huggingface.co/spaces/", "hf.co/spaces/"];
const NAME_RE = /^[A-Za-z0-9._-]+$/;
const TIMEOUT_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Splits an image string into the wire's `dockerImage` or `spaceId`. */
export function parseImage(image: unknown): { dockerImage: string } | { spaceId: string } {
  if (typeof image !== "string" || image.trim() === "") {
    throw new ValidationError("image", "expected a Docker reference or hf.co/spaces/owner/name");
  }
  for (const prefix of SPACE_PREFIXES) {
    if (image.startsWith(prefix)) {
      const spaceId = image.slice(prefix.length).replace(/\/+$/, "");
      if (!/^[^/\s]+\/[^/\s]+$/.test(spaceId)) {
        throw new ValidationError("image", `"${image}" is not a Space reference of the form hf.co/spaces/owner/name`);
      }
      return { spaceId };
    }
  }
  if (/\s/.test(image)) throw new ValidationError("image", `"${image}" contains white space`);
  return { dockerImage: image };
}

/**
 * Timeout in whole seconds: numbers are seconds; strings may end in `s`, `m`, `h` or `d`
 * (fractions allowed, truncated). `0`, `""` and `undefined` mean the service default.
 */
export function parseTimeout(value: unknown): number | undefined {
  if (value === undefined || value === null || value === "" || value === 0) return undefined;
  let seconds: number;
  if (typeof value === "number") {
    seconds = value;
  } else if (typeof value === "string") {
    const match = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([smhd])?\s*$/i.exec(value);
    if (!match) {
      throw new ValidationError("timeout", `"${value}" is not a duration: use seconds or a number with s, m, h or d (e.g. "90m")`);
    }
    seconds = Number(match[1]) * (TIMEOUT_UNITS[(match[2] ?? "s").toLowerCase()] ?? 1);
  } else {
    throw new ValidationError("timeout", "expected a number of seconds or a string such as \"90m\"");
  }
  if (!Number.isFinite(seconds) || seconds < 0) throw new ValidationError("timeout", "must be a positive duration");
  const whole = Math.trunc(seconds);
  if (whole === 0) {
    if (seconds === 0) return undefined;
    throw new ValidationError("timeout", "must be at least one second");
  }
  return whole;
}

/** Checks a string map (env, secrets, labels) and returns a copy. */
function stringMap(field: string, value: unknown, keyRe: RegExp, keyHint: string): Record<string, string> {
  if (value === undefined) return {};
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new ValidationError(field, "expected an object of string values");
  }
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    if (!keyRe.test(key)) throw new ValidationError(`${field}.${key}`, `invalid key: ${keyHint}`);
    // The value is never echoed: it may be a secret.
    if (typeof v !== "string") throw new ValidationError(`${field}.${key}`, "value must be a string");
    out[key] = v;
  }
  return out;
}

function stringArray(field: string, value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new ValidationError(field, "expected an array of strings");
  return value.map((item, i) => {
    if (typeof item !== "string") throw new ValidationError(`${field}[${i}]`, "expected a string");
    return item;
  });
}

/** Validates volumes and converts them to the wire shape. */
function volumes(value: unknown): VolumeWire[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new ValidationError("volumes", "expected an array");
  return value.map((raw: unknown, i) => {
    const field = `volumes[${i}]`;
    if (raw === null || typeof raw !== "object") throw new ValidationError(field, "expected an object");
    const v = raw as Record<string, unknown>;
    if (typeof v.type !== "string" || !["bucket", "model", "dataset", "space"].includes(v.type)) {
      throw new ValidationError(`${field}.type`, "expected bucket, model, dataset or space");
    }
    if (typeof v.source !== "string" || !/^[^/\s]+\/[^/\s]+$/.test(v.source)) {
      throw new ValidationError(`${field}.source`, "expected owner/name");
    }
    if (typeof v.mountPath !== "string" || !v.mountPath.startsWith("/")) {
      throw new ValidationError(`${field}.mountPath`, "expected an absolute path");
    }
    const out: VolumeWire = { type: v.type, source: v.source, mountPath: v.mountPath };
    if (v.revision !== undefined) {
      if (typeof v.revision !== "string") throw new ValidationError(`${field}.revision`, "expected a string");
      out.revision = v.revision;
    }
    if (v.readOnly !== undefined) {
      if (typeof v.readOnly !== "boolean") throw new ValidationError(`${field}.readOnly`, "expected a boolean");
      out.readOnly = v.readOnly;
    }
    if (v.path !== undefined) {
      if (typeof v.path !== "string") throw new ValidationError(`${field}.path`, "expected a string");
      out.path = v.path;
    }
    return out;
  });
}

/** Checks labels: keys and values of at most 100 letters, digits, `.`, `-` or `_`. */
export function validateLabels(value: unknown): Record<string, string> {
  const labels = stringMap("labels", value, LABEL_KEY_PATTERN, "1-100 letters, digits, ., - or _");
  for (const [key, v] of Object.entries(labels)) {
    if (!LABEL_VALUE_PATTERN.test(v)) throw new ValidationError(`labels.${key}`, "values are at most 100 letters, digits, ., - or _");
  }
  return labels;
}

/** Keeps only the characters a job name may hold. */
export function sanitizeName(raw: string): string {
  const cleaned = raw.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/-{2,}/g, "-").replace(/^-+|-+$/g, "");
  return cleaned || "job";
}

function shortHash(parts: string[]): string {
  return createHash("sha256").update(parts.join("\0")).digest("hex").slice(0, 8);
}

/** Default `name` label of a job: image base + `-` + 8 hex of SHA-256 of image and command. */
export function defaultNameFromImage(image: string, command: string[]): string {
  const parsed = parseImage(image);
  const base =
    "spaceId" in parsed
      ? parsed.spaceId.replace("/", "-")
      : (parsed.dockerImage.split("/").pop() ?? parsed.dockerImage).replace(/[:./@]/g, "-");
  return `${sanitizeName(base).slice(0, 91).replace(/-+$/, "")}-${shortHash([image, ...command])}`;
}

/** Validates the fields shared by jobs and scheduled jobs and builds the wire spec. */
export function buildJobSpec(spec: JobSpecInput): JobSpecWire {
  if (spec === null || typeof spec !== "object") throw new ValidationError("spec", "expected an object");
  const image = parseImage(spec.image);
  const command = stringArray("command", spec.command);
  const args = stringArray("args", spec.args);
  const env = stringMap("env", spec.env, ENV_NAME_PATTERN, "environment variable names are letters, digits and _");
  for (const [key, value] of Object.entries(env)) {
    if (looksLikeToken(value)) throw tokenInEnv(key);
  }
  const secrets = stringMap("secrets", spec.secrets, ENV_NAME_PATTERN, "secret names are letters, digits and _");
  const labels = validateLabels(spec.labels);
  if (spec.name !== undefined) {
    if (typeof spec.name !== "string" || !NAME_RE.test(spec.name)) {
      throw new ValidationError("name", "use letters, digits, ., _ and - only");
    }
    if (spec.name.length > 100) throw new ValidationError("name", "at most 100 characters (it is stored as a label)");
    if ("name" in labels) throw new ValidationError("name", "given both as `name` and as labels.name; keep one");
    labels.name = spec.name;
  } else if (!("name" in labels)) {
    labels.name = defaultNameFromImage(spec.image, command);
  }
  const flavor = spec.flavor ?? "cpu-basic";
  // Any name is sent (new flavors need no release); only what cannot be a name is refused.
  if (typeof flavor !== "string" || flavor === "" || /[\s/]/.test(flavor)) {
    throw new ValidationError("flavor", "expected a hardware flavor name such as cpu-basic or a10g-small");
  }
  const out: JobSpecWire = { ...image, command, arguments: args, environment: env, flavor };
  if (Object.keys(secrets).length > 0) out.secrets = secrets;
  const timeoutSeconds = parseTimeout(spec.timeout);
  if (timeoutSeconds !== undefined) out.timeoutSeconds = timeoutSeconds;
  out.labels = labels;
  const vols = volumes(spec.volumes);
  if (vols.length > 0) out.volumes = vols;
  if (spec.expose !== undefined) {
    if (!Array.isArray(spec.expose) || spec.expose.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) {
      throw new ValidationError("expose", "expected an array of port numbers (1-65535)");
    }
    if (spec.expose.length > 0) out.expose = { ports: [...spec.expose] };
  }
  if (spec.arch !== undefined) {
    if (spec.arch !== "amd64" && spec.arch !== "arm64") throw new ValidationError("arch", "expected amd64 or arm64");
    out.arch = spec.arch;
  }
  if (spec.attempts !== undefined) {
    if (!Number.isInteger(spec.attempts) || spec.attempts < 1) throw new ValidationError("attempts", "expected a positive integer");
    out.attempts = spec.attempts;
  }
  if (spec.resourceGroupId !== undefined) {
    if (typeof spec.resourceGroupId !== "string" || spec.resourceGroupId === "") {
      throw new ValidationError("resourceGroupId", "expected a non-empty string");
    }
    out.resourceGroupId = spec.resourceGroupId;
  }
  return out;
}

function tokenInEnv(key: string): ValidationError {
  return new ValidationError(
    `env.${key}`,
    "holds an access token; env values are visible to anyone who can inspect the job, pass it in `secrets` instead",
  );
}

/**
 * Refuses an env value that is the client's own token, whatever its shape (tokens of other
 * services need not start with `hf_`), also when pasted with white space, quotes or `Bearer `
 * around it or embedded in a longer value; and a file shipped in `env` by a uv spec that holds
 * it. Runs where the token is known (every create), before any request.
 */
export function checkEnvAgainstToken(env: Record<string, string> | undefined, token: string | undefined): void {
  const known = token === undefined ? "" : normalizeToken(token);
  if (known.length < 8 || !env) return;
  for (const [key, value] of Object.entries(env)) {
    if (normalizeToken(value) === known || value.includes(known)) throw tokenInEnv(key);
  }
  // Shipped files travel base64-encoded: only their decoded bytes can show the token.
  const knownBytes = Buffer.from(known, "utf8");
  for (const file of shippedFilesIn(env)) {
    const { buffer, byteOffset, byteLength } = file.content;
    if (Buffer.from(buffer, byteOffset, byteLength).includes(knownBytes)) throw tokenInShippedFile("files", file.name);
  }
}

/** Builds the body of `POST /api/jobs/{ns}` from a {@link RunSpec}. */
export function buildRunBody(spec: RunSpec): JobSpecWire {
  const out = buildJobSpec(spec);
  if (spec.namespace !== undefined && (typeof spec.namespace !== "string" || !isValidNamespace(spec.namespace))) {
    throw new ValidationError("namespace", "expected a user or organisation name (letters, digits, ., _ and -)");
  }
  if (spec.ssh !== undefined) {
    if (typeof spec.ssh !== "boolean") throw new ValidationError("ssh", "expected a boolean");
    if (spec.ssh) out.ssh = { enabled: true };
  }
  return out;
}

/** Splits `namespace/id` job references; defined in `core/names.ts`, the home of naming rules. */
