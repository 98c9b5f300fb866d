// A record's history in words: each audit action as a sentence with its reason, and the
// operator named instead of their id.

import { describe, expect, it } from "vitest";
import { actorName, describeHistory } from "./history";

const entry = (action: string, after: unknown) => ({ at: "2026-12-07T09:00:00Z", actor: "x", action, entity: "detection", after });

describe("describeHistory", () => {
  it("says what a correction did and why", () => {
    expect(describeHistory(entry("detection_corrected", { detection: { verdict: "rejected" }, reason: "Her twin sister" }))).toEqual({
      what: "Corrected a sighting: not them",
      reason: "Her twin sister",
    });
    expect(describeHistory(entry("detection_corrected", { detection: { verdict: "check_out" }, reason: "Left early" })).what).toBe(
      "Corrected a sighting: confirmed as check-out",
    );
  });

  it("says what a manual approval made of the day, with its remark", () => {
    expect(describeHistory(entry("manual_approved", { status: "late", remarks: "Train strike" }))).toEqual({
      what: "Approved the manual entry: the day is Late",
      reason: "Train strike",
    });
    expect(describeHistory(entry("manual_check_in", { status: "pending", remarks: null }))).toEqual({
      what: "Checked in by hand (waiting for approval)",
      reason: undefined,
    });
  });

  it("reads review decisions", () => {
    expect(describeHistory(entry("review_approved", { verdict: "confirmed", reason: null })).what).toBe("Approved a sighting in review: confirmed");
    expect(describeHistory(entry("review_not_a_face", { reason: "A poster" }))).toEqual({
      what: "Rejected a sighting in review: not a person, or a bad capture",
      reason: "A poster",
    });
  });

  it("still says something of an action it does not know", () => {
    expect(describeHistory(entry("record_archived", "not json"))).toEqual({ what: "record archived", reason: undefined });
  });
});

describe("actorName", () => {
  const ada = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
  const bob = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c";
  const names = new Map([[bob, "Bob Hr"], [ada, "Ada Admin"]]);

  it("names operators, and the reader as themselves", () => {
    expect(actorName(bob, names, { id: ada, name: "Ada Admin" })).toBe("Bob Hr");
    expect(actorName(ada, names, { id: ada, name: "Ada Admin" })).toBe("Ada Admin (you)");
  });

  it("falls back to the id's first block, or the subject as it is", () => {
    expect(actorName("0190ffff-0000-7000-8000-000000000000", names, undefined)).toBe("operator 0190ffff");
    expect(actorName("attendance-worker", names, undefined)).toBe("attendance-worker");
  });
});
