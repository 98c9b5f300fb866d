// The monthly sheet, as Frappe HRMS's Monthly Attendance Sheet: persons × days of a month, each
// cell coloured and lettered by status (a legend says what each letter means), each person's
// totals on the right and each day's totals at the bottom, filtered by department and
// organisation, paginated by person on the server (10,000 persons stay quick), and the CSV of
// the whole filtered sheet. The grid scrolls sideways inside its own frame, its first column
// kept in view; the page never does.

import { useQuery } from "@tanstack/react-query";
import { useEffect, useMemo, useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router";
import { ApiError } from "../api/client";
import { Pager } from "../attendance/Pager";
import { addMonths, formatHoursMinutes, formatMinutes, monthLabel } from "../attendance/calendar";
import { ErrorMessage } from "../components/ErrorSummary";
import { TextField } from "../components/Field";
import { PageHeading } from "../components/PageHeading";
import { describeRefusal } from "../lib/refusal";
import { pageCount } from "../lib/pagination";
import { monthlySheetQuery } from "../reports/api";
import { ReportsNav } from "../reports/ReportsNav";
import {
  DAY_TOTAL_ROWS,
  TOTAL_COLUMNS,
  buildGrid,
  cellDescription,
  hasSheetFilters,
  isCurrentMonth,
  legendItems,
  moveMonth,
  parseSheetQuery,
  sheetCsvHref,
  statusClass,
  toSheetApiQuery,
  toSheetParams,
  updateSheetQuery,
  type Grid,
  type SheetQuery,
} from "../reports/sheet";

type FilterField = "department" | "organization";
const FILTER_FIELDS: readonly FilterField[] = ["department", "organization"];
const FILTER_MAX = 100;

/** The API's reasons against the filters, by filter; the rest is said above the sheet. */
function filterErrors(error: unknown): Partial<Record<FilterField, string[]>> {
  const fields: Partial<Record<FilterField, string[]>> = {};
  if (!(error instanceof ApiError)) return fields;
  for (const issue of error.details) {
    const field = FILTER_FIELDS.find((f) => f === issue.field);
    if (field !== undefined) fields[field] = [...(fields[field] ?? []), `${issue.message} (${issue.code})`];
  }
  return fields;
}

export default function MonthlySheetPage() {
  const [params, setParams] = useSearchParams();
  const now = new Date();
  const query = useMemo(() => parseSheetQuery(params, new Date()), [params]);
  const sheet = useQuery(monthlySheetQuery(toSheetApiQuery(query)));
  const [draft, setDraft] = useState({ department: query.department ?? "", organization: query.organization ?? "" });
  const [localErrors, setLocalErrors] = useState<Partial<Record<FilterField, string[]>>>({});

  useEffect(() => {
    setDraft({ department: query.department ?? "", organization: query.organization ?? "" });
    setLocalErrors({});
  }, [query.department, query.organization]);

  const go = (next: SheetQuery) => setParams(toSheetParams(next));
  const label = monthLabel(query.month);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const errors: Partial<Record<FilterField, string[]>> = {};
    const department = draft.department.trim();
    const organization = draft.organization.trim();
    if ([...department].length > FILTER_MAX) errors.department = [`At most ${FILTER_MAX} characters.`];
    if ([...organization].length > FILTER_MAX) errors.organization = [`At most ${FILTER_MAX} characters.`];
    setLocalErrors(errors);
    if (Object.keys(errors).length > 0) return;
    go(
      updateSheetQuery(query, {
        department: department === "" ? undefined : department,
        organization: organization === "" ? undefined : organization,
      }),
    );
  };

  const errors = { ...(sheet.isError ? filterErrors(sheet.error) : {}), ...localErrors };
  const meta = sheet.data?.meta;
  const total = meta?.total ?? 0;
  const first = total === 0 ? 0 : (query.page - 1) * query.pageSize + 1;
  const last = Math.min(total, query.page * query.pageSize);
  const summary =
    meta === undefined
      ? ""
      : total === 0
        ? hasSheetFilters(query)
          ? "Nobody matches these filters."
          : "Nobody is on the sheet of this month."
        : `${first.toLocaleString()}–${last.toLocaleString()} of ${total.toLocaleString()} ${total === 1 ? "person" : "persons"}`;
  const grid = useMemo(() => (sheet.data === undefined ? undefined : buildGrid(sheet.data.sheet)), [sheet.data]);
  const legend = useMemo(() => legendItems(sheet.data?.sheet), [sheet.data]);

  return (
    <section className="page reports">
      <PageHeading title="Monthly sheet" />
      <ReportsNav />

      <div className="sheet-nav">
        <button type="button" className="button" onClick={() => go(moveMonth(query, -1))}>
          ←<span className="visually-hidden"> Previous month:</span> {monthLabel(addMonths(query.month, -1))}
        </button>
        <h2 className="sheet-nav__title" aria-live="polite">
          {label}
        </h2>
        <button type="button" className="button" onClick={() => go(moveMonth(query, 1))}>
          <span className="visually-hidden">Next month: </span>
          {monthLabel(addMonths(query.month, 1))} →
        </button>
        {!isCurrentMonth(query, now) ? (
          <button type="button" className="button button--quiet" onClick={() => go(updateSheetQuery(query, { month: { year: now.getFullYear(), month: now.getMonth() + 1 } }))}>
            This month
          </button>
        ) : null}
      </div>

      <form onSubmit={submit} noValidate className="toolbar" aria-label="Filter the sheet">
        <fieldset className="filters">
          <legend>Filters</legend>
          <TextField
            id="sheet-department"
            label="Department"
            value={draft.department}
            onChange={(department) => setDraft({ ...draft, department })}
            maxLength={FILTER_MAX}
            errors={errors.department}
          />
          <TextField
            id="sheet-organization"
            label="Organisation"
            value={draft.organization}
            onChange={(organization) => setDraft({ ...draft, organization })}
            maxLength={FILTER_MAX}
            errors={errors.organization}
          />
          <div className="filters__actions">
            <button type="submit" className="button">
              Apply filters
            </button>
            {hasSheetFilters(query) ? (
              <button type="button" className="button button--quiet" onClick={() => go(updateSheetQuery(query, { department: undefined, organization: undefined }))}>
                Clear filters
              </button>
            ) : null}
          </div>
        </fieldset>
      </form>

      <p className="report-export">
        <a className="button" href={sheetCsvHref(query)} download data-testid="sheet-csv">
          Download CSV<span className="visually-hidden"> of the sheet of {label}</span>
        </a>
        <span className="muted">{hasSheetFilters(query) ? "Every person these filters match, on all pages." : "Every person, on all pages."}</span>
      </p>

      <p className="visually-hidden" role="status" aria-live="polite">
        {sheet.isFetching ? "Loading the sheet…" : summary}
      </p>

      {sheet.isError ? (
        <ErrorMessage onRetry={() => void sheet.refetch()}>The sheet of {label} could not be loaded: {describeRefusal(sheet.error)}</ErrorMessage>
      ) : null}
      {sheet.isPending && !sheet.isError ? (
        <p className="loading" role="status">
          Loading the sheet…
        </p>
      ) : null}

      {grid !== undefined && meta !== undefined ? (
        <>
          <Legend items={legend} />
          <SheetGrid grid={grid} caption={`Attendance sheet of ${label}${summary === "" ? "" : `: ${summary}`}`} busy={sheet.isFetching} />
          <Pager
            label="Pages of persons"
            idPrefix="sheet"
            page={query.page}
            pages={Math.max(meta.totalPages, pageCount(total, query.pageSize))}
            pageSize={query.pageSize}
            onPage={(page) => go(updateSheetQuery(query, { page }))}
            onPageSize={(pageSize) => go(updateSheetQuery(query, { pageSize }))}
          />
        </>
      ) : null}
    </section>
  );
}

