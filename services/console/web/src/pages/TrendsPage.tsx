// Trends over up to 366 days, by day or ISO week: presence, late and absent counts, mean and
// 90th-percentile arrival times and the mean time worked, for everyone, one department, or
// departments side by side (one line each, chosen with a picker); every figure is also in a
// table under the charts (the charts' accessible alternative), and the series download as CSV.
// The settings are in the URL.

import { useQuery } from "@tanstack/react-query";
import { useEffect, useMemo, useState, type FormEvent } from "react";
import { useSearchParams } from "react-router";
import { ApiError } from "../api/client";
import { formatMinutes, localIsoDate } from "../attendance/calendar";
import { CheckboxField, CheckboxGroup } from "../components/Choices";
import { ErrorMessage } from "../components/ErrorSummary";
import { SelectField, TextField } from "../components/Field";
import { PageHeading } from "../components/PageHeading";
import { describeRefusal } from "../lib/refusal";
import { trendsQuery } from "../reports/api";
import { Chart } from "../reports/Chart";
import type { TrendSeries, Trends } from "../reports/contract";
import { shiftDate } from "../reports/daily";
import { ReportsNav } from "../reports/ReportsNav";
import {
  DEPARTMENT_MAX,
  applyTrendsDraft,
  draftOfTrends,
  formatPeriod,
  formatTimeOfDay,
  parseTrendsState,
  seriesName,
  seriesSummary,
  toTrendsApiQuery,
  toTrendsParams,
  trendChart,
  trendsCsvHref,
  type Interval,
  type Metric,
  type TrendsDraft,
  type TrendsField,
  type TrendsState,
} from "../reports/trends";

const TREND_FIELDS: readonly TrendsField[] = ["from_date", "to_date", "interval", "department", "by_department"];
/** Lines drawn at first when departments are compared; more are a click away. */
const FIRST_COMPARED = 6;

const percent = (value: number | null) => (value === null ? "—" : `${value.toLocaleString(undefined, { maximumFractionDigits: 1 })} %`);

/** The API's reasons against the settings, by field (its 400 names the parameters). */
function fieldErrors(error: unknown): Partial<Record<TrendsField, string[]>> {
  const fields: Partial<Record<TrendsField, string[]>> = {};
  if (!(error instanceof ApiError)) return fields;
  for (const issue of error.details) {
    const field = TREND_FIELDS.find((f) => f === issue.field);
    if (field !== undefined) fields[field] = [...(fields[field] ?? []), `${issue.message} (${issue.code})`];
  }
  return fields;
}

