/** What a verified borrower can do, in the order the overview offers it (docs/product-rules.md §5). */
export const PORTAL_ACTIONS = [
  { to: "/account/pay", key: "pay", primary: true },
  { to: "/account/plan", key: "plan", primary: false },
  { to: "/account/settlement", key: "settlement", primary: false },
  { to: "/account/promise", key: "promise", primary: false },
  { to: "/account/hardship", key: "hardship", primary: false },
  { to: "/account/appointment", key: "appointment", primary: false },
  { to: "/account/preferences", key: "preferences", primary: false },
  { to: "/account/complaint", key: "complaint", primary: false },
] as const;
