import { useQuery } from "@tanstack/react-query";
import { createColumnHelper, flexRender, getCoreRowModel, useReactTable } from "@tanstack/react-table";
import { useEffect, useMemo, useState, type FormEvent } from "react";
import { Link, useLocation, useSearchParams } from "react-router";
import { usePermission } from "../auth/session";
import { ErrorMessage } from "../components/ErrorSummary";
import { SelectField, TextField } from "../components/Field";
import { PageHeading } from "../components/PageHeading";
import { describeError } from "../lib/errors";
import {
  PAGE_SIZES,
  PERSON_STATUSES,
  PERSON_TYPES,
  hasFilters,
  pageCount,
  parsePeopleQuery,
  toSearchParams,
  updatePeopleQuery,
  type PageSize,
  type PeopleQuery,
} from "../lib/pagination";
import { STATUS_LABELS, TYPE_LABELS, formatDate, fullName, peopleQuery, type Person } from "../people/api";

const column = createColumnHelper<Person>();

const columns = [
  column.accessor((p) => fullName(p), {
    id: "name",
    header: "Name",
    cell: (info) => <Link to={`/people/${info.row.original.id}`}>{info.getValue()}</Link>,
  }),
  column.accessor("email", { header: "Email", cell: (info) => <span className="cell-email">{info.getValue()}</span> }),
  column.accessor("person_type", { header: "Type", cell: (info) => TYPE_LABELS[info.getValue()] ?? info.getValue() }),
  column.accessor("department", { header: "Department", cell: (info) => info.getValue() ?? "—" }),
  column.accessor("organization", { header: "Organization", cell: (info) => info.getValue() ?? "—" }),
  column.accessor("status", {
    header: "Status",
    cell: (info) => <span className={`badge badge--${info.getValue()}`}>{STATUS_LABELS[info.getValue()] ?? info.getValue()}</span>,
  }),
  column.accessor("face_encoding_count", {
    header: "Faces",
    meta: { numeric: true },
    cell: (info) => info.getValue(),
  }),
  column.accessor("createdAt", { header: "Created", cell: (info) => formatDate(info.getValue()) }),
];

type AnyFilter = "" | string;

/** The filter form's own state: applied to the URL on submit. */
interface FilterDraft {
  status: AnyFilter;
  personType: AnyFilter;
  department: string;
  organization: string;
  hasFaces: "" | "true" | "false";
}

function draftOf(query: PeopleQuery): FilterDraft {
  return {
    status: query.status ?? "",
    personType: query.personType ?? "",
    department: query.department ?? "",
    organization: query.organization ?? "",
    hasFaces: query.hasFaces === undefined ? "" : query.hasFaces ? "true" : "false",
  };
}

