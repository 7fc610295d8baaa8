/**
 * Account-level routes: the public hardware list and whoami-v2.
 * @module
 */
import type { App } from "./app.js";
import { hardwareList } from "./hardware.js";
import { sendJson } from "./http.js";
import type { Route } from "./router.js";

/** `GET /api/jobs/hardware` (public) and `GET /api/whoami-v2`. */
export function accountRoutes(app: App): Route[] {
  return [
    { method: "GET", path: "/api/jobs/hardware", public: true, handle: (ctx) => sendJson(ctx, 200, hardwareList()) },
    { method: "GET", path: "/api/whoami-v2", handle: (ctx) => sendJson(ctx, 200, app.identity.whoami()) },
  ];
}