export default function TrendsPage() {
  const [params, setParams] = useSearchParams();
  const today = localIsoDate(new Date());
  const state = useMemo(() => parseTrendsState(params, today), [params, today]);
  const trends = useQuery(trendsQuery(toTrendsApiQuery(state)));
  const [draft, setDraft] = useState<TrendsDraft>(() => draftOfTrends(state));
  const [localErrors, setLocalErrors] = useState<Partial<Record<TrendsField, string[]>>>({});

  useEffect(() => {
    setDraft(draftOfTrends(state));
    setLocalErrors({});
  }, [state]);

  const go = (next: TrendsState) => setParams(toTrendsParams(next));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const result = applyTrendsDraft(draft);
    if (!result.ok) {
      setLocalErrors(result.errors);
      return;
    }
    setLocalErrors({});
    go(result.state);
  };

  const quick = (days: number, interval: Interval) => go({ ...state, fromDate: shiftDate(today, -(days - 1)), toDate: today, interval });

  const errors = { ...(trends.isError ? fieldErrors(trends.error) : {}), ...localErrors };
  const range = `${formatPeriod({ period_start: state.fromDate, period_end: state.fromDate }, "day")} to ${formatPeriod({ period_start: state.toDate, period_end: state.toDate }, "day")}`;

  return (
    <section className="page reports">
      <PageHeading title="Trends" />
      <ReportsNav />

      <form onSubmit={submit} noValidate className="toolbar" aria-label="Choose the trends">
        <fieldset className="filters trends-filters">
          <legend>Range and grouping</legend>
          <TextField id="trends-from" label="From" type="date" value={draft.fromDate} onChange={(fromDate) => setDraft({ ...draft, fromDate })} errors={errors.from_date} />
          <TextField id="trends-to" label="To" type="date" value={draft.toDate} onChange={(toDate) => setDraft({ ...draft, toDate })} errors={errors.to_date} />
          <SelectField<Interval>
            id="trends-interval"
            label="Each point is"
            value={draft.interval}
            onChange={(interval) => setDraft({ ...draft, interval })}
            options={[
              { value: "day", label: "A day" },
              { value: "week", label: "A week (ISO)" },
            ]}
            errors={errors.interval}
          />
          <TextField
            id="trends-department"
            label="Department"
            value={draft.department}
            onChange={(department) => setDraft({ ...draft, department })}
            maxLength={DEPARTMENT_MAX}
            hint="Empty: everyone."
            errors={errors.department}
          />
          <CheckboxField
            id="trends-by-department"
            label="Compare departments"
            checked={draft.byDepartment}
            onChange={(byDepartment) => setDraft({ ...draft, byDepartment })}
            errors={errors.by_department}
          />
          <div className="filters__actions">
            <button type="submit" className="button button--primary">
              Show
            </button>
          </div>
        </fieldset>
        <div className="trends-quick" role="group" aria-label="Quick ranges">
          <button type="button" className="button" onClick={() => quick(30, "day")}>
            Last 30 days
          </button>
          <button type="button" className="button" onClick={() => quick(84, "week")}>
            Last 12 weeks
          </button>
          <button type="button" className="button" onClick={() => quick(364, "week")}>
            Last 52 weeks
          </button>
        </div>
      </form>

      <p className="report-export">
        <a className="button" href={trendsCsvHref(state)} download data-testid="trends-csv">
          Download CSV<span className="visually-hidden"> of these series</span>
        </a>
        <span className="muted">
          {range}, by {state.interval === "week" ? "week" : "day"}
          {state.department !== undefined ? `, ${state.department}` : ""}
          {state.byDepartment ? ", each department" : ""}.
        </span>
      </p>

      <p className="visually-hidden" role="status" aria-live="polite">
        {trends.isFetching ? "Loading the trends…" : trends.data !== undefined ? `Trends from ${range}.` : ""}
      </p>
      {trends.isError ? (
        <ErrorMessage onRetry={() => void trends.refetch()}>The trends could not be loaded: {describeRefusal(trends.error)}</ErrorMessage>
      ) : null}
      {trends.isPending && !trends.isError ? (
        <p className="loading" role="status">
          Loading the trends…
        </p>
      ) : null}
      {trends.data !== undefined && !trends.isError ? <TrendsView trends={trends.data} compare={state.byDepartment} busy={trends.isFetching} /> : null}
    </section>
  );
}