export default function PeoplePage() {
  const [params, setParams] = useSearchParams();
  const query = useMemo(() => parsePeopleQuery(params), [params]);
  const canWrite = usePermission("persons:write");
  const location = useLocation();
  const notice = (location.state as { notice?: string } | null)?.notice;
  const people = useQuery(peopleQuery(query));
  const [search, setSearch] = useState(query.q ?? "");
  const [draft, setDraft] = useState<FilterDraft>(() => draftOf(query));

  // Back/forward changes the URL: the forms follow it.
  useEffect(() => {
    setSearch(query.q ?? "");
    setDraft(draftOf(query));
  }, [query]);

  const go = (change: Partial<PeopleQuery>) => setParams(toSearchParams(updatePeopleQuery(query, change)));

  const submitSearch = (event: FormEvent) => {
    event.preventDefault();
    const q = search.trim();
    go({ q: q === "" ? undefined : q });
  };

  const submitFilters = (event: FormEvent) => {
    event.preventDefault();
    const text = (v: string) => (v.trim() === "" ? undefined : v.trim());
    go({
      status: PERSON_STATUSES.find((s) => s === draft.status),
      personType: PERSON_TYPES.find((t) => t === draft.personType),
      department: text(draft.department),
      organization: text(draft.organization),
      hasFaces: draft.hasFaces === "" ? undefined : draft.hasFaces === "true",
    });
  };

  const clearFilters = () =>
    go({ status: undefined, personType: undefined, department: undefined, organization: undefined, hasFaces: undefined });

  const persons = people.data?.persons ?? [];
  const table = useReactTable({
    data: persons,
    columns,
    getCoreRowModel: getCoreRowModel(),
    manualPagination: true,
    rowCount: people.data?.meta.total ?? 0,
    getRowId: (p) => p.id,
  });

  const total = people.data?.meta.total ?? 0;
  const pages = pageCount(total, query.pageSize);
  const searching = query.q !== undefined;
  const first = total === 0 ? 0 : (query.page - 1) * query.pageSize + 1;
  const last = Math.min(total, query.page * query.pageSize);
  const summary = people.data === undefined
    ? ""
    : total === 0
      ? searching
        ? `No one matches “${query.q}”.`
        : "No one matches these filters."
      : `${first}–${last} of ${total.toLocaleString()} ${searching ? `matching “${query.q}”` : "people"}`;

  return (
    <section className="page">
      <div className="page__header">
        <PageHeading title="People" />
        {canWrite ? (
          <Link to="/people/new" className="button button--primary">
            Add a person
          </Link>
        ) : null}
      </div>

      {notice !== undefined ? (
        <p className="banner banner--success" role="status">
          {notice}
        </p>
      ) : null}

      <div className="toolbar">
        <form role="search" className="search-form" onSubmit={submitSearch} aria-label="People">
          <TextField
            id="people-search"
            label="Search by name, email or id number"
            type="search"
            value={search}
            onChange={setSearch}
            maxLength={254}
          />
          <button type="submit" className="button">
            Search
          </button>
          {searching ? (
            <button type="button" className="button button--quiet" onClick={() => go({ q: undefined })}>
              Clear search
            </button>
          ) : null}
        </form>

        <form onSubmit={submitFilters}>
          <fieldset className="filters" disabled={searching}>
            <legend>Filters{searching ? " (not applied to a search)" : ""}</legend>
            <SelectField
              id="filter-status"
              label="Status"
              value={draft.status}
              onChange={(status) => setDraft({ ...draft, status })}
              options={[{ value: "", label: "Any" }, ...PERSON_STATUSES.map((s) => ({ value: s, label: STATUS_LABELS[s] ?? s }))]}
            />
            <SelectField
              id="filter-type"
              label="Type"
              value={draft.personType}
              onChange={(personType) => setDraft({ ...draft, personType })}
              options={[{ value: "", label: "Any" }, ...PERSON_TYPES.map((t) => ({ value: t, label: TYPE_LABELS[t] ?? t }))]}
            />
            <TextField
              id="filter-department"
              label="Department"
              value={draft.department}
              onChange={(department) => setDraft({ ...draft, department })}
              maxLength={100}
            />
            <TextField
              id="filter-organization"
              label="Organization"
              value={draft.organization}
              onChange={(organization) => setDraft({ ...draft, organization })}
              maxLength={200}
            />
            <SelectField<FilterDraft["hasFaces"]>
              id="filter-faces"
              label="Faces enrolled"
              value={draft.hasFaces}
              onChange={(hasFaces) => setDraft({ ...draft, hasFaces })}
              options={[
                { value: "", label: "Any" },
                { value: "true", label: "With faces" },
                { value: "false", label: "Without faces" },
              ]}
            />
            <div className="filters__actions">
              <button type="submit" className="button">
                Apply filters
              </button>
              {hasFilters(query) ? (
                <button type="button" className="button button--quiet" onClick={clearFilters}>
                  Clear filters
                </button>
              ) : null}
            </div>
          </fieldset>
        </form>
      </div>

      <p className="visually-hidden" role="status" aria-live="polite">
        {people.isFetching ? "Loading people…" : summary}
      </p>

      {people.isError ? (
        <ErrorMessage onRetry={() => void people.refetch()}>
          The directory could not be loaded. {describeError(people.error)}
        </ErrorMessage>
      ) : null}

      {people.isPending && !people.isError ? (
        <p className="loading" role="status">
          Loading people…
        </p>
      ) : null}

      {people.data !== undefined ? (
        <>
          <div className="table-wrap">
            <table className="table table--cards" aria-busy={people.isFetching}>
              <caption>{summary}</caption>
              <thead>
                {table.getHeaderGroups().map((group) => (
                  <tr key={group.id}>
                    {group.headers.map((header) => (
                      <th
                        key={header.id}
                        scope="col"
                        className={(header.column.columnDef.meta as { numeric?: boolean } | undefined)?.numeric ? "num" : undefined}
                      >
                        {flexRender(header.column.columnDef.header, header.getContext())}
                      </th>
                    ))}
                  </tr>
                ))}
              </thead>
              <tbody>
                {table.getRowModel().rows.map((row) => (
                  <tr key={row.id}>
                    {row.getVisibleCells().map((cell) => (
                      <td
                        key={cell.id}
                        data-label={String(cell.column.columnDef.header)}
                        className={(cell.column.columnDef.meta as { numeric?: boolean } | undefined)?.numeric ? "num" : undefined}
                      >
                        {flexRender(cell.column.columnDef.cell, cell.getContext())}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>

          <nav className="pager" aria-label="Pages of people">
            <div className="pager__buttons">
              <button
                type="button"
                className="button"
                onClick={() => go({ page: query.page - 1 })}
                disabled={query.page <= 1}
              >
                Previous<span className="visually-hidden"> page</span>
              </button>
              <span>
                Page {query.page.toLocaleString()} of {pages.toLocaleString()}
              </span>
              <button
                type="button"
                className="button"
                onClick={() => go({ page: query.page + 1 })}
                disabled={query.page >= pages}
              >
                Next<span className="visually-hidden"> page</span>
              </button>
            </div>
            <SelectField<string>
              id="page-size"
              label="Per page"
              value={String(query.pageSize)}
              onChange={(v) => go({ pageSize: (PAGE_SIZES.find((s) => String(s) === v) ?? query.pageSize) as PageSize })}
              options={PAGE_SIZES.map((s) => ({ value: String(s), label: String(s) }))}
            />
          </nav>
        </>
      ) : null}
    </section>
  );
}
