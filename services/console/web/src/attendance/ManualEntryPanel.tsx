// A manual check-in or check-out: the person, at a time (now unless the operator gives the
// time they really arrived or left, e.g. 08:55 when nobody looked at the camera) with the
// reason, kept in the record's history; it lands on that time's work day and waits for HR's
// approval. Reception, HR and admins make them; the API's refusals (already checked in, not
// checked in, a time out of bounds, …) are shown with their reason and code, each beside its
// field when it names one.

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { Link } from "react-router";
import { ApiError } from "../api/client";
import { ErrorSummary } from "../components/ErrorSummary";
import { TextAreaField, TextField } from "../components/Field";
import { sentence } from "../lib/errors";
import { checkIn, checkOut, refreshAttendance, type ManualMark } from "./api";
import { formatTime } from "./format";
import {
  MANUAL_TIME_MAX_AGE_DAYS,
  REASON_MAX,
  localDateTimeValue,
  manualEntryBody,
  refusalText,
  type ManualEntryDraft,
  type ManualEntryField,
} from "./forms";
import { PersonPicker } from "./PersonPicker";

type Direction = "check-in" | "check-out";

interface Props {
  /** The person to start with (a record's page names them). */
  personId?: string;
  /** Heading level 2 text; the panel names itself with it. */
  title?: string;
  idPrefix?: string;
}

/** The API's refusal: each field's reasons beside the field, the rest above the form. */
function refusalErrors(error: unknown): { fields: Partial<Record<ManualEntryField, string[]>>; form: string[] } {
  if (!(error instanceof ApiError)) return { fields: {}, form: [refusalText(error)] };
  if (error.code === "person_not_found") return { fields: { person_id: [refusalText(error)] }, form: [] };
  const fields: Partial<Record<ManualEntryField, string[]>> = {};
  const form: string[] = [];
  for (const issue of error.details) {
    const field = (["person_id", "time", "reason"] as const).find((f) => f === issue.field);
    if (field === undefined) form.push(sentence(`${issue.field}: ${issue.message} (${issue.code})`));
    else fields[field] = [...(fields[field] ?? []), sentence(`${issue.message} (${issue.code})`)];
  }
  if (error.details.length === 0) form.push(refusalText(error));
  return { fields, form };
}

export function ManualEntryPanel({ personId: initial, title = "Manual check-in or check-out", idPrefix = "manual" }: Props) {
  const queryClient = useQueryClient();
  const [personId, setPersonId] = useState<string | undefined>(initial);
  const [draft, setDraft] = useState<ManualEntryDraft>(() => ({ time: localDateTimeValue(new Date()), timeChanged: false, reason: "" }));
  const [local, setLocal] = useState<Partial<Record<ManualEntryField, string[]>>>({});
  const [done, setDone] = useState<string>();
  // Left at "now", the time shown follows the clock (the API takes the moment it is sent).
  useEffect(() => {
    if (draft.timeChanged) return;
    const timer = window.setInterval(() => setDraft((d) => (d.timeChanged ? d : { ...d, time: localDateTimeValue(new Date()) })), 15_000);
    return () => window.clearInterval(timer);
  }, [draft.timeChanged]);
  const entry = useMutation({
    mutationFn: async ({ direction, mark }: { direction: Direction; mark: ManualMark }) => {
      if (direction === "check-in") {
        const result = await checkIn(mark);
        return `${result.person_name} checked in at ${formatTime(result.check_in_time)}: waiting for approval.`;
      }
      const result = await checkOut(mark);
      return `${result.person_name} checked out at ${formatTime(result.check_out_time)}: waiting for approval.`;
    },
    onSuccess: (message) => {
      setDone(message);
      setDraft({ time: localDateTimeValue(new Date()), timeChanged: false, reason: "" });
      void refreshAttendance(queryClient);
    },
  });

  const send = (direction: Direction) => {
    setDone(undefined);
    entry.reset();
    const body = manualEntryBody(personId, draft);
    if (!body.ok) {
      setLocal(body.errors);
      const first = body.errors.person_id !== undefined ? `${idPrefix}-person-search` : body.errors.time !== undefined ? `${idPrefix}-time` : `${idPrefix}-reason`;
      document.getElementById(first)?.focus();
      return;
    }
    setLocal({});
    entry.mutate({ direction, mark: body.body });
  };

  const api = entry.isError ? refusalErrors(entry.error) : { fields: {}, form: [] };
  const errors: Partial<Record<ManualEntryField, string[]>> = Object.keys(local).length > 0 ? local : api.fields;
  const personErrors = errors.person_id;
  const headingId = `${idPrefix}-heading`;
  const fieldLinks = [
    ...(personErrors !== undefined ? [{ id: `${idPrefix}-person`, label: "Person" }] : []),
    ...(errors.time !== undefined ? [{ id: `${idPrefix}-time`, label: "When" }] : []),
    ...(errors.reason !== undefined ? [{ id: `${idPrefix}-reason`, label: "Reason" }] : []),
  ];

  return (
    <section className="panel" aria-labelledby={headingId} data-testid="manual-entry">
      <h2 id={headingId}>{title}</h2>
      <p className="muted">
        The entry lands on the work day of its time and counts once HR approves it.
      </p>
      <form
        className="manual-entry"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          send("check-in");
        }}
      >
        <ErrorSummary title="The entry was not made" messages={Object.keys(local).length > 0 ? [] : api.form} fields={fieldLinks} />
        {initial === undefined ? (
          <PersonPicker
            id={`${idPrefix}-person`}
            label="Person"
            value={personId}
            onChange={(id) => {
              setPersonId(id);
              setLocal(({ person_id: _, ...rest }) => rest);
            }}
            errors={personErrors}
          />
        ) : personErrors !== undefined ? (
          <p className="field__errors" id={`${idPrefix}-person`} tabIndex={-1}>
            {personErrors.join(" ")}
          </p>
        ) : null}
        <TextField
          id={`${idPrefix}-time`}
          label="When"
          type="datetime-local"
          hint={`Now, unless you give the time they really arrived or left (up to ${MANUAL_TIME_MAX_AGE_DAYS} days back).`}
          value={draft.time}
          max={localDateTimeValue(new Date(Date.now() + 60_000))}
          onChange={(time) => setDraft({ ...draft, time, timeChanged: true })}
          errors={errors.time}
        />
        <TextAreaField
          id={`${idPrefix}-reason`}
          label="Reason (optional)"
          hint={`Kept in the record's history with your name; at most ${REASON_MAX} characters, on one line.`}
          value={draft.reason}
          rows={2}
          maxLength={REASON_MAX}
          onChange={(reason) => setDraft({ ...draft, reason })}
          errors={errors.reason}
        />
        <div className="form__actions">
          <button type="submit" className="button button--primary" disabled={entry.isPending}>
            {entry.isPending && entry.variables?.direction === "check-in" ? "Checking in…" : "Check in"}
          </button>
          <button type="button" className="button" disabled={entry.isPending} onClick={() => send("check-out")}>
            {entry.isPending && entry.variables?.direction === "check-out" ? "Checking out…" : "Check out"}
          </button>
        </div>
      </form>
      <p role="status" className={done !== undefined ? "banner banner--success outcome" : "visually-hidden"}>
        {done ?? ""}
        {done !== undefined ? (
          <>
            {" "}
            <Link to="/attendance/manual">See the approval queue</Link>
          </>
        ) : null}
      </p>
    </section>
  );
}
