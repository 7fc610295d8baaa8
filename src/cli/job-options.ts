/**
 * The job options shared by `run`, `uv run`, `scheduled run` and `sweep`:
 * their `parseArgs` definitions and their conversion into the SDK's spec fields.
 * @module
 */
import type { Volume } from "../types.js";
import { csv, list, type OptionDefs, type OptionValues, str } from "./args.js";
import { buildEnvAndSecrets, type EnvContext } from "./env.js";
import { UsageError } from "./exit.js";

/** Options describing a job (everything but the image and the command). */
export const JOB_OPTIONS = {
  env: { type: "string", short: "e", multiple: true },
  secrets: { type: "string", short: "s", multiple: true },
  "env-file": { type: "string", multiple: true },
  "secrets-file": { type: "string", multiple: true },
  flavor: { type: "string" },
  timeout: { type: "string" },
  name: { type: "string" },
  label: { type: "string", short: "l", multiple: true },
  volume: { type: "string", short: "v", multiple: true },
  expose: { type: "string", multiple: true },
  "resource-group-id": { type: "string" },
} as const satisfies OptionDefs;

/** `run` and `uv run` only (not scheduled). */
export const RUN_ONLY_OPTIONS = {
  ssh: { type: "boolean" },
  detach: { type: "boolean", short: "d" },
} as const satisfies OptionDefs;

/** `uv run` and `scheduled uv run`. */
export const UV_OPTIONS = {
  with: { type: "string", multiple: true },
  python: { type: "string", short: "p" },
  image: { type: "string" },
} as const satisfies OptionDefs;

/** Help lines of {@link JOB_OPTIONS}. */
export const JOB_OPTIONS_HELP = `Job options:
  -e, --env KEY=VALUE|KEY     Environment variable (a bare KEY takes the local value); repeatable
  -s, --secrets KEY=VALUE|KEY Secret variable, encrypted by the service; -s HF_TOKEN sends your token
      --env-file FILE         Read variables from a dotenv file (flags override it)
      --secrets-file FILE     Read secrets from a dotenv file
      --flavor NAME           Hardware flavor (default cpu-basic; see hf-jobs hardware)
      --timeout DURATION      Maximum run time: seconds, or 90s, 30m, 1.5h, 2d (default 30m)
      --name NAME             Job name (sent as the "name" label)
  -l, --label KEY=VALUE|KEY   Label; repeatable
  -v, --volume hf://[TYPE/]OWNER/NAME[@REV][/PATH]:/MOUNT[:ro|:rw]
                              Mount a model (default), dataset, space or bucket; repeatable
      --expose PORT[,PORT]    Expose ports at https://<job id>--<port>.hf.jobs
      --resource-group-id ID  Organisation resource group to create the job in (access, billing)`;

/** The spec fields the job options produce. */
export interface JobOptionFields {
  env: Record<string, string>;
  secrets: Record<string, string>;
  flavor?: string;
  timeout?: string;
  name?: string;
  labels?: Record<string, string>;
  volumes?: Volume[];
  expose?: number[];
  resourceGroupId?: string;
}

/** Converts the job options; bad values are usage errors (the SDK validates the rest). */
export async function jobOptionFields(values: OptionValues, envCtx: EnvContext): Promise<JobOptionFields> {
  const { env, secrets } = await buildEnvAndSecrets(
    { env: list(values, "env"), envFiles: list(values, "env-file"), secrets: list(values, "secrets"), secretsFiles: list(values, "secrets-file") },
    envCtx,
  );
  const out: JobOptionFields = { env, secrets };
  const flavor = str(values, "flavor");
  if (flavor !== undefined) out.flavor = flavor;
  const timeout = str(values, "timeout");
  if (timeout !== undefined) out.timeout = timeout;
  const name = str(values, "name");
  if (name !== undefined) out.name = name;
  const labels = parseLabels(list(values, "label"));
  if (Object.keys(labels).length > 0) out.labels = labels;
  const volumes = list(values, "volume").map(parseVolume);
  if (volumes.length > 0) out.volumes = volumes;
  const expose = parsePorts(csv(values, "expose"));
  if (expose.length > 0) out.expose = expose;
  const resourceGroupId = str(values, "resource-group-id");
  if (resourceGroupId !== undefined) out.resourceGroupId = resourceGroupId;
  return out;
}

/** `-l KEY=VALUE` or `-l KEY` (empty value). */
export function parseLabels(items: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf("=");
    const key = eq === -1 ? item : item.slice(0, eq);
    if (key === "") throw new UsageError(`-l/--label expects KEY=VALUE or KEY, got "${item}"`);
    out[key] = eq === -1 ? "" : item.slice(eq + 1);
  }
  return out;
}

function parsePorts(items: string[]): number[] {
  return items.map((item) => {
    const port = Number(item);
    if (!/^\d+$/.test(item) || port < 1 || port > 65535) throw new UsageError(`--expose expects port numbers (1-65535), got "${item}"`);
    return port;
  });
}

const VOLUME_TYPES: Record<string, Volume["type"]> = {
  models: "model",
  model: "model",
  datasets: "dataset",
  dataset: "dataset",
  spaces: "space",
  space: "space",
  buckets: "bucket",
  bucket: "bucket",
};

/**
 * `-v hf://[TYPE/]OWNER/NAME[@REVISION][/PATH]:/MOUNT[:ro|:rw]`. TYPE is
 * `models` (default), `datasets`, `spaces` or `buckets`. Without `:ro`/`:rw` the service default
 * applies (read-only for repositories, read-write for buckets).
 */
export function parseVolume(text: string): Volume {
  const usage = `-v/--volume expects hf://[TYPE/]OWNER/NAME[/PATH]:/MOUNT[:ro|:rw], got "${text}"`;
  if (!text.startsWith("hf://")) {
    throw new UsageError(`${usage}; local directories are not supported, upload them to a bucket or repository first`);
  }
  const match = /^hf:\/\/([^:]+):(\/[^:]*)(?::(ro|rw))?$/.exec(text);
  if (!match) throw new UsageError(usage);
  const [, source, mountPath, mode] = match as unknown as [string, string, string, string | undefined];
  const parts = source.split("/").filter((p) => p !== "");
  let type: Volume["type"] = "model";
  const first = parts[0];
  if (first !== undefined && VOLUME_TYPES[first] && parts.length >= 3) {
    type = VOLUME_TYPES[first] as Volume["type"];
    parts.shift();
  }
  const [owner, nameRev, ...path] = parts;
  if (!owner || !nameRev) throw new UsageError(usage);
  const at = nameRev.indexOf("@");
  const volume: Volume = { type, source: `${owner}/${at === -1 ? nameRev : nameRev.slice(0, at)}`, mountPath };
  if (at !== -1) {
    if (type === "bucket") throw new UsageError(`${usage}; buckets have no revisions`);
    volume.revision = nameRev.slice(at + 1);
  }
  if (path.length > 0) volume.path = path.join("/");
  if (mode !== undefined) volume.readOnly = mode === "ro";
  return volume;
}
