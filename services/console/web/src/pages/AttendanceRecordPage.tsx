// A record's page: the day of one person with its check-in and check-out and the evidence each
// rests on (the camera's frame and face, camera, confidence, model), every sighting of the day,
// its history (who did what, when and why, by name), and what can be done about it: correct a
// sighting with a reason, approve or reject a manual entry, or mark the present moment by hand
// on today's record. Viewers read it all without a button the API would refuse.

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useParams } from "react-router";
import { ApiError } from "../api/client";
import { useSession } from "../auth/session";
import {
  canDecide as mayDecide,
  canMakeManualEntries,
  operatorNamesQuery,
  recordQuery,
  type RecordDetail,
  type RecordWithEvidence,
  type ReviewItem,
  type Sighting,
} from "../attendance/api";
import { AttendanceNav } from "../attendance/AttendanceNav";
import { formatMinutes, localIsoDate } from "../attendance/calendar";
import { CorrectionForm } from "../attendance/CorrectionForm";
import { SightingFacts, SightingImages, roleLabel } from "../attendance/Evidence";
import { formatConfidence, formatDay, formatInstant, formatTime, sourceLabel } from "../attendance/format";
import { refusalText } from "../attendance/forms";
import { actorName, describeHistory } from "../attendance/history";
import { ManualEntryPanel } from "../attendance/ManualEntryPanel";
import { ManualDecision } from "../attendance/PendingQueue";
import { PersonName } from "../attendance/PersonName";
import { StatusBadge } from "../attendance/StatusBadge";
import { ErrorMessage } from "../components/ErrorSummary";
import { PageHeading } from "../components/PageHeading";

export default function AttendanceRecordPage() {
  const { attendanceId = "" } = useParams();
  const record = useQuery(recordQuery(attendanceId));
  const names = useQuery(operatorNamesQuery());
  const session = useSession().data;

  if (record.isPending) {
    return (
      <p className="loading" role="status">
        Loading the record…
      </p>
    );
  }
  if (record.isError) {
    const missing = record.error instanceof ApiError && (record.error.status === 404 || record.error.status === 400);
    return (
      <section className="page">
        <PageHeading title={missing ? "Record not found" : "Attendance record"} />
        <ErrorMessage onRetry={missing ? undefined : () => void record.refetch()}>
          {missing
            ? `There is no such record: it may have been removed, or its person deleted. ${refusalText(record.error)}`
            : `The record could not be loaded: ${refusalText(record.error)}`}
        </ErrorMessage>
        <p>
          <Link to="/attendance">Back to the records</Link>
        </p>
      </section>
    );
  }

  const self = session === null || session === undefined ? undefined : { id: session.operator.id, name: session.operator.display_name };
  const actor = (id: string) => actorName(id, names.data ?? new Map<string, string>(), self);
  return (
    <RecordView
      detail={record.data}
      actor={actor}
      canDecide={mayDecide(session)}
      canEnter={canMakeManualEntries(session)}
      namesError={names.isError ? refusalText(names.error) : undefined}
    />
  );
}

interface ViewProps {
  detail: RecordDetail;
  actor: (id: string) => string;
  canDecide: boolean;
  canEnter: boolean;
  namesError: string | undefined;
}

