// A manual check-in or check-out: the person, marked at the present moment on their current
// work day (attendance-api takes no other time), waiting for HR's approval. Reception, HR and
// admins make them; the API's refusals (already checked in, not checked in, …) are shown with
// their reason and code, a refusal about the person beside the person.

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { ApiError } from "../api/client";
import { ErrorSummary } from "../components/ErrorSummary";
import { checkIn, checkOut, refreshAttendance } from "./api";
import { formatTime } from "./format";
import { manualEntryBody, refusalText } from "./forms";
import { PersonPicker } from "./PersonPicker";

type Direction = "check-in" | "check-out";

interface Props {
  /** The person to start with (a record's page names them). */
  personId?: string;
  /** Heading level 2 text; the panel names itself with it. */
  title?: string;
  idPrefix?: string;
}

export function ManualEntryPanel({ personId: initial, title = "Manual check-in or check-out", idPrefix = "manual" }: Props) {
  const queryClient = useQueryClient();
  const [personId, setPersonId] = useState<string | undefined>(initial);
  const [localError, setLocalError] = useState<string[]>();
  const [done, setDone] = useState<string>();
  const entry = useMutation({
    mutationFn: async ({ direction, person }: { direction: Direction; person: string }) => {
      if (direction === "check-in") {
        const result = await checkIn(person);
        return `${result.person_name} checked in at ${formatTime(result.check_in_time)}: waiting for approval.`;
      }
      const result = await checkOut(person);
      return `${result.person_name} checked out at ${formatTime(result.check_out_time)}: waiting for approval.`;
    },
    onSuccess: (message) => {
      setDone(message);
      void refreshAttendance(queryClient);
    },
  });

  const send = (direction: Direction) => {
    setDone(undefined);
    entry.reset();
    const body = manualEntryBody(personId);
    if (!body.ok) {
      setLocalError(body.errors.person_id);
      document.getElementById(`${idPrefix}-person-search`)?.focus();
      return;
    }
    setLocalError(undefined);
    entry.mutate({ direction, person: body.body.person_id });
  };

  const refusal = entry.isError ? refusalText(entry.error) : undefined;
  const aboutPerson = entry.error instanceof ApiError && (entry.error.code === "person_not_found" || entry.error.details.some((d) => d.field === "person_id"));
  const personErrors = localError ?? (aboutPerson && refusal !== undefined ? [refusal] : undefined);
  const headingId = `${idPrefix}-heading`;

  return (
    <section className="panel" aria-labelledby={headingId} data-testid="manual-entry">
      <h2 id={headingId}>{title}</h2>
      <p className="muted">
        The entry is made at this moment, on the person's current work day, and counts once HR approves it.
      </p>
      <form
        className="manual-entry"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          send("check-in");
        }}
      >
        <ErrorSummary
          title="The entry was not made"
          messages={refusal !== undefined && !aboutPerson ? [refusal] : []}
          fields={personErrors !== undefined ? [{ id: `${idPrefix}-person`, label: "Person" }] : []}
        />
        {initial === undefined ? (
          <PersonPicker
            id={`${idPrefix}-person`}
            label="Person"
            value={personId}
            onChange={(id) => {
              setPersonId(id);
              setLocalError(undefined);
            }}
            errors={personErrors}
          />
        ) : personErrors !== undefined ? (
          <p className="field__errors" id={`${idPrefix}-person`} tabIndex={-1}>
            {personErrors.join(" ")}
          </p>
        ) : null}
        <div className="form__actions">
          <button type="submit" className="button button--primary" disabled={entry.isPending}>
            {entry.isPending && entry.variables?.direction === "check-in" ? "Checking in…" : "Check in now"}
          </button>
          <button type="button" className="button" disabled={entry.isPending} onClick={() => send("check-out")}>
            {entry.isPending && entry.variables?.direction === "check-out" ? "Checking out…" : "Check out now"}
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
