/**
 * Path-pattern routing: `/api/jobs/:ns/:id/logs` style patterns, 404 vs 405 distinction.
 * @module
 */
import type { RequestContext } from "./http.js";

/** Path parameters; `""` when the route has none of that name. */
export interface Params {
  ns: string;
  id: string;
}

/** One route. Routes are authenticated and namespace-checked unless `public`. */
export interface Route {
  method: string;
  path: string;
  public?: boolean;
  /** Serves server-sent events (affected by `closeStreamAfterEvents`). */
  sse?: boolean;
  /** Creates a job (affected by `stuckInScheduling`). */
  createsJob?: boolean;
  handle(ctx: RequestContext, params: Params): void | Promise<void>;
}

/** Result of matching a request. */
export type Match =
  | { kind: "route"; route: Route; params: Params }
  | { kind: "method-not-allowed"; allow: string[] }
  | { kind: "none" };

interface Compiled {
  route: Route;
  segments: string[];
}

/** First matching route wins, so fixed paths (`/api/jobs/hardware`) go before patterns. */
export class Router {
  readonly #compiled: Compiled[];

  constructor(routes: Route[]) {
    this.#compiled = routes.map((route) => ({ route, segments: route.path.split("/").slice(1) }));
  }

  /** Matches decoded path segments. */
  match(method: string, segments: string[]): Match {
    const allow: string[] = [];
    for (const { route, segments: pattern } of this.#compiled) {
      const params = matchSegments(pattern, segments);
      if (!params) continue;
      if (route.method === method) return { kind: "route", route, params };
      allow.push(route.method);
    }
    return allow.length > 0 ? { kind: "method-not-allowed", allow } : { kind: "none" };
  }
}

function matchSegments(pattern: string[], segments: string[]): Params | undefined {
  if (pattern.length !== segments.length) return undefined;
  const params: Params = { ns: "", id: "" };
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    const s = segments[i]!;
    if (p === ":ns" || p === ":id") {
      if (s === "") return undefined;
      params[p.slice(1) as keyof Params] = s;
    } else if (p !== s) {
      return undefined;
    }
  }
  return params;
}