function RecordView({ detail, actor, canDecide, canEnter, namesError }: ViewProps) {
  const { record, person, sightings, review_items: reviewItems, history } = detail;
  const [chosen, setChosen] = useState<string>();
  const [outcome, setOutcome] = useState<string>();
  const name = person?.name;
  const who = name ?? "the person";
  const day = formatDay(record.attendance_date);
  const isToday = record.attendance_date === localIsoDate(new Date());
  const where = [person?.department, person?.organization].filter((x) => typeof x === "string" && x !== "").join(" · ");
  const corrigible = sightings.filter((s) => s.person_id !== null && s.person_id !== undefined);

  const correct = (detectionId: string) => {
    setChosen(detectionId);
    // The form is below: take the operator to it, on the chosen sighting.
    requestAnimationFrame(() => document.getElementById(`correction-sighting-${detectionId}`)?.focus());
  };

  return (
    <section className="page record-page">
      <p>
        <Link to={`/attendance?person_id=${record.person_id}`}>← {name !== undefined ? `${name}'s records` : "Records"}</Link>
      </p>
      <PageHeading title={`${name ?? "Attendance record"}, ${day}`} />
      {where !== "" ? <p className="page__lead">{where}</p> : null}
      <AttendanceNav />

      <Summary record={record} actor={actor} personLink={person === null || person === undefined} />

      {record.is_manual && record.status === "pending" ? (
        <section className="panel" aria-labelledby="approval-heading">
          <h2 id="approval-heading">Manual entry waiting for approval</h2>
          <ManualDecision record={record} canDecide={canDecide} onDecided={setOutcome} />
          <p role="status" className={outcome !== undefined ? "banner banner--success outcome" : "visually-hidden"}>
            {outcome ?? ""}
          </p>
        </section>
      ) : (
        <p role="status" className={outcome !== undefined ? "banner banner--success" : "visually-hidden"}>
          {outcome ?? ""}
        </p>
      )}

      <h2 className="section-title">Check-in and check-out</h2>
      <div className="evidence">
        <Mark title="Check-in" time={record.check_in_time} source={record.check_in_source} detectionId={record.check_in_detection_id} sightings={sightings} who={who} actor={actor} />
        <Mark title="Check-out" time={record.check_out_time} source={record.check_out_source} detectionId={record.check_out_detection_id} sightings={sightings} who={who} actor={actor} />
      </div>

      <Sightings sightings={sightings} reviewItems={reviewItems} record={record} canDecide={canDecide} onCorrect={correct} actor={actor} />

      {canDecide && corrigible.length > 0 ? (
        <section className="panel" aria-labelledby="correction-heading">
          <h2 id="correction-heading">Correct the record</h2>
          <p className="muted">
            Say what a sighting was; the day is worked out again from every sighting with your verdict, and the correction is kept in its history.
          </p>
          <CorrectionForm
            key={chosen ?? "none"}
            initial={chosen}
            sightings={corrigible.map((s) => ({
              detectionId: s.detection_id,
              label: (
                <>
                  {formatTime(s.captured_at)}, {s.camera_id} ({roleLabel(s.camera_role)}), confidence {formatConfidence(s.confidence)}
                </>
              ),
            }))}
          />
        </section>
      ) : null}

      {canEnter ? (
        isToday ? (
          <ManualEntryPanel personId={record.person_id} title="Set the check-in or check-out time by hand" idPrefix="record-manual" />
        ) : (
          <section className="panel" aria-labelledby="record-manual-heading">
            <h2 id="record-manual-heading">Set the check-in or check-out time by hand</h2>
            <p className="muted">
              A manual entry marks the present moment on the person's current day, so it cannot set a time on {day}. Correct the day's sightings instead.
            </p>
          </section>
        )
      ) : null}

      <section aria-labelledby="history-heading">
        <h2 id="history-heading" className="section-title">
          History
        </h2>
        {namesError !== undefined ? <p className="muted">Operators are shown by id: their names could not be loaded. {namesError}</p> : null}
        {history.length === 0 ? (
          <p className="muted">Nothing has been done to this record by hand: the cameras and the rules made it.</p>
        ) : (
          <ol className="history" data-testid="record-history">
            {history.map((entry, i) => {
              const line = describeHistory(entry);
              return (
                <li key={`${entry.at}-${i}`} data-testid="history-entry" data-action={entry.action}>
                  <span className="history__what">{line.what}</span>
                  <span className="history__when">
                    {" "}
                    by <span data-testid="history-actor">{actor(entry.actor)}</span>, <time dateTime={entry.at}>{formatInstant(entry.at)}</time>
                  </span>
                  {line.reason !== undefined ? <p className="history__reason">“{line.reason}”</p> : null}
                </li>
              );
            })}
          </ol>
        )}
      </section>
    </section>
  );
}

