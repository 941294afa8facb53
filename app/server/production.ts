/**
 * `npm start`: the production entry. Vite bundles it with the Remix build (vite.config.ts), so this file,
 * the routes and everything they import are one module graph in build/server/main.js.
 */
// @ts-expect-error a virtual module the Remix Vite plugin provides at build time
import * as build from "virtual:remix/server-build";
import type { ServerBuild } from "@remix-run/node";
import { runSettle } from "./main";

runSettle({ build: build as ServerBuild });
