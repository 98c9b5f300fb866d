import { describe, expect, it } from "vitest";
import type { AuditEntry } from "./api";
import { dayRange, eventLabel, isDay, isFailure, outcomeEvents, positionOf } from "./auditView";

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
  it("asks for an outcome's events", () => {
    expect(outcomeEvents("refusals")).toBe("sign_in_failed,sign_in_throttled,account_locked");
    expect(outcomeEvents("sign_ins")).toBe("sign_in");
    expect(outcomeEvents(undefined)).toBeUndefined();
  });

  it("names events for people and marks the failures", () => {
    expect(eventLabel("sign_in_failed")).toBe("Sign-in refused");
    expect(eventLabel("something_new")).toBe("something_new");
    expect(isFailure("sign_in_throttled")).toBe(true);
    expect(isFailure("sign_in")).toBe(false);
    expect(entry(1, "sign_in").event).toBe("sign_in");
  });

  it("takes both days of a range whole, in the browser's zone", () => {
    const range = dayRange("2026-12-01", "2026-12-07");
    expect(range.from).toBe(new Date(2026, 11, 1, 0, 0).toISOString());
    expect(range.to).toBe(new Date(2026, 11, 8, 0, 0).toISOString());
    expect(dayRange(undefined, "2026-12-31").to).toBe(new Date(2027, 0, 1, 0, 0).toISOString());
    expect(dayRange("yesterday", "2026-13-45")).toEqual({});
    expect(isDay("2026-02-28")).toBe(true);
    expect(isDay("2026-2-28")).toBe(false);
  });

  it("says where a page is among all that matched", () => {
    expect(positionOf(1, 25, 60)).toMatchObject({ page: 1, pages: 3, first: 1, last: 25 });
    expect(positionOf(3, 10, 60)).toMatchObject({ page: 3, pages: 3, first: 51, last: 60 });
    expect(positionOf(1, 0, 0)).toMatchObject({ page: 1, pages: 1, first: 0, last: 0 });
  });
});
