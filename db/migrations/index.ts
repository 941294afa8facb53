import type { Migration } from "kysely";
import * as m0001 from "./0001_initial";

/** Every migration, in order. Static imports work the same under tsx, Vite and vitest. */
export const migrations: Record<string, Migration> = {
  "0001_initial": m0001,
};
