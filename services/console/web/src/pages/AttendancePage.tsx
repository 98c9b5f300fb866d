// Attendance records: every day record attendance-api holds, filtered by person, date range,
// status, source (cameras or by hand) and department, server-paginated, the filters kept in the URL, and a CSV download of
// exactly the filtered set (the API's own export, through the console).

import { useQuery } from "@tanstack/react-query";
import { useEffect, useMemo, useState, type FormEvent } from "react";
import { useSearchParams } from "react-router";
import { ApiError } from "../api/client";
import { AttendanceNav } from "../attendance/AttendanceNav";
import { recordsQuery } from "../attendance/api";
import { refusalText } from "../attendance/forms";
import { Pager } from "../attendance/Pager";
import { PersonPicker } from "../attendance/PersonPicker";
import { RecordsTable } from "../attendance/RecordsTable";
import {
  RECORD_SOURCES,
  RECORD_SOURCE_LABELS,
  RECORD_STATUSES,
  applyDraft,
  csvHref,
  draftOf,
  hasRecordFilters,
  parseRecordsQuery,
  statusLabel,
  toSearchParams,
  updateRecordsQuery,
  type RecordsFilterDraft,
  type RecordsFilterField,
  type RecordsQuery,
} from "../attendance/recordsQuery";
import { ErrorMessage } from "../components/ErrorSummary";
import { SelectField, TextField } from "../components/Field";
import { PageHeading } from "../components/PageHeading";
import { pageCount } from "../lib/pagination";

const FILTER_FIELDS: readonly RecordsFilterField[] = ["person_id", "from_date", "to_date", "status", "department", "source"];

/** The API's reasons against the filters, by filter (its 400 names the parameters). */
function filterErrors(error: unknown): Partial<Record<RecordsFilterField, string[]>> {
  const fields: Partial<Record<RecordsFilterField, string[]>> = {};
  if (!(error instanceof ApiError)) return fields;
  for (const issue of error.details) {
    const field = FILTER_FIELDS.find((f) => f === issue.field);
    if (field !== undefined) fields[field] = [...(fields[field] ?? []), `${issue.message} (${issue.code})`];
  }
  return fields;
}

export default function AttendancePage() {
  const [params, setParams] = useSearchParams();
  const query = useMemo(() => parseRecordsQuery(params), [params]);
  const records = useQuery(recordsQuery(query));
  const [draft, setDraft] = useState<RecordsFilterDraft>(() => draftOf(query));
  const [localErrors, setLocalErrors] = useState<Partial<Record<RecordsFilterField, string[]>>>({});

  // Back/forward changes the URL: the form follows it.
  useEffect(() => {
    setDraft(draftOf(query));
    setLocalErrors({});
  }, [query]);

  const go = (change: Partial<RecordsQuery>) => setParams(toSearchParams(updateRecordsQuery(query, change)));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const result = applyDraft(draft);
    if (!result.ok) {
      setLocalErrors(result.errors);
      return;
    }
    setLocalErrors({});
    go(result.change);
  };

  const clear = () =>
    go({ personId: undefined, fromDate: undefined, toDate: undefined, status: undefined, department: undefined, source: undefined });

  const apiErrors = records.isError ? filterErrors(records.error) : {};
  const errors = { ...apiErrors, ...localErrors };
  const total = records.data?.meta.total ?? 0;
  const pages = pageCount(total, query.pageSize);
  const first = total === 0 ? 0 : (query.page - 1) * query.pageSize + 1;
  const last = Math.min(total, query.page * query.pageSize);
  const about = records.data?.estimated === true ? "about " : "";
  const summary =
    records.data === undefined
      ? ""
      : total === 0
        ? hasRecordFilters(query)
          ? "No record matches these filters."
          : "There are no records yet."
        : `${first.toLocaleString()}–${last.toLocaleString()} of ${about}${total.toLocaleString()} ${total === 1 ? "record" : "records"}`;

  return (
    <section className="page">
      <PageHeading title="Attendance" />
      <AttendanceNav />

      <form onSubmit={submit} noValidate className="toolbar" aria-label="Filter the records">
        <fieldset className="filters records-filters">
          <legend>Filters</legend>
          <PersonPicker
            id="filter-person"
            label="Person"
            value={draft.personId}
            onChange={(personId) => setDraft({ ...draft, personId })}
            errors={errors.person_id}
            clearLabel="Any person"
          />
          <TextField
            id="filter-from"
            label="From"
            type="date"
            value={draft.fromDate}
            onChange={(fromDate) => setDraft({ ...draft, fromDate })}
            errors={errors.from_date}
          />
          <TextField
            id="filter-to"
            label="To"
            type="date"
            value={draft.toDate}
            onChange={(toDate) => setDraft({ ...draft, toDate })}
            errors={errors.to_date}
          />
          <SelectField<RecordsFilterDraft["status"]>
            id="filter-status"
            label="Status"
            value={draft.status}
            onChange={(status) => setDraft({ ...draft, status })}
            options={[{ value: "", label: "Any" }, ...RECORD_STATUSES.map((s) => ({ value: s, label: statusLabel(s) }))]}
            errors={errors.status}
          />
          <SelectField<RecordsFilterDraft["source"]>
            id="filter-source"
            label="Source"
            value={draft.source}
            onChange={(source) => setDraft({ ...draft, source })}
            options={[{ value: "", label: "Any" }, ...RECORD_SOURCES.map((s) => ({ value: s, label: RECORD_SOURCE_LABELS[s] }))]}
            errors={errors.source}
          />
          <TextField
            id="filter-department"
            label="Department"
            value={draft.department}
            onChange={(department) => setDraft({ ...draft, department })}
            maxLength={100}
            errors={errors.department}
          />
          <div className="filters__actions">
            <button type="submit" className="button">
              Apply filters
            </button>
            {hasRecordFilters(query) ? (
              <button type="button" className="button button--quiet" onClick={clear}>
                Clear filters
              </button>
            ) : null}
          </div>
        </fieldset>
      </form>

      <p className="records-export">
        <a className="button" href={csvHref(query)} download data-testid="records-csv">
          Download CSV{" "}<span className="visually-hidden">of {hasRecordFilters(query) ? "the filtered" : "all"} records</span>
        </a>
        <span className="muted">{hasRecordFilters(query) ? "Every record these filters match, on all pages." : "Every record, on all pages."}</span>
      </p>

      <p className="visually-hidden" role="status" aria-live="polite">
        {records.isFetching ? "Loading records…" : summary}
      </p>

      {records.isError ? (
        <ErrorMessage onRetry={() => void records.refetch()}>The records could not be loaded: {refusalText(records.error)}</ErrorMessage>
      ) : null}

      {records.isPending && !records.isError ? (
        <p className="loading" role="status">
          Loading records…
        </p>
      ) : null}

      {records.data !== undefined ? (
        <>
          <RecordsTable records={records.data.records} caption={summary} busy={records.isFetching} />
          <Pager
            label="Pages of records"
            idPrefix="records"
            page={query.page}
            pages={pages}
            pageSize={query.pageSize}
            onPage={(page) => go({ page })}
            onPageSize={(pageSize) => go({ pageSize })}
          />
        </>
      ) : null}
    </section>
  );
}
