/**
 * The HTTP front: Host check, request ids, request log, faults, routing, authentication and
 * namespace checks, in that order.
 * @module
 */
import { timingSafeEqual } from "node:crypto";
import { type IncomingMessage, type Server, type ServerResponse, STATUS_CODES, createServer } from "node:http";
import type { Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import type { App } from "./app.js";
import { HttpError, MESSAGES, notEmulated, sendError } from "./errors.js";
import type { FaultRegistry, RequestLog } from "./faults.js";
import type { RequestContext } from "./http.js";
import { newRequestId } from "./ids.js";
import { isLoopbackHost } from "./options.js";
import { accountRoutes } from "./routes-account.js";
import { jobRoutes } from "./routes-jobs.js";
import { scheduledRoutes } from "./routes-scheduled.js";
import { Router } from "./router.js";

/** What the HTTP front needs besides the app. */
export interface ServerDeps {
  app: App;
  faults: FaultRegistry;
  requests: RequestLog;
  /** Origin for Link URLs when a request has no Host header (HTTP/1.0). */
  origin: () => string;
}

/** A listening server that can be torn down with every connection it holds. */
export interface EmulatorServer {
  server: Server;
  /** Stops handling requests and destroys every open connection. */
  shutdown(): Promise<void>;
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  if (!match) return false;
  const given = Buffer.from(match[1]!);
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function decodeSegments(pathname: string): string[] {
  try {
    return pathname.split("/").slice(1).map(decodeURIComponent);
  } catch {
    throw new HttpError(400, "Malformed URL path");
  }
}

function faultHeaders(status: number, retryAfter: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  if (retryAfter === undefined) return headers;
  headers["Retry-After"] = retryAfter;
  if (status === 429 && /^\d+$/.test(retryAfter)) {
    // The IETF RateLimit headers the Hub sends along with its 429 answers.
    headers.RateLimit = `"api";r=0;t=${retryAfter}`;
    headers["RateLimit-Policy"] = `"fixed window";"api";q=1000;w=300`;
  }
  return headers;
}

const HOST_HEADER = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/;

/**
 * The Host header's name when the emulator answers to it: a loopback name, the bound host, or an
 * `allowedHosts` entry. Anything else is refused, so that a web page cannot drive the emulator
 * through a DNS name rebound to 127.0.0.1, and no arbitrary Host ever reaches a Link URL.
 */
function hostAllowed(header: string, bound: string, allowed: readonly string[]): boolean {
  const match = HOST_HEADER.exec(header);
  if (!match) return false;
  const name = match[1]!.replace(/^\[|\]$/g, "").toLowerCase();
  return isLoopbackHost(name) || name === bound.replace(/^\[|\]$/g, "").toLowerCase() || allowed.includes(name);
}

/** Creates the HTTP server of an emulator (not yet listening). */
export function createEmulatorServer(deps: ServerDeps): EmulatorServer {
  const { app, faults, requests } = deps;
  const router = new Router([...accountRoutes(app), ...jobRoutes(app), ...scheduledRoutes(app)]);
  const sockets = new Set<Socket>();
  let closed = false;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.setHeader("X-Request-Id", newRequestId());
    const method = (req.method ?? "GET").toUpperCase();
    const host = req.headers.host;
    if (host !== undefined && !hostAllowed(host, app.options.host, app.options.allowedHosts)) {
      throw new HttpError(403, MESSAGES.hostNotAllowed);
    }
    const origin = host !== undefined ? `http://${host}` : deps.origin();
    const url = new URL(req.url ?? "/", origin);
    requests.record(method, url.pathname);
    const segments = decodeSegments(url.pathname);
    const match = router.match(method, segments);
    const traits = match.kind === "route" ? { sse: match.route.sse === true, createsJob: match.route.createsJob === true } : { sse: false, createsJob: false };
    const applied = faults.take(method, url.pathname, traits);
    if (applied.latencyMs > 0) await sleep(applied.latencyMs);
    if (closed || res.destroyed) return;
    if (applied.status) {
      const { status, retryAfter } = applied.status;
      sendError(res, status, STATUS_CODES[status], faultHeaders(status, retryAfter));
      return;
    }
    const ctx: RequestContext = { req, res, url, origin, faults: applied };
    try {
      if (match.kind === "none") throw notEmulated(method, url.pathname);
      if (match.kind === "method-not-allowed") throw new HttpError(405, "Method Not Allowed", { Allow: match.allow.join(", ") });
      const { route, params } = match;
      if (!route.public) {
        if (!tokenMatches(req.headers.authorization, app.options.token)) throw new HttpError(401, MESSAGES.unauthorized);
        if (params.ns !== "") app.identity.assertNamespace(params.ns);
      }
      await route.handle(ctx, params);
    } catch (error) {
      if (applied.drop) {
        res.destroy();
        return;
      }
      if (error instanceof HttpError) {
        sendError(res, error.status, error.message, error.headers);
        return;
      }
      app.options.logger(`hf-jobs emulator: internal error on ${method} ${url.pathname.slice(0, 200)}: ${(error as Error).message}`);
      sendError(res, 500, "Internal emulator error");
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (error instanceof HttpError) sendError(res, error.status, error.message, error.headers);
      else res.destroy();
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  return {
    server,
    shutdown: () =>
      new Promise<void>((resolve) => {
        closed = true;
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
