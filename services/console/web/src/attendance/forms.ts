// The Attendance section's forms as data: what each sends to attendance-api and what the
// browser can refuse before sending (the API's own rules, so an operator hears at once what
// the API would answer), plus how a refusal of the API is worded with its code.

import { ApiError, sentence } from "../lib/errors";
import { isUuid } from "./recordsQuery";

/** attendance-api's bound on a correction's reason and a decision's remark. */
export const REASON_MAX = 500;

/** The Text rule the API applies to reasons and remarks: trimmed, bounded, no control characters. */
function checkText(raw: string, required: boolean): { value: string | undefined; error: string | undefined } {
  const value = raw.trim();
  if (value === "") return { value: undefined, error: required ? "Give a reason: it is kept in the record's history." : undefined };
  if ([...value].length > REASON_MAX) return { value: undefined, error: `At most ${REASON_MAX} characters.` };
  if (/[\u0000-\u001f\u007f-\u009f]/.test(value)) return { value: undefined, error: "Line breaks and other control characters are not allowed." };
  return { value, error: undefined };
}

export type Outcome<B, F extends string> = { ok: true; body: B } | { ok: false; errors: Partial<Record<F, string[]>> };

/** How far ahead of now a manual mark's time may be (attendance-api allows 5 minutes of skew). */
export const MANUAL_TIME_SKEW_MINUTES = 5;
/** How far back a manual mark's time may go (attendance-api's bound). */
export const MANUAL_TIME_MAX_AGE_DAYS = 31;

/** A `datetime-local` input's value (`YYYY-MM-DDTHH:MM`) for `at`, in this browser's time zone. */
export function localDateTimeValue(at: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}`;
}

export interface ManualEntryDraft {
  /** A `datetime-local` value in this browser's time zone. */
  time: string;
  /** Whether the operator changed the time: an untouched time is "now" when sent. */
  timeChanged: boolean;
  reason: string;
}

export type ManualEntryField = "person_id" | "time" | "reason";

export interface ManualEntryRequest {
  person_id: string;
  /** RFC 3339 (UTC); absent: now. */
  time?: string;
  reason?: string;
}

/**
 * `POST /api/v1/attendance/check-in` and `check-out`: the person, at the time given (as an
 * RFC 3339 instant; none when the operator left it at now), with the reason if any. The
 * API's bounds are checked first: not later than now, at most 31 days back.
 */
export function manualEntryBody(
  personId: string | undefined,
  draft: ManualEntryDraft = { time: "", timeChanged: false, reason: "" },
  now: Date = new Date(),
): Outcome<ManualEntryRequest, ManualEntryField> {
  const errors: Partial<Record<ManualEntryField, string[]>> = {};
  if (personId === undefined || !isUuid(personId)) errors.person_id = ["Choose the person first."];
  let time: string | undefined;
  if (draft.timeChanged) {
    const at = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(draft.time) ? new Date(draft.time) : undefined;
    if (at === undefined || Number.isNaN(at.getTime())) {
      errors.time = ["Give the date and time of the arrival or departure."];
    } else if (at.getTime() > now.getTime() + MANUAL_TIME_SKEW_MINUTES * 60_000) {
      errors.time = ["The time cannot be later than now."];
    } else if (at.getTime() < now.getTime() - MANUAL_TIME_MAX_AGE_DAYS * 86_400_000) {
      errors.time = [`The time can be at most ${MANUAL_TIME_MAX_AGE_DAYS} days back.`];
    } else {
      time = at.toISOString();
    }
  }
  const reason = checkText(draft.reason, false);
  if (reason.error !== undefined) errors.reason = [reason.error];
  if (Object.keys(errors).length > 0 || personId === undefined) return { ok: false, errors };
  const body: ManualEntryRequest = { person_id: personId.trim() };
  if (time !== undefined) body.time = time;
  if (reason.value !== undefined) body.reason = reason.value;
  return { ok: true, body };
}

/** The verdicts a correction can give a sighting. */
export const VERDICTS = ["rejected", "confirmed", "check_in", "check_out"] as const;
export type Verdict = (typeof VERDICTS)[number];

export const VERDICT_LABELS: Record<Verdict, string> = {
  rejected: "This sighting was not them",
  confirmed: "It was them (confirm the sighting)",
  check_in: "It was them, arriving (a check-in)",
  check_out: "It was them, leaving (a check-out)",
};

/** Past-tense words for a verdict in the record's history. */
export const VERDICT_DONE: Record<string, string> = {
  rejected: "not them",
  confirmed: "confirmed",
  check_in: "confirmed as check-in",
  check_out: "confirmed as check-out",
};

export interface CorrectionDraft {
  detectionId: string;
  verdict: "" | Verdict;
  reason: string;
}

export type CorrectionField = "detection_id" | "verdict" | "reason";

/** `POST /api/v1/attendance/corrections`: a verdict on one sighting, with the reason for it. */
export function correctionBody(
  draft: CorrectionDraft,
): Outcome<{ detection_id: string; verdict: Verdict; reason: string }, CorrectionField> {
  const errors: Partial<Record<CorrectionField, string[]>> = {};
  if (!isUuid(draft.detectionId)) errors.detection_id = ["Choose the sighting to correct."];
  const verdict = VERDICTS.find((v) => v === draft.verdict);
  if (verdict === undefined) errors.verdict = ["Choose what the sighting was."];
  const reason = checkText(draft.reason, true);
  if (reason.error !== undefined) errors.reason = [reason.error];
  if (Object.keys(errors).length > 0 || verdict === undefined || reason.value === undefined) {
    return { ok: false, errors };
  }
  return { ok: true, body: { detection_id: draft.detectionId.trim(), verdict, reason: reason.value } };
}

/** `POST /api/v1/attendance/manual/{id}/approve|reject`: an optional remark. */
export function manualDecisionBody(remarks: string): Outcome<{ remarks?: string }, "remarks"> {
  const checked = checkText(remarks, false);
  if (checked.error !== undefined) return { ok: false, errors: { remarks: [checked.error] } };
  return { ok: true, body: checked.value === undefined ? {} : { remarks: checked.value } };
}

/**
 * A refusal as an operator reads it: the API's reason, then its code (`already_approved`), so
 * what they report to support names the very answer. Field problems are listed by field.
 */
export function refusalText(error: unknown): string {
  if (!(error instanceof ApiError)) {
    return error instanceof Error ? sentence(error.message) : "Something went wrong.";
  }
  const details = error.details.map((d) => `${d.field}: ${d.message}`);
  const reason = details.length > 0 ? `${sentence(error.message)} ${details.map(sentence).join(" ")}` : sentence(error.message);
  return `${reason} (${error.code})`;
}