function TrendsView({ trends, compare, busy }: { trends: Trends; compare: boolean; busy: boolean }) {
  const all = trends.series;
  const [picked, setPicked] = useState<number[]>(() => all.map((_, i) => i).slice(0, FIRST_COMPARED));
  // A new answer (another range or grouping) starts the picker over.
  useEffect(() => setPicked(all.map((_, i) => i).slice(0, FIRST_COMPARED)), [all]);
  const shown = useMemo(() => (compare ? picked.map((i) => all[i]).filter((s): s is TrendSeries => s !== undefined) : all), [compare, picked, all]);

  const charts = useMemo(() => {
    const list: { key: string; title: string; metrics: Metric[]; yLabel: string; describe: string }[] = compare
      ? [
          { key: "presence", title: "Presence by department", metrics: ["presence_percentage"], yLabel: "Presence (%)", describe: "presence" },
          { key: "late", title: "Late by department", metrics: ["late"], yLabel: "Persons late", describe: "late" },
          { key: "absent", title: "Absent by department", metrics: ["absent"], yLabel: "Persons absent", describe: "absent" },
          { key: "arrival", title: "Mean arrival by department", metrics: ["mean_arrival"], yLabel: "Time of day", describe: "mean arrival" },
          { key: "worked", title: "Mean time worked by department", metrics: ["mean_worked_minutes"], yLabel: "Hours", describe: "mean time worked" },
        ]
      : [
          { key: "presence", title: "Presence", metrics: ["presence_percentage"], yLabel: "Presence (%)", describe: "presence" },
          { key: "late-absent", title: "Late and absent", metrics: ["late", "absent"], yLabel: "Persons", describe: "late and absent counts" },
          { key: "arrival", title: "Arrival time: mean and 90th percentile", metrics: ["mean_arrival", "p90_arrival"], yLabel: "Time of day", describe: "arrival times" },
          { key: "worked", title: "Mean time worked", metrics: ["mean_worked_minutes"], yLabel: "Hours", describe: "mean time worked" },
        ];
    return list.map((c) => ({ ...c, spec: trendChart(shown, c.metrics, c.yLabel) }));
  }, [compare, shown]);

  if (all.length === 0 || all.every((s) => s.points.length === 0)) {
    return <p className="chart__empty">There are no figures for this range.</p>;
  }
  const periods = new Set(all.flatMap((s) => s.points.map((p) => p.period_start))).size;

  return (
    <div aria-busy={busy} className="trends">
      {compare ? (
        <CheckboxGroup<number>
          id="trends-departments"
          legend="Departments on the charts"
          hint={all.length > FIRST_COMPARED ? `${all.length.toLocaleString()} departments; the first ${FIRST_COMPARED} are shown at first.` : undefined}
          options={all.map((s, i) => ({ value: i, label: seriesName(s) }))}
          chosen={picked}
          onChange={setPicked}
        />
      ) : null}

      <h2 className="section-heading">Over the whole range</h2>
      <ul className="stats trend-stats" data-testid="trends-summary">
        {shown.map((s) => {
          const sum = seriesSummary(s);
          return (
            <li key={seriesName(s)} className="stat">
              <span className="stat__label">{seriesName(s)}</span>
              <span className="stat__value">{percent(sum.presence)}</span>
              <span className="stat__note">
                {sum.present.toLocaleString()} present of {sum.expected.toLocaleString()} expected; {sum.late.toLocaleString()} late,{" "}
                {sum.absent.toLocaleString()} absent
              </span>
            </li>
          );
        })}
      </ul>

      <h2 className="section-heading">Charts</h2>
      {shown.length === 0 ? (
        <p className="muted">Choose at least one department to chart.</p>
      ) : (
        <div className="trend-charts">
          {charts.map((c) => (
            <Chart
              key={c.key}
              title={c.title}
              spec={c.spec}
              testId={`trend-chart-${c.key}`}
              summary={`The ${c.describe} of ${shown.map(seriesName).join(", ")} over ${periods.toLocaleString()} ${trends.interval === "week" ? (periods === 1 ? "week" : "weeks") : periods === 1 ? "day" : "days"}; the figures are in the table below.`}
            />
          ))}
        </div>
      )}

      <h2 className="section-heading">The figures</h2>
      {shown.map((s) => (
        <FiguresTable key={seriesName(s)} series={s} interval={trends.interval} />
      ))}
    </div>
  );
}

function FiguresTable({ series, interval }: { series: TrendSeries; interval: string }) {
  const name = seriesName(series);
  return (
    <div className="table-wrap trends-table">
      <table className="table table--cards" data-testid="trends-table" data-series={name}>
        <caption>
          {name}, {interval === "week" ? "week by week" : "day by day"}
        </caption>
        <thead>
          <tr>
            <th scope="col">{interval === "week" ? "Week" : "Day"}</th>
            <th scope="col" className="num">Expected</th>
            <th scope="col" className="num">Present</th>
            <th scope="col" className="num">Late</th>
            <th scope="col" className="num">Absent</th>
            <th scope="col" className="num">Presence</th>
            <th scope="col" className="num">Mean arrival</th>
            <th scope="col" className="num">90th pct. arrival</th>
            <th scope="col" className="num">Mean worked</th>
          </tr>
        </thead>
        <tbody>
          {series.points.map((p) => (
            <tr key={p.period_start} data-testid="trends-row" data-period={p.period_start}>
              <th scope="row" data-label={interval === "week" ? "Week" : "Day"}>
                {formatPeriod(p, interval)}
              </th>
              <td className="num" data-label="Expected">{p.expected.toLocaleString()}</td>
              <td className="num" data-label="Present">{p.present.toLocaleString()}</td>
              <td className="num" data-label="Late">{p.late.toLocaleString()}</td>
              <td className="num" data-label="Absent">{p.absent.toLocaleString()}</td>
              <td className="num" data-label="Presence">{percent(p.presence_percentage)}</td>
              <td className="num" data-label="Mean arrival">{formatTimeOfDay(p.mean_arrival)}</td>
              <td className="num" data-label="90th pct. arrival">{formatTimeOfDay(p.p90_arrival)}</td>
              <td className="num" data-label="Mean worked">
                {p.mean_worked_minutes === null || p.mean_worked_minutes === undefined ? "—" : formatMinutes(p.mean_worked_minutes)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
