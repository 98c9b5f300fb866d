// The queue of leave (and any other exception) waiting for a decision, oldest date first:
// HR approves or rejects each with one click; others see what waits.

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { usePermission } from "../auth/session";
import { ErrorMessage } from "../components/ErrorSummary";
import { PageHeading } from "../components/PageHeading";
import { formatDate } from "../people/api";
import { describeRefusal } from "../lib/refusal";
import { PENDING_SCAN_PAGES, MAX_PAGE_SIZE, pendingQuery, type ExceptionType, type PolicyException } from "../policies/api";
import { Decision } from "../policies/Decision";
import { Outcome } from "../policies/Outcome";
import { DECISION_EFFECT } from "../policies/effects";
import { TYPE_LABELS } from "../policies/exceptionForm";
import { PersonName, usePersonLabel } from "../policies/PersonPicker";
import { formatDay } from "../policies/values";

export default function LeaveQueuePage() {
  const canWrite = usePermission("attendance:write");
  const queue = useQuery(pendingQuery());
  const [done, setDone] = useState<string>();
  const pending = queue.data?.pending ?? [];
  const summary =
    queue.data === undefined
      ? ""
      : pending.length === 0
        ? "Nothing waits for a decision."
        : `${pending.length.toLocaleString()} waiting, oldest date first`;
  return (
    <section className="page">
      <div className="page__header">
        <PageHeading title="Pending leave" />
        {canWrite ? (
          <Link to="/policies/exceptions/new?type=leave" className="button">
            Add leave
          </Link>
        ) : null}
      </div>
      <p className="page__lead">
        {DECISION_EFFECT.approve} {DECISION_EFFECT.reject}
      </p>
      {!canWrite ? <p className="banner banner--info">Your role can see what waits, but not decide.</p> : null}
      <Outcome message={done} />
      {queue.data !== undefined && !queue.data.complete ? (
        <p className="banner banner--info">
          Only the first {(PENDING_SCAN_PAGES * MAX_PAGE_SIZE).toLocaleString()} undecided exceptions were searched: narrow the list on
          Holidays and leave (Approval: not approved, and the dates) to find the others.
        </p>
      ) : null}
      {queue.isError ? (
        <ErrorMessage onRetry={() => void queue.refetch()}>The queue could not be loaded: {describeRefusal(queue.error)}</ErrorMessage>
      ) : null}
      {queue.isPending && !queue.isError ? (
        <p className="loading" role="status">
          Loading the queue…
        </p>
      ) : null}
      {queue.data !== undefined && pending.length === 0 ? <p className="empty-note">{summary}</p> : null}
      {queue.data !== undefined && pending.length > 0 ? (
        <div className="table-wrap">
          <table className="table table--cards" aria-busy={queue.isFetching}>
            <caption>{summary}</caption>
            <thead>
              <tr>
                <th scope="col">Date</th>
                <th scope="col">Person</th>
                <th scope="col">Kind</th>
                <th scope="col">Reason</th>
                <th scope="col">Asked</th>
                {canWrite ? <th scope="col">Decision</th> : null}
              </tr>
            </thead>
            <tbody>
              {pending.map((exception) => (
                <PendingRow key={exception.id} exception={exception} canWrite={canWrite} onDecided={setDone} />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

function PendingRow({ exception, canWrite, onDecided }: { exception: PolicyException; canWrite: boolean; onDecided: (m: string) => void }) {
  const who = usePersonLabel(exception.person_id);
  const kind = TYPE_LABELS[exception.exception_type as ExceptionType] ?? exception.exception_type;
  const everyone = exception.person_id === null || exception.person_id === undefined;
  return (
    <tr>
      <td data-label="Date" className="nowrap">
        {formatDay(exception.exception_date)}
      </td>
      <td data-label="Person">{everyone ? "Everyone" : <PersonName personId={exception.person_id ?? ""} />}</td>
      <td data-label="Kind">{kind}</td>
      <td data-label="Reason" className="cell-text">
        {exception.reason}
      </td>
      <td data-label="Asked">{formatDate(exception.created_at)}</td>
      {canWrite ? (
        <td data-label="Decision">
          <Decision exception={exception} subject={everyone ? `The ${kind.toLowerCase()}` : `${who}'s ${kind.toLowerCase()}`} onDecided={onDecided} />
        </td>
      ) : null}
    </tr>
  );
}