function Summary({ record, actor, personLink }: { record: RecordWithEvidence; actor: (id: string) => string; personLink: boolean }) {
  const rows: [string, React.ReactNode][] = [];
  if (personLink) rows.push(["Person", <PersonName personId={record.person_id} />]);
  rows.push(["Day", formatDay(record.attendance_date)]);
  rows.push(["Status", <StatusBadge status={record.status} />]);
  if (record.late_minutes > 0) rows.push(["Late by", formatMinutes(record.late_minutes)]);
  if (record.early_leave_minutes > 0) rows.push(["Left early by", formatMinutes(record.early_leave_minutes)]);
  rows.push(["Worked", record.duration_minutes === null || record.duration_minutes === undefined ? "—" : formatMinutes(record.duration_minutes)]);
  rows.push(["Entry", record.is_manual ? "By hand" : "Cameras"]);
  if (record.is_manual) {
    rows.push([
      "Approval",
      record.approved_by !== null && record.approved_by !== undefined
        ? `Approved by ${actor(record.approved_by)}${record.approval_timestamp !== null && record.approval_timestamp !== undefined ? `, ${formatInstant(record.approval_timestamp)}` : ""}`
        : "Waiting for approval",
    ]);
  }
  if (record.remarks !== null && record.remarks !== undefined) rows.push(["Remarks", record.remarks]);
  rows.push(["Last changed", formatInstant(record.updated_at)]);
  return (
    <dl className="details" data-testid="record-summary">
      {rows.map(([term, value]) => (
        <div key={term} className="details__row">
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

interface MarkProps {
  title: string;
  time: string | null | undefined;
  source: string | null | undefined;
  detectionId: string | null | undefined;
  sightings: Sighting[];
  who: string;
  actor: (id: string) => string;
}

/** A check-in or check-out: when, by what, and the sighting it rests on. */
function Mark({ title, time, source, detectionId, sightings, who, actor }: MarkProps) {
  const sighting = detectionId === null || detectionId === undefined ? undefined : sightings.find((s) => s.detection_id === detectionId);
  const testId = title === "Check-in" ? "evidence-check-in" : "evidence-check-out";
  return (
    <section className="evidence__card" aria-label={title} data-testid={testId}>
      <h3>
        {title}
        {time !== null && time !== undefined ? (
          <>
            {": "}
            <time dateTime={time}>{formatTime(time)}</time>
          </>
        ) : null}
      </h3>
      {time === null || time === undefined ? (
        <p className="muted">None recorded.</p>
      ) : source === "manual" ? (
        <p>Entered by hand: no camera evidence.</p>
      ) : sighting !== undefined ? (
        <>
          <SightingImages sighting={sighting} who={who} />
          <SightingFacts sighting={sighting} actor={actor} />
        </>
      ) : (
        <p className="muted">Marked by {sourceLabel(source) || "an unknown source"}; its sighting is not among the day's.</p>
      )}
    </section>
  );
}

interface SightingsProps {
  sightings: Sighting[];
  reviewItems: ReviewItem[];
  record: RecordWithEvidence;
  canDecide: boolean;
  onCorrect: (detectionId: string) => void;
  actor: (id: string) => string;
}

const REVIEW_STATES: Record<string, string> = { pending: "waiting in review", approved: "approved in review", rejected: "rejected in review" };

function Sightings({ sightings, reviewItems, record, canDecide, onCorrect, actor }: SightingsProps) {
  return (
    <section aria-labelledby="sightings-heading">
      <h2 id="sightings-heading" className="section-title">
        Sightings of the day
      </h2>
      {sightings.length === 0 ? (
        <p className="muted">No camera saw the person on this day.</p>
      ) : (
        <div className="table-wrap">
          <table className="table table--cards" data-testid="sightings">
            <caption>
              {sightings.length === 1 ? "1 sighting" : `${sightings.length} sightings`}, oldest first
            </caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Camera</th>
                <th scope="col" className="num">
                  Confidence
                </th>
                <th scope="col" className="num">
                  Quality
                </th>
                <th scope="col">Model</th>
                <th scope="col">Counts as</th>
                <th scope="col">Decision</th>
                {canDecide ? <th scope="col">Correct</th> : null}
              </tr>
            </thead>
            <tbody>
              {sightings.map((s) => {
                const review = reviewItems.find((r) => r.detection_id === s.detection_id);
                const uses = [
                  s.detection_id === record.check_in_detection_id ? "check-in" : null,
                  s.detection_id === record.check_out_detection_id ? "check-out" : null,
                ].filter((x) => x !== null);
                const decided =
                  s.verdict !== null && s.verdict !== undefined
                    ? `${s.verdict.replaceAll("_", " ")}${s.verdict_by !== null && s.verdict_by !== undefined ? ` by ${actor(s.verdict_by)}` : ""}`
                    : review !== undefined
                      ? (REVIEW_STATES[review.state] ?? review.state)
                      : "—";
                return (
                  <tr key={s.detection_id} data-testid="sighting-row" data-detection-id={s.detection_id}>
                    <td data-label="Time">
                      <time dateTime={s.captured_at}>{formatTime(s.captured_at)}</time>
                    </td>
                    <td data-label="Camera">
                      <span>
                        {s.camera_id} <span className="muted">({roleLabel(s.camera_role)})</span>
                      </span>
                    </td>
                    <td data-label="Confidence" className="num">
                      {formatConfidence(s.confidence)}
                    </td>
                    <td data-label="Quality" className="num">
                      {formatConfidence(s.quality)}
                    </td>
                    <td data-label="Model">{s.model}</td>
                    <td data-label="Counts as">{uses.length > 0 ? uses.join(" and ") : "—"}</td>
                    <td data-label="Decision">{decided}</td>
                    {canDecide ? (
                      <td data-label="Correct">
                        {s.person_id !== null && s.person_id !== undefined ? (
                          <button type="button" className="button" onClick={() => onCorrect(s.detection_id)}>
                            Correct{" "}
                            <span className="visually-hidden">the sighting of {formatTime(s.captured_at)}</span>
                          </button>
                        ) : (
                          <span className="muted">Matched nobody</span>
                        )}
                      </td>
                    ) : null}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
