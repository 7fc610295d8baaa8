/**
 * Where the endpoint and the token come from (reference §1): explicit options first, then the
 * environment, then the token file written by `hf auth login`.
 * @module
 */
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";

/** Default service endpoint. */
export const DEFAULT_ENDPOINT = "https://huggingface.co";

/** The endpoint: option, else `HF_ENDPOINT`, else huggingface.co; trailing slashes dropped. */
export function resolveEndpoint(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const raw = option ?? env.HF_ENDPOINT ?? DEFAULT_ENDPOINT;
  return raw.trim().replace(/\/+$/, "");
}

/** Path of the token file: `HF_TOKEN_PATH`, else `$HF_HOME/token` (HF_HOME defaults to the XDG cache). */
export function tokenFilePath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HF_TOKEN_PATH) return env.HF_TOKEN_PATH;
  const hfHome = env.HF_HOME ?? join(env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "huggingface");
  return join(hfHome, "token");
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
