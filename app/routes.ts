import type { RouteConfig } from "@remix-run/route-config";
import { flatRoutes } from "@remix-run/fs-routes";

// The development outbox (/dev/outbox: every text with its live link, replies as the phone, no sign-in) is
// left out of production builds (Vite builds with NODE_ENV=production); a production process refuses it
// anyway, and an admin uses /staff/outbox there (app/staff/dev-outbox.server.ts).
const devOnly = process.env.NODE_ENV === "production" ? ["**/dev.*"] : [];

export default flatRoutes({
  ignoredRouteFiles: ["**/*.test.ts", "**/*.test.tsx", ...devOnly],
}) satisfies RouteConfig;
