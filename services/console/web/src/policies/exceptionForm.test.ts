import { describe, expect, it } from "vitest";
import type { PolicyException } from "./api";
import {
  checkException,
  emptyException,
  exceptionValues,
  isDecided,
  toCreateException,
  toUpdateException,
  withType,
  type ExceptionFormValues,
} from "./exceptionForm";

const PERSON = "0190a000-0000-7000-8000-0000000000aa";
const LEAVE: PolicyException = {
  id: "0190a000-0000-7000-8000-000000000003",
  person_id: PERSON,
  exception_date: "2026-12-24",
  exception_type: "leave",
  reason: "Family",
  requires_approval: true,
  approved: false,
  approved_by: null,
  approved_at: null,
  approval_status: "pending",
  created_at: "2026-12-01T00:00:00Z",
  organization: null,
};

const holiday = (change: Partial<ExceptionFormValues> = {}): ExceptionFormValues => ({ ...emptyException("2026-12-25"), reason: "Christmas", ...change });

describe("the exception form's checks (attendance-api's, in the browser)", () => {
  it("accepts a holiday for everyone, and a person's leave", () => {
    expect(checkException(holiday()).fields).toEqual({});
    expect(checkException({ ...emptyException("2026-12-24", "leave"), person_id: PERSON, reason: "Family" }).fields).toEqual({});
  });

  it("wants a real date and a reason", () => {
    expect(checkException(holiday({ exception_date: "2026-02-30", reason: "  " })).fields).toEqual({
      exception_date: ["Must be a date as YYYY-MM-DD."],
      reason: ["Must not be empty."],
    });
    expect(checkException(holiday({ reason: "x".repeat(501) })).fields.reason).toEqual(["Must be at most 500 characters."]);
  });

  it("keeps holidays everyone's, leave a person's, and leave always approved", () => {
    expect(checkException(holiday({ audience: "person", person_id: PERSON })).fields.person_id).toEqual([
      "A holiday applies to everyone: it cannot be one person's.",
    ]);
    const leave = { ...emptyException("2026-12-24", "leave"), reason: "Family" };
    expect(checkException(leave).fields.person_id).toEqual(["Leave is a person's: choose whose it is."]);
    expect(checkException({ ...leave, person_id: PERSON, requires_approval: false }).fields.requires_approval).toEqual([
      "Leave always requires approval.",
    ]);
  });

  it("changes what the kind asks for when the kind changes", () => {
    const event = withType(holiday(), "special_event");
    expect(event).toMatchObject({ exception_type: "special_event", audience: "everyone", requires_approval: false });
    const leave = withType({ ...event, audience: "person", person_id: PERSON }, "leave");
    expect(leave).toMatchObject({ audience: "person", person_id: PERSON, requires_approval: true });
    expect(withType(leave, "holiday")).toMatchObject({ audience: "everyone", requires_approval: false });
    // A special event made from leave keeps its person but drops leave's approval.
    expect(withType(leave, "special_event")).toMatchObject({ audience: "person", person_id: PERSON, requires_approval: false });
  });
});

describe("the exception requests", () => {
  it("creates a holiday without a person, leave with one and always pending", () => {
    expect(toCreateException(holiday())).toEqual({
      exception_type: "holiday",
      exception_date: "2026-12-25",
      reason: "Christmas",
      requires_approval: false,
    });
    expect(toCreateException({ ...emptyException("2026-12-24", "leave"), person_id: PERSON, reason: " Family ", requires_approval: false })).toEqual({
      exception_type: "leave",
      exception_date: "2026-12-24",
      reason: "Family",
      requires_approval: true,
      person_id: PERSON,
    });
  });

  it("updates only what changed; a new kind carries its approval; null makes it everyone's", () => {
    const original = exceptionValues(LEAVE);
    expect(toUpdateException(original, original)).toEqual({});
    expect(toUpdateException({ ...original, reason: "Wedding" }, original)).toEqual({ reason: "Wedding" });
    expect(toUpdateException(withType(original, "special_event"), original)).toEqual({ exception_type: "special_event", requires_approval: false });
    expect(toUpdateException(withType(withType(original, "special_event"), "holiday"), original)).toEqual({
      exception_type: "holiday",
      requires_approval: false,
      person_id: null,
    });
  });

  it("tells a decided exception (only its reason may change) from a pending one", () => {
    expect(isDecided(LEAVE)).toBe(false);
    expect(isDecided({ approval_status: "approved" })).toBe(true);
    expect(isDecided({ approval_status: "rejected" })).toBe(true);
    expect(isDecided({ approval_status: "not_required" })).toBe(false);
  });
});

describe("an organisation's holiday", () => {
  it("is sent with its organisation, trimmed, and no person", () => {
    const values = holiday({ audience: "organization", organization: "  ACME " });
    expect(checkException(values).fields).toEqual({});
    expect(toCreateException(values)).toEqual({
      exception_type: "holiday",
      exception_date: "2026-12-25",
      reason: "Christmas",
      requires_approval: false,
      organization: "ACME",
    });
  });

  it("needs the organisation's name", () => {
    expect(checkException(holiday({ audience: "organization", organization: " " })).fields).toEqual({
      organization: ["Give the organisation, or make it for everyone."],
    });
  });

  it("is read back as an organisation's, and made everyone's again with null", () => {
    const loaded = exceptionValues({ ...LEAVE, person_id: null, exception_type: "holiday", organization: "ACME", approval_status: "not_required" });
    expect([loaded.audience, loaded.organization]).toEqual(["organization", "ACME"]);
    expect(toUpdateException({ ...loaded, audience: "everyone", organization: "" }, loaded)).toEqual({ organization: null });
    // A holiday stays an organisation's when its kind changes back to holiday.
    expect(withType(withType(loaded, "special_event"), "holiday").audience).toBe("organization");
  });
});
