import type { Command } from "../command";
import { dbMigrate } from "./db-migrate";
import { demoSeed } from "./demo-seed";
import { linkCreate } from "./link-create";
import { scheduleRun } from "./schedule-run";

export const commands: Command[] = [dbMigrate, demoSeed, linkCreate, scheduleRun];
