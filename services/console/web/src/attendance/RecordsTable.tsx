// Day records as a table (cards on a phone): the day linked to the record's page, the person
// by name, status, check-in and check-out with their source, how late the check-in was,
// minutes worked, and whether it was entered by hand. `actions` adds a last column (the approval queue's buttons).

import type { ReactNode } from "react";
import { Link } from "react-router";
import type { AttendanceRecord } from "./api";
import { formatMinutes } from "./calendar";
import { formatDay, formatTime, sourceLabel } from "./format";
import { PersonName } from "./PersonName";
import { StatusBadge } from "./StatusBadge";

interface Props {
  records: AttendanceRecord[];
  caption: ReactNode;
  busy?: boolean;
  /** Leave the person out (a page about one person already says who). */
  showPerson?: boolean;
  actions?: { header: string; cell: (record: AttendanceRecord) => ReactNode };
}

function Mark({ time, source }: { time: string | null | undefined; source: string | null | undefined }) {
  if (time === null || time === undefined) return <>—</>;
  const from = sourceLabel(source);
  // One element: on a phone each cell is a grid of its label and its value.
  return (
    <span>
      <time dateTime={time}>{formatTime(time)}</time>
      {from !== "" ? <span className="muted"> ({from})</span> : null}
    </span>
  );
}

export function RecordsTable({ records, caption, busy = false, showPerson = true, actions }: Props) {
  return (
    <div className="table-wrap">
      <table className="table table--cards records" aria-busy={busy}>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Day</th>
            {showPerson ? <th scope="col">Person</th> : null}
            <th scope="col">Status</th>
            <th scope="col">Check-in</th>
            <th scope="col">Check-out</th>
            <th scope="col" className="num">
              Late by
            </th>
            <th scope="col" className="num">
              Worked
            </th>
            <th scope="col">Entry</th>
            {actions !== undefined ? <th scope="col">{actions.header}</th> : null}
          </tr>
        </thead>
        <tbody>
          {records.map((r) => (
            <tr key={r.id} data-testid="record-row" data-record-id={r.id} data-person-id={r.person_id}>
              <td data-label="Day">
                <Link to={`/attendance/records/${r.id}`}>
                  {formatDay(r.attendance_date)}
                  <span className="visually-hidden">: the record</span>
                </Link>
              </td>
              {showPerson ? (
                <td data-label="Person">
                  <PersonName personId={r.person_id} />
                </td>
              ) : null}
              <td data-label="Status">
                <StatusBadge status={r.status} />
              </td>
              <td data-label="Check-in">
                <Mark time={r.check_in_time} source={r.check_in_source} />
              </td>
              <td data-label="Check-out">
                <Mark time={r.check_out_time} source={r.check_out_source} />
              </td>
              <td data-label="Late by" className="num">
                {r.late_minutes > 0 ? formatMinutes(r.late_minutes) : "—"}
              </td>
              <td data-label="Worked" className="num">
                {r.duration_minutes === null || r.duration_minutes === undefined ? "—" : formatMinutes(r.duration_minutes)}
              </td>
              <td data-label="Entry">{r.is_manual ? "Manual" : "Cameras"}</td>
              {actions !== undefined ? <td data-label={actions.header}>{actions.cell(r)}</td> : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
