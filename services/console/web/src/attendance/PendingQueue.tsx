// The approval queue: the manual entries waiting for a decision (attendance-api's `pending`
// status of the `manual` source), newest day first as the list route orders them, each
// approved or rejected with one click by HR (attendance:write); everyone else sees the queue
// read-only. (A pending day from cameras is decided on its record's page, from its sightings.)

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useSearchParams } from "react-router";
import { ErrorMessage } from "../components/ErrorSummary";
import { approveManual, rejectManual, recordsQuery, refreshAttendance, type AttendanceRecord } from "./api";
import { formatDay } from "./format";
import { refusalText } from "./forms";
import { Pager } from "./Pager";
import { usePersonName } from "./PersonName";
import { RecordsTable } from "./RecordsTable";
import { DEFAULT_RECORDS_QUERY, parseRecordsQuery, statusLabel, toSearchParams, updateRecordsQuery } from "./recordsQuery";
import { pageCount } from "../lib/pagination";

interface Props {
  canDecide: boolean;
}

export function PendingQueue({ canDecide }: Props) {
  const [params, setParams] = useSearchParams();
  // Only the paging comes from the URL: the queue is the pending records, whatever else.
  const paging = parseRecordsQuery(params);
  const query = { ...DEFAULT_RECORDS_QUERY, page: paging.page, pageSize: paging.pageSize, status: "pending" as const, source: "manual" as const };
  const pending = useQuery(recordsQuery(query));
  const [outcome, setOutcome] = useState<string>();

  const total = pending.data?.meta.total ?? 0;
  const caption =
    pending.data === undefined
      ? "Waiting for approval"
      : total === 0
        ? "Nothing is waiting for approval."
        : `${total.toLocaleString()} ${total === 1 ? "record is" : "records are"} waiting for a decision`;
  const go = (change: { page?: number; pageSize?: typeof query.pageSize }) => {
    const next = updateRecordsQuery(query, change);
    const search = toSearchParams({ ...next, status: undefined, source: undefined });
    setParams(search);
  };

  return (
    <section aria-labelledby="queue-heading" className="queue" data-testid="approval-queue">
      <h2 id="queue-heading" className="section-title">
        Waiting for approval
      </h2>
      <p role="status" className={outcome !== undefined ? "banner banner--success" : "visually-hidden"}>
        {outcome ?? ""}
      </p>
      {pending.isError ? (
        <ErrorMessage onRetry={() => void pending.refetch()}>The queue could not be loaded: {refusalText(pending.error)}</ErrorMessage>
      ) : pending.isPending ? (
        <p className="loading" role="status">
          Loading the queue…
        </p>
      ) : (
        <>
          <RecordsTable
            records={pending.data.records}
            caption={caption}
            busy={pending.isFetching}
            actions={{
              header: "Decision",
              cell: (record) => <ManualDecision record={record} canDecide={canDecide} onDecided={setOutcome} />,
            }}
          />
          {total > query.pageSize ? (
            <Pager
              label="Pages of the queue"
              idPrefix="queue"
              page={query.page}
              pages={pageCount(total, query.pageSize)}
              pageSize={query.pageSize}
              onPage={(page) => go({ page })}
              onPageSize={(pageSize) => go({ pageSize })}
            />
          ) : null}
        </>
      )}
    </section>
  );
}

/** Approve or reject a manual entry with one click; a pending day from cameras is decided from its sightings. */
export function ManualDecision({ record, canDecide, onDecided }: { record: AttendanceRecord; canDecide: boolean; onDecided: (message: string) => void }) {
  const queryClient = useQueryClient();
  const { name } = usePersonName(record.person_id);
  const who = name ?? "the person";
  const day = formatDay(record.attendance_date);
  const decide = useMutation({
    mutationFn: async (approve: boolean) => (approve ? approveManual(record.id, {}) : rejectManual(record.id, {})),
    onSuccess: (after, approve) => {
      onDecided(
        approve
          ? `Approved: ${who}'s record of ${day} is now ${statusLabel(after?.status ?? "")}.`
          : after === null
            ? `Rejected: ${who}'s hand-entered marks of ${day} are gone, and the cameras saw nothing that day.`
            : `Rejected: ${who}'s record of ${day} is what the cameras saw: ${statusLabel(after.status)}.`,
      );
      void refreshAttendance(queryClient);
    },
  });
  if (!record.is_manual) {
    return (
      <span className="queue-note">
        From cameras: <Link to={`/attendance/records/${record.id}`}>decide on its sightings</Link>
      </span>
    );
  }
  if (!canDecide) return <span className="queue-note">Waiting for HR</span>;
  return (
    <div>
      <div className="queue-actions">
        <button type="button" className="button button--primary" disabled={decide.isPending} onClick={() => decide.mutate(true)}>
          Approve{" "}<span className="visually-hidden">{who}'s entry of {day}</span>
        </button>
        <button type="button" className="button" disabled={decide.isPending} onClick={() => decide.mutate(false)}>
          Reject{" "}<span className="visually-hidden">{who}'s entry of {day}</span>
        </button>
      </div>
      {decide.isError ? (
        <p className="outcome outcome--error" role="alert">
          Not decided: {refusalText(decide.error)}
        </p>
      ) : null}
    </div>
  );
}
