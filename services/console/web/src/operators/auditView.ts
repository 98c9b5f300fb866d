// The sign-in audit as the page shows it. The console's route filters by operator and
// returns the newest `limit` entries (up to 1,000); what kind of event, and the pages of what
// was loaded, are chosen here, in the browser.

import type { AuditEntry } from "./api";

/** Every event the console writes (services/console/src/store.rs, AuditEvent). */
export const AUDIT_EVENTS = {
  sign_in: "Signed in",
  sign_in_failed: "Sign-in refused",
  sign_in_throttled: "Sign-in throttled",
  account_locked: "Locked",
  sign_out: "Signed out",
  password_changed: "Changed their password",
  password_reset: "Password reset",
  sessions_revoked: "Sessions ended",
  operator_created: "Operator created",
  operator_updated: "Operator changed",
} as const;
export type AuditEvent = keyof typeof AUDIT_EVENTS;

/** The outcomes an admin looks for, each a set of events. */
export const AUDIT_OUTCOMES = {
  sign_ins: { label: "Sign-ins", events: ["sign_in"] },
  refusals: { label: "Refused, throttled or locked sign-ins", events: ["sign_in_failed", "sign_in_throttled", "account_locked"] },
  sign_outs: { label: "Sign-outs and ended sessions", events: ["sign_out", "sessions_revoked"] },
  accounts: {
    label: "Account changes",
    events: ["operator_created", "operator_updated", "password_changed", "password_reset"],
  },
} as const satisfies Record<string, { label: string; events: readonly AuditEvent[] }>;
export type AuditOutcome = keyof typeof AUDIT_OUTCOMES;

export function eventLabel(event: string): string {
  return (AUDIT_EVENTS as Record<string, string>)[event] ?? event;
}

/** Whether an event is a failure to show as such (red). */
export function isFailure(event: string): boolean {
  return (AUDIT_OUTCOMES.refusals.events as readonly string[]).includes(event);
}

export function filterByOutcome(entries: readonly AuditEntry[], outcome: AuditOutcome | undefined): AuditEntry[] {
  if (outcome === undefined) return [...entries];
  const events: readonly string[] = AUDIT_OUTCOMES[outcome].events;
  return entries.filter((e) => events.includes(e.event));
}

export const AUDIT_PAGE_SIZE = 25;

export interface AuditPage {
  entries: AuditEntry[];
  page: number;
  pages: number;
  first: number;
  last: number;
}

/** One page of `entries` (1-based, clamped to the pages there are). */
export function pageOf(entries: readonly AuditEntry[], page: number, size: number = AUDIT_PAGE_SIZE): AuditPage {
  const pages = Math.max(1, Math.ceil(entries.length / size));
  const current = Math.min(Math.max(1, Math.floor(page)), pages);
  const start = (current - 1) * size;
  const slice = entries.slice(start, start + size);
  return { entries: slice, page: current, pages, first: slice.length === 0 ? 0 : start + 1, last: start + slice.length };
}
