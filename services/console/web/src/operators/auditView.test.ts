import { describe, expect, it } from "vitest";
import type { AuditEntry } from "./api";
import { eventLabel, filterByOutcome, isFailure, pageOf } from "./auditView";

function entry(i: number, event: string): AuditEntry {
  return {
    id: `0190a000-0000-7000-8000-${String(i).padStart(12, "0")}`,
    occurred_at: `2026-12-07T10:${String(i % 60).padStart(2, "0")}:00Z`,
    event,
    operator_id: null,
    email: "ana@example.com",
    client_address: "127.0.0.1",
    detail: null,
  };
}

describe("the sign-in audit as shown", () => {
  const entries = [entry(1, "sign_in"), entry(2, "sign_in_failed"), entry(3, "account_locked"), entry(4, "sign_out"), entry(5, "operator_updated")];

  it("filters by outcome, each a set of events", () => {
    expect(filterByOutcome(entries, "refusals").map((e) => e.event)).toEqual(["sign_in_failed", "account_locked"]);
    expect(filterByOutcome(entries, "sign_ins").map((e) => e.event)).toEqual(["sign_in"]);
    expect(filterByOutcome(entries, undefined)).toHaveLength(5);
  });

  it("names events for people and marks the failures", () => {
    expect(eventLabel("sign_in_failed")).toBe("Sign-in refused");
    expect(eventLabel("something_new")).toBe("something_new");
    expect(isFailure("sign_in_throttled")).toBe(true);
    expect(isFailure("sign_in")).toBe(false);
  });

  it("pages what was loaded, clamping a page past the end", () => {
    const many = Array.from({ length: 60 }, (_, i) => entry(i, "sign_in"));
    expect(pageOf(many, 1)).toMatchObject({ page: 1, pages: 3, first: 1, last: 25 });
    expect(pageOf(many, 3)).toMatchObject({ page: 3, pages: 3, first: 51, last: 60 });
    expect(pageOf(many, 9).page).toBe(3);
    expect(pageOf([], 1)).toMatchObject({ page: 1, pages: 1, first: 0, last: 0, entries: [] });
  });
});
