// A person's month on their page: a calendar of the month, each day with its status's colour
// and letter, the minutes worked and, on a late day, how late, linked to the day's record; the
// month's statistics from attendance-api; previous/next month kept in the URL (`?month=YYYY-MM`).
// The list route's records carry no late minutes: a late day's own record (a handful a month)
// says how late.

import { useQueries, useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { Link, useSearchParams } from "react-router";
import { ErrorMessage } from "../components/ErrorSummary";
import { personRecordsQuery, recordQuery, statisticsQuery, type AttendanceRecord, type PersonStatistics } from "./api";
import {
  STATUS_LETTERS,
  WEEKDAYS,
  addMonths,
  buildCalendar,
  formatHoursMinutes,
  formatMinutes,
  formatMonth,
  localIsoDate,
  monthLabel,
  monthOf,
  monthRange,
  monthTotals,
  parseMonth,
  type CalendarDay,
} from "./calendar";
import { refusalText } from "./forms";
import { statusLabel } from "./recordsQuery";
import "../styles/attendance.css";

interface Props {
  personId: string;
  name: string;
}

export function PersonMonthSection({ personId, name }: Props) {
  const [params, setParams] = useSearchParams();
  const now = new Date();
  const today = localIsoDate(now);
  const month = parseMonth(params.get("month"), now);
  const key = formatMonth(month);
  const { from, to } = monthRange(month);
  const isThisMonth = key === formatMonth(monthOf(now));
  // Statistics count every working day of the range; days still to come are not absences.
  const statsTo = to < today ? to : today;
  const records = useQuery(personRecordsQuery(personId, from, to));
  const statistics = useQuery({ ...statisticsQuery(personId, from, statsTo), enabled: from <= today });
  const lateDays = useQueries({
    queries: (records.data ?? []).filter((r) => r.status === "late").map((r) => ({ ...recordQuery(r.id), staleTime: 60_000 })),
  });
  const lateMinutes = new Map<string, number>();
  for (const late of lateDays) {
    if (late.data !== undefined) lateMinutes.set(late.data.record.id, late.data.record.late_minutes);
  }
  const weeks = useMemo(() => buildCalendar(month, records.data ?? [], today), [month.year, month.month, records.data, today]);
  const label = monthLabel(month);

  const goTo = (delta: number | null) => {
    const next = new URLSearchParams(params);
    if (delta === null) next.delete("month");
    else next.set("month", formatMonth(addMonths(month, delta)));
    setParams(next, { replace: false, preventScrollReset: true });
  };

  return (
    <section aria-labelledby="month-heading" className="month" data-testid="person-month">
      <h2 id="month-heading" className="section-heading">
        Attendance
      </h2>
      <div className="month__nav">
        <button type="button" className="button" onClick={() => goTo(-1)}>
          ←{" "}<span className="visually-hidden">Previous month:</span>{" "}
          {monthLabel(addMonths(month, -1))}
        </button>
        <h3 className="month__title" aria-live="polite">
          {label}
        </h3>
        <button type="button" className="button" onClick={() => goTo(1)}>
          <span className="visually-hidden">Next month:</span>{" "}
          {monthLabel(addMonths(month, 1))} →
        </button>
        {!isThisMonth ? (
          <button type="button" className="button button--quiet" onClick={() => goTo(null)}>
            This month
          </button>
        ) : null}
      </div>

      <Statistics query={statistics} started={from <= today} upTo={statsTo} to={to} records={records.data} />

      {records.isError ? (
        <ErrorMessage onRetry={() => void records.refetch()}>The month's records could not be loaded: {refusalText(records.error)}</ErrorMessage>
      ) : records.isPending ? (
        <p className="loading" role="status">
          Loading the month…
        </p>
      ) : (
        <div className="calendar-wrap">
          <table className="calendar" aria-busy={records.isFetching} data-testid="month-calendar">
            <caption>
              {name}'s attendance in {label}
            </caption>
            <thead>
              <tr>
                {WEEKDAYS.map((day) => (
                  <th key={day} scope="col">
                    <abbr title={day}>{day.slice(0, 3)}</abbr>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {weeks.map((week, i) => (
                <tr key={i}>
                  {week.map((day, j) =>
                    day === null ? (
                      <td key={`blank-${j}`} className={j >= 5 ? "calendar__weekend" : undefined} />
                    ) : (
                      <td key={day.date} className={day.weekday >= 5 ? "calendar__weekend" : undefined}>
                        <Day day={day} lateMinutes={day.record === undefined ? undefined : lateMinutes.get(day.record.id)} />
                      </td>
                    ),
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ul className="legend" aria-label="What the letters mean">
        {Object.entries(STATUS_LETTERS).map(([status, letter]) => (
          <li key={status}>
            <span className={`legend__letter legend__letter--${status}`} aria-hidden="true">
              {letter}
            </span>
            {statusLabel(status)}
          </li>
        ))}
        <li>
          <span className="calendar__minutes">7:30</span>
          <span>hours and minutes worked</span>
        </li>
        <li>
          <span className="calendar__late">+12′</span>
          <span>minutes late</span>
        </li>
      </ul>
      <p>
        <Link to={`/attendance?person_id=${personId}&from_date=${from}&to_date=${to}`}>
          {name}'s records of {label}, as a list{" "}<span className="visually-hidden">(with a CSV download)</span>
        </Link>
      </p>
    </section>
  );
}

function Day({ day, lateMinutes }: { day: CalendarDay<AttendanceRecord>; lateMinutes: number | undefined }) {
  const classes = ["calendar__day"];
  if (day.isToday) classes.push("calendar__day--today");
  if (day.isFuture) classes.push("calendar__day--future");
  const record = day.record;
  const date = (
    <span className="calendar__date">
      {day.day}
      {day.isToday ? <span className="visually-hidden">, today</span> : null}
    </span>
  );
  if (record === undefined) {
    return <div className={classes.join(" ")}>{date}</div>;
  }
  classes.push(`calendar__day--${record.status}`);
  const worked = record.duration_minutes;
  return (
    <Link to={`/attendance/records/${record.id}`} className={classes.join(" ")} data-testid="calendar-day" data-date={day.date} data-status={record.status}>
      {date}
      <span>
        <span className="calendar__letter" aria-hidden="true">
          {STATUS_LETTERS[record.status] ?? "?"}
        </span>
        <span className="visually-hidden">: {statusLabel(record.status)}</span>
      </span>
      {worked !== null && worked !== undefined ? (
        <span className="calendar__minutes">
          <span aria-hidden="true">{formatHoursMinutes(worked)}</span>
          <span className="visually-hidden">, worked {formatMinutes(worked)}</span>
        </span>
      ) : null}
      {lateMinutes !== undefined && lateMinutes > 0 ? (
        <span className="calendar__late">
          <span aria-hidden="true">+{lateMinutes}′</span>
          <span className="visually-hidden">, late by {formatMinutes(lateMinutes)}</span>
        </span>
      ) : null}
    </Link>
  );
}

interface StatisticsProps {
  query: { data: PersonStatistics | undefined; isError: boolean; isPending: boolean; error: unknown; refetch: () => unknown };
  started: boolean;
  upTo: string;
  to: string;
  records: AttendanceRecord[] | undefined;
}

function Statistics({ query, started, upTo, to, records }: StatisticsProps) {
  if (!started) return <p className="muted">This month has not started yet.</p>;
  if (query.isError) {
    return <ErrorMessage onRetry={() => void query.refetch()}>The month's statistics could not be loaded: {refusalText(query.error)}</ErrorMessage>;
  }
  if (query.data === undefined) {
    return (
      <p className="loading" role="status">
        Loading the statistics…
      </p>
    );
  }
  const s = query.data;
  const worked = records === undefined ? undefined : monthTotals(records).workedMinutes;
  const stats: [string, string][] = [
    ["Working days", s.total_working_days.toLocaleString()],
    ["Present", s.days_present.toLocaleString()],
    ["Late", s.days_late.toLocaleString()],
    ["Early leave", s.days_early_leave.toLocaleString()],
    ["Absent", s.days_absent.toLocaleString()],
    ["Presence", `${s.presence_percentage.toLocaleString(undefined, { maximumFractionDigits: 1 })} %`],
  ];
  if (worked !== undefined) stats.push(["Worked", formatMinutes(worked)]);
  return (
    <>
      <h3 className="visually-hidden">Statistics</h3>
      {upTo < to ? <p className="muted">Up to today.</p> : null}
      <ul className="stats stats--compact" data-testid="month-statistics">
        {stats.map(([label, value]) => (
          <li key={label} className="stat">
            <span className="stat__label">{label}</span>
            <span className="stat__value">{value}</span>
          </li>
        ))}
      </ul>
    </>
  );
}
