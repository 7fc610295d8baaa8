/**
 * Defaults of {@link EmulatorOptions}, and the checks that refuse unsafe or nonsensical values
 * before anything listens.
 * @module
 */
import { tmpdir } from "node:os";
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

const NAMESPACE_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
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
    if (!NAMESPACE_RE.test(ns)) throw new Error(`emulator: invalid namespace "${ns}"`);
  }
  const token = options.token ?? newToken();
  if (token.length === 0 || /\s/.test(token)) throw new Error("emulator: token must be non-empty and contain no whitespace");
  const engine = options.containerEngine ?? "auto";
  if (!["auto", "docker", "podman", "none"].includes(engine)) {
    throw new Error(`emulator: containerEngine must be auto, docker, podman or none, got "${engine}"`);
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
    env: { ...(options.env ?? {}) },
    logger: options.logger ?? ((line: string) => console.error(line)),
    faults: [...(options.faults ?? [])],
    keepStreamsOpen: keepStreamsOpen(options),
    allowedHosts: allowedHosts(options.allowedHosts),
    tmpDir: options.tmpDir ?? tmpdir(),
    secondsInSchedules: options.secondsInSchedules ?? false,
  };
}
