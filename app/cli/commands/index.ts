import type { Command } from "../command";
import { dbMigrate } from "./db-migrate";
import { dbServe } from "./db-serve";
import { demoSeed } from "./demo-seed";
import { linkCreate } from "./link-create";
import { scheduleRun } from "./schedule-run";
import { staffCreate } from "./staff-create";
import { staffDisable, staffEnable, staffInvite, staffResetTotp, staffRole } from "./staff-admin";
import { auditVerify } from "./audit-verify";
import { apikeyCreate, apikeyRevoke } from "./apikey-create";
import { importCommand } from "./import";
import { webhookRedeliver } from "./webhook-redeliver";
import { retentionRun } from "./retention-run";
import { reconcile } from "./reconcile";
import { autopayRun } from "./autopay-run";

export const commands: Command[] = [
  dbMigrate,
  dbServe,
  demoSeed,
  linkCreate,
  scheduleRun,
  staffCreate,
  staffInvite,
  staffDisable,
  staffEnable,
  staffRole,
  staffResetTotp,
  auditVerify,
  importCommand,
  apikeyCreate,
  apikeyRevoke,
  webhookRedeliver,
  retentionRun,
  reconcile,
  autopayRun,
];