function Legend({ items }: { items: ReturnType<typeof legendItems> }) {
  return (
    <section className="sheet-legend" aria-labelledby="sheet-legend-heading">
      <h2 id="sheet-legend-heading" className="sheet-legend__title">
        What the letters mean
      </h2>
      <ul className="sheet-legend__list" data-testid="sheet-legend">
        {items.map((item) => (
          <li key={item.status}>
            <span className={`sheet-letter sheet-letter--${statusClass(item.status)}`} aria-hidden="true">
              {item.letter === "" ? "\u00a0" : item.letter}
            </span>
            {item.letter === "" ? `${item.label} (blank)` : item.label}
          </li>
        ))}
      </ul>
    </section>
  );
}

function SheetGrid({ grid, caption, busy }: { grid: Grid; caption: string; busy: boolean }) {
  return (
    // The frame scrolls, not the page; focusable so a keyboard can scroll it too.
    <div className="sheet-wrap" tabIndex={0} role="region" aria-label="The sheet (scrolls sideways)">
      <table className="sheet" aria-busy={busy} data-testid="monthly-sheet">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col" className="sheet__person">
              Person
            </th>
            {grid.columns.map((c) => (
              <th key={c.date} scope="col" className={`sheet__day sheet__day--${c.kind}`} data-date={c.date}>
                <span className="sheet__daynum">{c.day}</span>
                <abbr className="sheet__weekday" title={c.weekdayLong}>
                  {c.weekday.slice(0, 2)}
                </abbr>
                {c.kind === "holiday" ? <span className="visually-hidden">, holiday</span> : null}
              </th>
            ))}
            {TOTAL_COLUMNS.map((t, i) => (
              <th key={t.key} scope="col" className={i === 0 ? "sheet__total sheet__total--first" : "sheet__total"}>
                <abbr title={t.label}>{t.short}</abbr>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {grid.rows.length === 0 ? (
            <tr>
              <td colSpan={grid.columns.length + TOTAL_COLUMNS.length + 1} className="sheet__none">
                Nobody to show.
              </td>
            </tr>
          ) : null}
          {grid.rows.map((row) => (
            <tr key={row.personId} data-testid="sheet-row" data-person-id={row.personId}>
              <th scope="row" className="sheet__person">
                <Link to={`/people/${row.personId}`}>{row.name}</Link>
                {row.department !== null ? <span className="sheet__dept">{row.department}</span> : null}
              </th>
              {row.cells.map((cell, i) => {
                const column = grid.columns[i];
                const description = column === undefined ? cell.label : cellDescription(cell, column);
                return (
                  <td
                    key={cell.date}
                    className={`sheet__cell sheet__cell--${statusClass(cell.status)}`}
                    title={description}
                    data-testid="sheet-cell"
                    data-date={cell.date}
                    data-status={cell.status}
                  >
                    <span aria-hidden="true">{cell.letter}</span>
                    <span className="visually-hidden">{cell.label}</span>
                  </td>
                );
              })}
              {TOTAL_COLUMNS.map((t, i) => (
                <td key={t.key} className={i === 0 ? "sheet__total sheet__total--first num" : "sheet__total num"} data-total={t.key}>
                  {t.key === "worked_minutes" ? (
                    <>
                      <span aria-hidden="true">{formatHoursMinutes(row.totals.worked_minutes)}</span>
                      <span className="visually-hidden">{formatMinutes(row.totals.worked_minutes)}</span>
                    </>
                  ) : (
                    row.totals[t.key].toLocaleString()
                  )}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
        <tfoot>
          {DAY_TOTAL_ROWS.map((r) => (
            <tr key={r.key} data-testid="sheet-day-totals" data-total={r.key}>
              <th scope="row" className="sheet__person">
                {r.label}
                <span className="visually-hidden">, per day</span>
              </th>
              {grid.dayTotals.map((t) => (
                <td key={t.date} className="sheet__sum num" data-date={t.date}>
                  {t[r.key] === 0 ? <span className="sheet__zero">0</span> : t[r.key].toLocaleString()}
                </td>
              ))}
              <td colSpan={TOTAL_COLUMNS.length} className="sheet__sum-blank sheet__total--first" />
            </tr>
          ))}
        </tfoot>
      </table>
    </div>
  );
}
