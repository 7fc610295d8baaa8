/**
 * Defaults of {@link EmulatorOptions}, and the checks that refuse unsafe or nonsensical values
 * before anything listens.
 * @module
 */
import { tmpdir } from "node:os";
import { isAbsolute } from "node:path";
import { NAMESPACE_PATTERN } from "../wire/schemas.js";
import { newToken } from "./ids.js";
import type { EmulatorOptions, FaultRule } from "./types.js";

/** EmulatorOptions with every default applied. */
export interface ResolvedOptions {
  port: number;
  host: string;
  namespace: string;
  token: string;
  extraNamespaces: string[];
  pageSize: number;
  schedulingDelayMs: number;
  keepAliveMs: number;
  metricsIntervalMs: number;
  killGraceMs: number;
  containerEngine: "auto" | "docker" | "podman" | "none";
  containerEnginePath: string | undefined;
  containerEngineArgs: string[];
  containerRunArgs: string[];
  env: Record<string, string>;
  logger: (line: string) => void;
  faults: FaultRule[];
  keepStreamsOpen: boolean;
  /** Lower-case host names accepted in the Host header besides loopback names and `host`. */
  allowedHosts: string[];
  tmpDir: string;
  secondsInSchedules: boolean;
}

/** True for names and addresses that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h) || /^::ffff:127(\.\d{1,3}){3}$/.test(h);
}

const HOST_NAME_RE = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.:-]+)$/;

function count(name: string, value: number | undefined, fallback: number, min: number): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v < min) throw new RangeError(`emulator option ${name} must be a number >= ${min}, got ${v}`);
  return v;
}

function keepStreamsOpen(options: EmulatorOptions): boolean {
  const { keepLogStreamsOpen, closeLogStreamsAtJobEnd } = options;
  if (keepLogStreamsOpen !== undefined && closeLogStreamsAtJobEnd !== undefined && keepLogStreamsOpen === closeLogStreamsAtJobEnd) {
    throw new Error("emulator: keepLogStreamsOpen and the deprecated closeLogStreamsAtJobEnd contradict each other; pass keepLogStreamsOpen only");
  }
  if (keepLogStreamsOpen !== undefined) return keepLogStreamsOpen;
  return closeLogStreamsAtJobEnd === false;
}

function allowedHosts(list: string[] | undefined): string[] {
  return (list ?? []).map((entry) => {
    const name = entry.trim().toLowerCase();
    if (!HOST_NAME_RE.test(name)) throw new Error(`emulator: invalid allowedHosts entry "${entry}": expected a host name or address, without port`);
    return name.replace(/^\[|\]$/g, "");
  });
}

function stringList(name: string, value: string[] | undefined): string[] {
  const list = value ?? [];
  if (!Array.isArray(list) || list.some((a) => typeof a !== "string" || a === "" || a.includes("\0"))) {
    throw new Error(`emulator: ${name} must be an array of non-empty strings`);
  }
  return [...list];
}

/** Fills in defaults; throws on a non-loopback host without consent, or on invalid values. */
export function resolveOptions(options: EmulatorOptions): ResolvedOptions {
  const host = options.host ?? "127.0.0.1";
  if (!isLoopbackHost(host) && options.allowNonLoopback !== true) {
    throw new Error(
      `emulator: refusing to bind non-loopback host "${host}": anyone who reaches it could run processes on this machine; pass allowNonLoopback: true to do it anyway`,
    );
  }
  const namespace = options.namespace ?? "emulator-user";
  const extraNamespaces = options.extraNamespaces ?? [];
  for (const ns of [namespace, ...extraNamespaces]) {
    if (!NAMESPACE_PATTERN.test(ns)) throw new Error(`emulator: invalid namespace "${ns}"`);
  }
  const token = options.token ?? newToken();
  if (token.length === 0 || /\s/.test(token)) throw new Error("emulator: token must be non-empty and contain no whitespace");
  const engine = options.containerEngine ?? "auto";
  if (!["auto", "docker", "podman", "none"].includes(engine)) {
    throw new Error(`emulator: containerEngine must be auto, docker, podman or none, got "${engine}"`);
  }
  const engineArgs = stringList("containerEngineArgs", options.containerEngineArgs);
  const runArgs = stringList("containerRunArgs", options.containerRunArgs);
  const enginePath = options.containerEnginePath;
  if (enginePath !== undefined && (typeof enginePath !== "string" || !isAbsolute(enginePath))) {
    throw new Error(`emulator: containerEnginePath must be an absolute path, got "${String(enginePath)}"`);
  }
  if ((engine === "auto" || engine === "none") && (enginePath !== undefined || engineArgs.length > 0 || runArgs.length > 0)) {
    // Flags of one engine would break the other, and "none" runs no engine at all.
    throw new Error(`emulator: containerEnginePath, containerEngineArgs and containerRunArgs need containerEngine "docker" or "podman", got "${engine}"`);
  }
  return {
    port: count("port", options.port, 0, 0),
    host,
    namespace,
    token,
    extraNamespaces,
    pageSize: Math.floor(count("pageSize", options.pageSize, 50, 1)),
    schedulingDelayMs: count("schedulingDelayMs", options.schedulingDelayMs, 100, 0),
    keepAliveMs: count("keepAliveMs", options.keepAliveMs, 30_000, 1),
    metricsIntervalMs: count("metricsIntervalMs", options.metricsIntervalMs, 1000, 1),
    killGraceMs: count("killGraceMs", options.killGraceMs, 5000, 0),
    containerEngine: engine,
    containerEnginePath: enginePath,
    containerEngineArgs: engineArgs,
    containerRunArgs: runArgs,
    env: { ...(options.env ?? {}) },
    logger: options.logger ?? ((line: string) => console.error(line)),
    faults: [...(options.faults ?? [])],
    keepStreamsOpen: keepStreamsOpen(options),
    allowedHosts: allowedHosts(options.allowedHosts),
    tmpDir: options.tmpDir ?? tmpdir(),
    secondsInSchedules: options.secondsInSchedules ?? false,
  };
}
