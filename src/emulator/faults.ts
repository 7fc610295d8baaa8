/**
 * Deterministic fault injection (rules matched in order, each with an optional budget `times`)
 * and the bounded request log of `Emulator.requests`.
 * @module
 */
import type { FaultRule, RequestFilter } from "./types.js";

/** What the matching rules ask of one request. */
export interface AppliedFaults {
  latencyMs: number;
  status?: { status: number; retryAfter?: string };
  drop: boolean;
  closeStreamAfterEvents?: number;
  stuckInScheduling: boolean;
}

/** What the matched route can be affected by, so a rule is not spent on requests it cannot change. */
export interface RouteTraits {
  sse: boolean;
  createsJob: boolean;
}

/** Compiles a path pattern: `*` = within one segment, `**` = across segments; RegExp used as is. */
export function pathMatcher(pattern: string | RegExp | undefined): (path: string) => boolean {
  if (pattern === undefined) return () => true;
  if (pattern instanceof RegExp) {
    // A copy without the global/sticky flags, so that `test` does not keep state between calls.
    const re = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ""));
    return (path) => re.test(path);
  }
  const source = pattern
    .split("**")
    .map((part) =>
      part
        .split("*")
        .map((s) => s.replace(/[.+?^${}()|[\]\\/]/g, "\\$&"))
        .join("[^/]*"),
    )
    .join(".*");
  const re = new RegExp(`^${source}$`);
  return (path) => re.test(path);
}

/** A method + path predicate for a filter or a rule. */
export function requestMatcher(filter: RequestFilter): (method: string, path: string) => boolean {
  const method = filter.method?.toUpperCase();
  const path = pathMatcher(filter.path);
  return (m, p) => (method === undefined || method === m.toUpperCase()) && path(p);
}

interface ActiveRule {
  rule: FaultRule;
  matches: (method: string, path: string) => boolean;
  remaining: number;
}

function validate(rule: FaultRule): void {
  const nonNegative = (name: string, v: number | undefined) => {
    if (v !== undefined && (!Number.isFinite(v) || v < 0)) throw new RangeError(`fault rule: ${name} must be >= 0`);
  };
  nonNegative("times", rule.times);
  nonNegative("latencyMs", rule.latencyMs);
  nonNegative("closeStreamAfterEvents", rule.closeStreamAfterEvents);
  if (rule.status !== undefined && (!Number.isInteger(rule.status) || rule.status < 100 || rule.status > 599)) {
    throw new RangeError(`fault rule: status must be an HTTP status code, got ${rule.status}`);
  }
}

function affects(rule: FaultRule, traits: RouteTraits): boolean {
  return (
    (rule.latencyMs ?? 0) > 0 ||
    rule.status !== undefined ||
    rule.dropAfterHandling === true ||
    (rule.closeStreamAfterEvents !== undefined && traits.sse) ||
    (rule.stuckInScheduling === true && traits.createsJob)
  );
}

/** The live rule list of one emulator. */
export class FaultRegistry {
  #rules: ActiveRule[] = [];

  /** Adds a rule after the others; returns its remover. */
  add(rule: FaultRule): () => void {
    validate(rule);
    const active: ActiveRule = { rule: { ...rule }, matches: requestMatcher(rule), remaining: rule.times ?? Number.POSITIVE_INFINITY };
    this.#rules.push(active);
    return () => {
      this.#rules = this.#rules.filter((r) => r !== active);
    };
  }

  /** Removes every rule. */
  clear(): void {
    this.#rules = [];
  }

  /**
   * Takes, in the order the rules were added, every matching rule that can affect this route and
   * whose effects can all apply together with those of the rules already taken; only taken rules
   * are spent. One-per-request effects: one `status` (it answers instead of handling, so it excludes
   * the handling effects `dropAfterHandling`, `closeStreamAfterEvents` and `stuckInScheduling`), one
   * `dropAfterHandling` (a dropped stream sends no event, so it excludes a cut), one
   * `closeStreamAfterEvents` and one `stuckInScheduling`. Latencies of the taken rules add up.
   */
  take(method: string, path: string, traits: RouteTraits): AppliedFaults {
    const applied: AppliedFaults = { latencyMs: 0, drop: false, stuckInScheduling: false };
    for (const active of this.#rules) {
      const { rule } = active;
      if (active.remaining <= 0 || !active.matches(method, path) || !affects(rule, traits)) continue;
      const code = rule.status;
      const status = code !== undefined;
      const drop = rule.dropAfterHandling === true;
      const cut = rule.closeStreamAfterEvents !== undefined && traits.sse;
      const stuck = rule.stuckInScheduling === true && traits.createsJob;
      const handled = applied.drop || applied.closeStreamAfterEvents !== undefined || applied.stuckInScheduling;
      const conflicts =
        (status && (applied.status !== undefined || handled)) ||
        (drop && (applied.status !== undefined || applied.drop || applied.closeStreamAfterEvents !== undefined)) ||
        (cut && (applied.status !== undefined || applied.drop || applied.closeStreamAfterEvents !== undefined)) ||
        (stuck && (applied.status !== undefined || applied.stuckInScheduling));
      if (conflicts) continue;
      active.remaining -= 1;
      applied.latencyMs += rule.latencyMs ?? 0;
      if (code !== undefined) {
        applied.status = { status: code };
        if (rule.retryAfter !== undefined) applied.status.retryAfter = String(rule.retryAfter);
      }
      if (drop) applied.drop = true;
      if (cut) applied.closeStreamAfterEvents = rule.closeStreamAfterEvents;
      if (stuck) applied.stuckInScheduling = true;
    }
    this.#rules = this.#rules.filter((r) => r.remaining > 0);
    return applied;
  }
}

/** Longest path kept per record; longer ones are cut, so that one request cannot take much memory. */
const MAX_RECORDED_PATH = 512;

/**
 * Counts requests by method and path for `Emulator.requests`. Memory is bounded whatever clients
 * send: at most `maxKeys` distinct method + path pairs are kept (the least recently seen one is
 * forgotten first), each path cut at 512 characters.
 */
export class RequestLog {
  readonly #counts = new Map<string, { method: string; path: string; n: number }>();
  readonly #maxKeys: number;

  constructor(maxKeys = 10_000) {
    this.#maxKeys = maxKeys;
  }

  /** Records one request. */
  record(method: string, path: string): void {
    const shortPath = path.length > MAX_RECORDED_PATH ? path.slice(0, MAX_RECORDED_PATH) : path;
    const shortMethod = method.slice(0, 16);
    const key = `${shortMethod} ${shortPath}`;
    const entry = this.#counts.get(key);
    if (entry) {
      // Re-inserted, so that the Map's order is least recently seen first.
      this.#counts.delete(key);
      entry.n += 1;
      this.#counts.set(key, entry);
      return;
    }
    if (this.#counts.size >= this.#maxKeys) {
      const oldest = this.#counts.keys().next();
      if (!oldest.done) this.#counts.delete(oldest.value);
    }
    this.#counts.set(key, { method: shortMethod, path: shortPath, n: 1 });
  }

  /** Number of distinct method + path pairs held. */
  get size(): number {
    return this.#counts.size;
  }

  /** Number of recorded requests matching the filter. */
  count(filter: RequestFilter = {}): number {
    const matches = requestMatcher(filter);
    let total = 0;
    for (const e of this.#counts.values()) if (matches(e.method, e.path)) total += e.n;
    return total;
  }

  /** Forgets everything. */
  reset(): void {
    this.#counts.clear();
  }
}
