// The sign-in audit as the page shows it. The console filters (by operator, by events, by
// time) and pages; here are the outcomes an admin picks from, each a set of events, the days
// of the date filter as instants, and the names of the events.

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

/** The `event` filter of an outcome: its events, comma-separated. */
export function outcomeEvents(outcome: AuditOutcome | undefined): string | undefined {
  return outcome === undefined ? undefined : AUDIT_OUTCOMES[outcome].events.join(",");
}

export const AUDIT_PAGE_SIZE = 25;

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Whether a text is a day as date inputs give it (YYYY-MM-DD) and a real one. */
export function isDay(text: string): boolean {
  return DAY.test(text) && !Number.isNaN(new Date(`${text}T00:00`).getTime());
}

/**
 * The instants of a range of days in the browser's zone: `from` at the start of its day and
 * `to` at the end of its own (the start of the next), so both days are in.
 */
export function dayRange(from: string | undefined, to: string | undefined): { from?: string; to?: string } {
  const range: { from?: string; to?: string } = {};
  if (from !== undefined && isDay(from)) range.from = new Date(`${from}T00:00`).toISOString();
  if (to !== undefined && isDay(to)) {
    const end = new Date(`${to}T00:00`);
    end.setDate(end.getDate() + 1);
    range.to = end.toISOString();
  }
  return range;
}

export interface AuditPosition {
  page: number;
  pages: number;
  first: number;
  last: number;
}

/** Where a page of `shown` entries is among `total` (pages of `size`, 1-based). */
export function positionOf(page: number, shown: number, total: number, size: number = AUDIT_PAGE_SIZE): AuditPosition {
  const pages = Math.max(1, Math.ceil(total / size));
  const start = (page - 1) * size;
  return { page, pages, first: shown === 0 ? 0 : start + 1, last: start + shown };
}
