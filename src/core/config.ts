/**
 * Where the endpoint and the token come from: explicit options first, then the
 * environment, then the token file written by `hf auth login`.
 * @module
 */
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { ValidationError } from "./errors.js";

/** Default service endpoint. */
export const DEFAULT_ENDPOINT = "https://huggingface.co";

/** A value that is set and not blank (a blank variable counts as unset). */
function present(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

/** `~` and `~/...` as the shell would expand them (values from .env files are not expanded). */
function expandHome(path: string): string {
  return path === "~" || path.startsWith("~/") ? join(homedir(), path.slice(1)) : path;
}

/**
 * The endpoint: option, else `HF_ENDPOINT`, else huggingface.co; trailing slashes dropped.
 * Anything but an http(s) URL is a {@link ValidationError}, and so is a URL with credentials
 * (`https://user:pass@host`): `fetch` cannot send them, and refusing them keeps them out of every
 * error, debug line and printed client. The message never repeats them.
 */
export function resolveEndpoint(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const fromOption = present(option);
  const raw = fromOption ?? present(env.HF_ENDPOINT) ?? DEFAULT_ENDPOINT;
  const endpoint = raw.replace(/\/+$/, "");
  const field = fromOption ? "endpoint" : "HF_ENDPOINT";
  let url: URL | undefined;
  try {
    url = new URL(endpoint);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "https:" && url.protocol !== "http:")) {
    throw new ValidationError(field, `"${withoutCredentials(endpoint)}" is not an http(s) URL`);
  }
  if (url.username || url.password) {
    throw new ValidationError(field, `"${withoutCredentials(endpoint)}" carries credentials; pass the token as \`token\` or HF_TOKEN instead`);
  }
  return endpoint;
}

/** A URL-like text with anything before an `@` of its authority masked, for messages. */
function withoutCredentials(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^/?#]*@/i, (_, scheme: string | undefined) => `${scheme ?? ""}***@`);
}

/** Path of the token file: `HF_TOKEN_PATH`, else `$HF_HOME/token` (HF_HOME defaults to the XDG cache). */
export function tokenFilePath(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = present(env.HF_TOKEN_PATH);
  if (explicit) return expandHome(explicit);
  const cache = present(env.XDG_CACHE_HOME) ?? join(homedir(), ".cache");
  const hfHome = present(env.HF_HOME) ?? join(cache, "huggingface");
  return join(expandHome(hfHome), "token");
}

/**
 * The token: option, else `HF_TOKEN`, else `HUGGING_FACE_HUB_TOKEN`, else the token file.
 * Returns undefined when none is found; empty values count as absent.
 */
export async function resolveToken(
  option: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string | undefined> {
  for (const candidate of [option, env.HF_TOKEN, env.HUGGING_FACE_HUB_TOKEN]) {
    if (candidate?.trim()) return candidate.trim();
  }
  try {
    const text = (await readFile(tokenFilePath(env), "utf8")).trim();
    return text || undefined;
  } catch {
    return undefined;
  }
}
