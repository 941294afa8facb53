import type { Migration } from "kysely";
import * as m0001 from "./0001_initial";
import * as m0002 from "./0002_task_borrower_note";
import * as m0003 from "./0003_rate_limits";
import * as m0004 from "./0004_short_links_fk";
import * as m0005 from "./0005_decision_repeats";
import * as m0006 from "./0006_messages_sent_at";
import * as m0007 from "./0007_planner_paths";
import * as m0008 from "./0008_unused_indexes";
import * as m0009 from "./0009_search_trigrams";
import * as m0010 from "./0010_unread_queued_index";
import * as m0011 from "./0011_time_ordered_book_ids";
import * as m0012 from "./0012_staff_login_throttles";
import * as m0015 from "./0015_audit_anchors";
import * as m0020 from "./0020_payment_processing";
import * as m0025 from "./0025_sms_link_codes_sealed";
import * as m0026 from "./0026_free_text_retention";
import * as m0030 from "./0030_payment_allocations";
import * as m0035 from "./0035_staff_acts_for_borrower";
import * as m0040 from "./0040_task_claims";
import * as m0041 from "./0041_case_lifecycle";
import * as m0045 from "./0045_staff_invites";
import * as m0060 from "./0060_reconciliation_runs";
import * as m0061 from "./0061_instalment_moves";
import * as m0090 from "./0090_inbound_review";
import * as m0100 from "./0100_autopay";
import * as m0105 from "./0105_settlements";
import * as m0110 from "./0110_call_outcomes";
import * as m0112 from "./0112_visit_preference";
import * as m0115 from "./0115_email";
import * as m0125 from "./0125_consent_and_data_rights";
import * as m0130 from "./0130_more_jurisdictions";
import * as m0135 from "./0135_staff_invite_emails";
import * as m0140 from "./0140_account_statuses";
import * as m0141 from "./0141_bereavement_and_validation_notices";
import * as m0145 from "./0145_addresses_phone_owner";
import * as m0146 from "./0146_visit_attempts";
import * as m0150 from "./0150_policy_experiments";
import * as m0151 from "./0151_experiment_results";
import * as m0155 from "./0155_sending_pace";
import * as m0156 from "./0156_account_milestones";
import * as m0165 from "./0165_validation_notice_emails";
import * as m0170 from "./0170_case_replies";

/** Every migration, in order. Static imports work the same under tsx, Vite and vitest. */
export const migrations: Record<string, Migration> = {
  "0001_initial": m0001,
  "0002_task_borrower_note": m0002,
  "0003_rate_limits": m0003,
  "0004_short_links_fk": m0004,
  "0005_decision_repeats": m0005,
  "0006_messages_sent_at": m0006,
  "0007_planner_paths": m0007,
  "0008_unused_indexes": m0008,
  "0009_search_trigrams": m0009,
  "0010_unread_queued_index": m0010,
  "0011_time_ordered_book_ids": m0011,
  "0012_staff_login_throttles": m0012,
  "0015_audit_anchors": m0015,
  "0020_payment_processing": m0020,
  "0025_sms_link_codes_sealed": m0025,
  "0026_free_text_retention": m0026,
  "0030_payment_allocations": m0030,
  "0035_staff_acts_for_borrower": m0035,
  "0040_task_claims": m0040,
  "0041_case_lifecycle": m0041,
  "0045_staff_invites": m0045,
  "0060_reconciliation_runs": m0060,
  "0061_instalment_moves": m0061,
  "0090_inbound_review": m0090,
  "0100_autopay": m0100,
  "0105_settlements": m0105,
  "0110_call_outcomes": m0110,
  "0112_visit_preference": m0112,
  "0115_email": m0115,
  "0125_consent_and_data_rights": m0125,
  "0130_more_jurisdictions": m0130,
  "0135_staff_invite_emails": m0135,
  "0140_account_statuses": m0140,
  "0141_bereavement_and_validation_notices": m0141,
  "0145_addresses_phone_owner": m0145,
  "0146_visit_attempts": m0146,
  "0150_policy_experiments": m0150,
  "0151_experiment_results": m0151,
  "0155_sending_pace": m0155,
  "0156_account_milestones": m0156,
  "0165_validation_notice_emails": m0165,
  "0170_case_replies": m0170,
};
