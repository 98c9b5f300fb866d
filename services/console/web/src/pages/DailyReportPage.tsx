// The daily report: a day's counts (everyone or one department), the chart of arrivals through
// the day (check-ins per quarter of an hour) with the same figures as a table, the counts by
// department, and every person's line with their check-in, narrowed by status and name and
// paged here; the day's CSV is attendance-api's own export. The state is in the URL.

import { useQuery } from "@tanstack/react-query";
import { useEffect, useMemo, useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router";
import { formatMinutes, localIsoDate } from "../attendance/calendar";
import { formatDay, formatTime } from "../attendance/format";
import { isIsoDate } from "../attendance/recordsQuery";
import { ErrorMessage } from "../components/ErrorSummary";
import { SelectField, TextField } from "../components/Field";
import { ListPager } from "../components/ListPager";
import { PageHeading } from "../components/PageHeading";
import { describeRefusal } from "../lib/refusal";
import { dailyReportQuery, type DailyPersonRow, type DailyReport } from "../reports/api";
import { arrivalsChartData, bucketArrivals, bucketLabel, describeArrivals, BUCKET_MINUTES } from "../reports/arrivals";
import { Chart } from "../reports/Chart";
import type { ChartSpec } from "../reports/chart";
import {
  DAILY_STATUSES,
  DAILY_STATUS_LABELS,
  dailyCsvHref,
  departmentChoice,
  departmentValue,
  inDepartment,
  lineStatus,
  narrowLines,
  pageOf,
  parseDailyQuery,
  shiftDate,
  toDailyParams,
  updateDailyQuery,
  type DailyQuery,
  type DailyStatusFilter,
} from "../reports/daily";
import { ReportsNav } from "../reports/ReportsNav";
import { ReportStatus } from "../reports/ReportStatus";

const percent = (value: number) => `${value.toLocaleString(undefined, { maximumFractionDigits: 1 })} %`;

function departmentName(department: string | null | undefined): string {
  return department === null || department === undefined ? "No department" : department;
}

export default function DailyReportPage() {
  const [params, setParams] = useSearchParams();
  const today = localIsoDate(new Date());
  const query = useMemo(() => parseDailyQuery(params, today), [params, today]);
  const report = useQuery(dailyReportQuery(query.date));
  const [dateDraft, setDateDraft] = useState(query.date);
  const [dateError, setDateError] = useState<string[]>();
  const [nameDraft, setNameDraft] = useState(query.q ?? "");

  useEffect(() => {
    setDateDraft(query.date);
    setDateError(undefined);
    setNameDraft(query.q ?? "");
  }, [query.date, query.q]);

  const go = (change: Partial<DailyQuery>) => setParams(toDailyParams(updateDailyQuery(query, change)));

  const showDate = (event: FormEvent) => {
    event.preventDefault();
    const date = dateDraft.trim();
    if (!isIsoDate(date)) {
      setDateError(["Enter a date as YYYY-MM-DD."]);
      return;
    }
    go({ date });
  };

  const data = report.data;
  // A report of another day is kept on screen while the new one loads: said, not hidden.
  const stale = data !== undefined && data.date !== query.date;
  const dayLabel = formatDay(query.date);

  return (
    <section className="page reports">
      <PageHeading title="Daily report" />
      <ReportsNav />

      <form onSubmit={showDate} noValidate className="report-toolbar" aria-label="Choose the day">
        <div className="report-toolbar__day">
          <TextField id="daily-date" label="Day" type="date" value={dateDraft} onChange={setDateDraft} errors={dateError} max="2999-12-31" />
          <button type="submit" className="button button--primary">
            Show
          </button>
        </div>
        <div className="report-toolbar__steps">
          <button type="button" className="button" onClick={() => go({ date: shiftDate(query.date, -1) })}>
            ← Previous day
          </button>
          <button type="button" className="button" onClick={() => go({ date: shiftDate(query.date, 1) })}>
            Next day →
          </button>
          {query.date !== today ? (
            <button type="button" className="button button--quiet" onClick={() => go({ date: today })}>
              Today
            </button>
          ) : null}
        </div>
      </form>

      <p className="report-lead" aria-live="polite">
        {dayLabel}
        {report.isFetching ? <span className="muted"> — loading…</span> : null}
      </p>

      {report.isError ? (
        <ErrorMessage onRetry={() => void report.refetch()}>The daily report could not be loaded: {describeRefusal(report.error)}</ErrorMessage>
      ) : null}
      {report.isPending && !report.isError ? (
        <p className="loading" role="status">
          Loading the daily report…
        </p>
      ) : null}
      {data !== undefined && !report.isError ? <Report report={data} query={query} stale={stale} go={go} nameDraft={nameDraft} setNameDraft={setNameDraft} /> : null}
    </section>
  );
}

interface ReportProps {
  report: DailyReport;
  query: DailyQuery;
  stale: boolean;
  go: (change: Partial<DailyQuery>) => void;
  nameDraft: string;
  setNameDraft: (value: string) => void;
}

function Report({ report, query, stale, go, nameDraft, setNameDraft }: ReportProps) {
  const chosen = query.department;
  const counts =
    chosen.kind === "all" ? report : report.by_department.find((d) => inDepartment(d.department, chosen)) ?? { total_persons: 0, present: 0, late: 0, absent: 0, presence_percentage: 0 };
  const inScope = useMemo(() => report.persons.filter((p) => inDepartment(p.department, chosen)), [report.persons, chosen]);
  const arrivals = useMemo(() => bucketArrivals(inScope.map((p) => p.check_in_time), report.date), [inScope, report.date]);
  const spec = useMemo<ChartSpec>(() => {
    const [xs, counts] = arrivalsChartData(arrivals);
    return { kind: "bars", x: "seconds-of-day", xs, series: [{ label: "Check-ins", values: counts }], y: "count", yLabel: "Check-ins", barSeconds: BUCKET_MINUTES * 60 };
  }, [arrivals]);
  const lines = useMemo(() => narrowLines(report.persons, query), [report.persons, query]);
  const shown = pageOf(lines, query.page);
  const scopeName = chosen.kind === "all" ? "Everyone" : departmentName(chosen.kind === "named" ? chosen.name : null);

  const departmentOptions = [
    { value: "", label: "All departments" },
    ...report.by_department.map((d) => ({
      value: departmentValue(d.department === null || d.department === undefined ? { kind: "none" } : { kind: "named", name: d.department }),
      label: departmentName(d.department),
    })),
  ];
  // A department in the URL that has nobody on this day is still offered, so the select says it.
  const current = departmentValue(chosen);
  if (!departmentOptions.some((o) => o.value === current)) departmentOptions.push({ value: current, label: scopeName });

  const findName = (event: FormEvent) => {
    event.preventDefault();
    const q = nameDraft.trim();
    go({ q: q === "" ? undefined : q });
  };

  const stats: [string, string][] = [
    ["Expected", counts.total_persons.toLocaleString()],
    ["Present", counts.present.toLocaleString()],
    ["Late", counts.late.toLocaleString()],
    ["Absent", counts.absent.toLocaleString()],
    ["Presence", percent(counts.presence_percentage)],
  ];

  return (
    <div className={stale ? "report report--stale" : "report"} aria-busy={stale}>
      <div className="report-scope">
        <SelectField<string>
          id="daily-department"
          label="Department"
          value={current}
          onChange={(value) => go({ department: departmentChoice(value) })}
          options={departmentOptions}
        />
        <p className="report-export">
          <a className="button" href={dailyCsvHref(report.date)} download data-testid="daily-csv">
            Download CSV<span className="visually-hidden"> of {formatDay(report.date)}, one row per person</span>
          </a>
          <span className="muted">Every person's line of the day.</span>
        </p>
      </div>

      <h2 className="section-heading">{chosen.kind === "all" ? "Counts" : `Counts: ${scopeName}`}</h2>
      <ul className="stats stats--report" data-testid="daily-counts">
        {stats.map(([label, value]) => (
          <li key={label} className="stat">
            <span className="stat__label">{label}</span>
            <span className="stat__value">{value}</span>
          </li>
        ))}
      </ul>

      <h2 className="section-heading">Arrivals through the day</h2>
      {arrivals.total === 0 ? (
        <p className="chart__empty" data-testid="arrivals-empty">
          Nobody {chosen.kind === "all" ? "" : `in ${scopeName} `}checked in on this day.
        </p>
      ) : (
        <>
          <Chart
            title={`Check-ins per ${BUCKET_MINUTES} minutes: ${scopeName}`}
            summary={describeArrivals(arrivals)}
            spec={spec}
            testId="arrivals-chart"
          />
          <details className="chart-table">
            <summary>The arrivals as a table</summary>
            <div className="table-wrap">
              <table className="table" data-testid="arrivals-table">
                <caption>Check-ins per quarter of an hour, in your time zone</caption>
                <thead>
                  <tr>
                    <th scope="col">Time</th>
                    <th scope="col" className="num">
                      Check-ins
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {arrivals.buckets.map((b) => (
                    <tr key={b.start}>
                      <th scope="row">{bucketLabel(b)}</th>
                      <td className="num">{b.count.toLocaleString()}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </details>
        </>
      )}
      {arrivals.outside > 0 ? (
        <p className="muted">
          {arrivals.outside.toLocaleString()} check-in{arrivals.outside === 1 ? " falls" : "s fall"} on another day in your time zone and{" "}
          {arrivals.outside === 1 ? "is" : "are"} not in the chart.
        </p>
      ) : null}

      {chosen.kind === "all" && report.by_department.length > 0 ? <ByDepartment report={report} /> : null}

      <h2 className="section-heading">
        Persons
      </h2>
      <div className="report-person-filters">
        <SelectField<"" | DailyStatusFilter>
          id="daily-status"
          label="Status"
          value={query.status ?? ""}
          onChange={(status) => go({ status: status === "" ? undefined : status })}
          options={[{ value: "", label: "Any" }, ...DAILY_STATUSES.map((s) => ({ value: s, label: DAILY_STATUS_LABELS[s] }))]}
        />
        <form onSubmit={findName} className="search-form" role="search" aria-label="Find a person in the report">
          <TextField id="daily-name" label="Name" type="search" value={nameDraft} onChange={setNameDraft} maxLength={200} />
          <button type="submit" className="button">
            Find
          </button>
          {query.q !== undefined ? (
            <button type="button" className="button button--quiet" onClick={() => go({ q: undefined })}>
              Clear
            </button>
          ) : null}
        </form>
      </div>
      <PersonsTable lines={shown.lines} total={lines.length} of={report.persons.length} />
      <ListPager label="Pages of persons" page={shown.page} pages={shown.pages} onPage={(page) => go({ page })} />
    </div>
  );
}

function ByDepartment({ report }: { report: DailyReport }) {
  return (
    <>
      <h2 className="section-heading">By department</h2>
      <div className="table-wrap">
        <table className="table table--cards" data-testid="daily-departments">
          <caption>Each department's counts of the day</caption>
          <thead>
            <tr>
              <th scope="col">Department</th>
              <th scope="col" className="num">Expected</th>
              <th scope="col" className="num">Present</th>
              <th scope="col" className="num">Late</th>
              <th scope="col" className="num">Absent</th>
              <th scope="col" className="num">Presence</th>
            </tr>
          </thead>
          <tbody>
            {report.by_department.map((d) => (
              <tr key={d.department ?? ""}>
                <th scope="row" data-label="Department">
                  {departmentName(d.department)}
                </th>
                <td className="num" data-label="Expected">{d.total_persons.toLocaleString()}</td>
                <td className="num" data-label="Present">{d.present.toLocaleString()}</td>
                <td className="num" data-label="Late">{d.late.toLocaleString()}</td>
                <td className="num" data-label="Absent">{d.absent.toLocaleString()}</td>
                <td className="num" data-label="Presence">{percent(d.presence_percentage)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function PersonsTable({ lines, total, of }: { lines: DailyPersonRow[]; total: number; of: number }) {
  const caption =
    of === 0
      ? "Nobody is expected on this day."
      : total === 0
        ? "Nobody matches."
        : total === of
          ? `Every person's line: ${of.toLocaleString()} ${of === 1 ? "person" : "persons"}`
          : `${total.toLocaleString()} of ${of.toLocaleString()} persons match`;
  return (
    <div className="table-wrap">
      <table className="table table--cards" data-testid="daily-persons">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Person</th>
            <th scope="col">Department</th>
            <th scope="col">Status</th>
            <th scope="col">Check-in</th>
            <th scope="col">Check-out</th>
            <th scope="col" className="num">Worked</th>
            <th scope="col" className="num">Late</th>
          </tr>
        </thead>
        <tbody>
          {lines.map((line) => {
            const status = lineStatus(line);
            return (
              <tr key={line.person_id} data-testid="daily-person" data-person-id={line.person_id} data-status={status}>
                <th scope="row" data-label="Person">
                  <Link to={`/people/${line.person_id}`}>{line.name}</Link>
                </th>
                <td data-label="Department">{departmentName(line.department)}</td>
                <td data-label="Status">{status === "no_record" ? <span className="muted">No record</span> : <ReportStatus status={status} />}</td>
                <td data-label="Check-in">{line.check_in_time ? <time dateTime={line.check_in_time}>{formatTime(line.check_in_time)}</time> : "—"}</td>
                <td data-label="Check-out">{line.check_out_time ? <time dateTime={line.check_out_time}>{formatTime(line.check_out_time)}</time> : "—"}</td>
                <td className="num" data-label="Worked">
                  {line.worked_minutes === null || line.worked_minutes === undefined ? "—" : formatMinutes(line.worked_minutes)}
                </td>
                <td className="num" data-label="Late">
                  {line.late_minutes > 0 ? formatMinutes(line.late_minutes) : "—"}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
