// What the Attendance forms send, and what they refuse before sending (attendance-api's own
// rules), and how a refusal of the API is worded.

import { describe, expect, it } from "vitest";
import { ApiError } from "../lib/errors";
import { correctionBody, localDateTimeValue, manualDecisionBody, manualEntryBody, refusalText } from "./forms";

const PERSON = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
const DETECTION = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c";

describe("manual entries", () => {
  it("send the person alone (the API marks the present moment)", () => {
    expect(manualEntryBody(PERSON)).toEqual({ ok: true, body: { person_id: PERSON } });
  });

  it("need a person", () => {
    expect(manualEntryBody(undefined)).toEqual({ ok: false, errors: { person_id: ["Choose the person first."] } });
    expect(manualEntryBody("not-an-id").ok).toBe(false);
  });

  it("send a time changed by the operator as an instant, and a trimmed reason; an untouched time is now", () => {
    const now = new Date(2026, 10, 3, 10, 0);
    const arrived = new Date(2026, 10, 3, 8, 55);
    expect(manualEntryBody(PERSON, { time: localDateTimeValue(arrived), timeChanged: true, reason: "  forgot the camera " }, now)).toEqual({
      ok: true,
      body: { person_id: PERSON, time: arrived.toISOString(), reason: "forgot the camera" },
    });
    expect(manualEntryBody(PERSON, { time: "whatever", timeChanged: false, reason: "" }, now)).toEqual({ ok: true, body: { person_id: PERSON } });
  });

  it("refuse a time later than now, older than 31 days or missing, and a reason over 500 characters", () => {
    const now = new Date(2026, 10, 3, 10, 0);
    const at = (time: string, reason = "") => manualEntryBody(PERSON, { time, timeChanged: true, reason }, now);
    expect(at("2026-11-03T10:30")).toEqual({ ok: false, errors: { time: ["The time cannot be later than now."] } });
    expect(at("2026-11-03T10:04").ok).toBe(true);
    expect(at("2026-10-01T09:00")).toEqual({ ok: false, errors: { time: ["The time can be at most 31 days back."] } });
    expect(at("")).toEqual({ ok: false, errors: { time: ["Give the date and time of the arrival or departure."] } });
    expect(at("2026-11-03T09:00", "x".repeat(501))).toEqual({ ok: false, errors: { reason: ["At most 500 characters."] } });
  });
});

describe("corrections", () => {
  it("send the sighting, the verdict and the trimmed reason", () => {
    expect(correctionBody({ detectionId: DETECTION, verdict: "rejected", reason: "  It was her twin.  " })).toEqual({
      ok: true,
      body: { detection_id: DETECTION, verdict: "rejected", reason: "It was her twin." },
    });
  });

  it("refuse a missing reason, verdict and sighting together", () => {
    const result = correctionBody({ detectionId: "", verdict: "", reason: "   " });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(Object.keys(result.errors).sort()).toEqual(["detection_id", "reason", "verdict"]);
  });

  it("refuse a reason over 500 characters or with a line break", () => {
    const long = correctionBody({ detectionId: DETECTION, verdict: "check_in", reason: "x".repeat(501) });
    expect(long).toEqual({ ok: false, errors: { reason: ["At most 500 characters."] } });
    expect(correctionBody({ detectionId: DETECTION, verdict: "check_in", reason: "x".repeat(500) }).ok).toBe(true);
    const multiline = correctionBody({ detectionId: DETECTION, verdict: "check_out", reason: "first\nsecond" });
    expect(multiline.ok).toBe(false);
  });
});

describe("manual decisions", () => {
  it("send a remark only when there is one", () => {
    expect(manualDecisionBody("  ")).toEqual({ ok: true, body: {} });
    expect(manualDecisionBody(" Seen at the desk ")).toEqual({ ok: true, body: { remarks: "Seen at the desk" } });
    expect(manualDecisionBody("y".repeat(501)).ok).toBe(false);
  });
});

describe("refusalText", () => {
  it("gives the API's reason and its code", () => {
    const error = new ApiError({ status: 409, code: "already_checked_in", message: "already checked in on 2026-12-07" });
    expect(refusalText(error)).toBe("Already checked in on 2026-12-07. (already_checked_in)");
  });

  it("lists field problems by field", () => {
    const error = new ApiError({
      status: 422,
      code: "validation_failed",
      message: "invalid fields",
      details: [{ field: "reason", code: "required", message: "must not be empty" }],
    });
    expect(refusalText(error)).toBe("Invalid fields. Reason: must not be empty. (validation_failed)");
  });
});
