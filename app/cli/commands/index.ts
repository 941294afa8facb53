import type { Command } from "../command";
import { dbMigrate } from "./db-migrate";
import { demoSeed } from "./demo-seed";

export const commands: Command[] = [dbMigrate, demoSeed];
