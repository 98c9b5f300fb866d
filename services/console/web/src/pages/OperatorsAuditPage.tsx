// The sign-in audit (/operators/audit): time, operator, address and outcome of every sign-in,
// refusal, lock, sign-out and account change, newest first. The console filters (operator,
// outcome, days) and pages, so every entry it keeps can be reached; the choices live in the URL.

import { useQuery } from "@tanstack/react-query";
import { useEffect, useMemo, useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router";
import { ErrorMessage } from "../components/ErrorSummary";
import { SelectField } from "../components/Field";
import { ListPager } from "../components/ListPager";
import { PageHeading } from "../components/PageHeading";
import { describeRefusal } from "../lib/refusal";
import { auditQuery, operatorsQuery } from "../operators/api";
import {
  AUDIT_OUTCOMES,
  AUDIT_PAGE_SIZE,
  dayRange,
  eventLabel,
  isDay,
  isFailure,
  outcomeEvents,
  positionOf,
  type AuditOutcome,
} from "../operators/auditView";
import { TextField } from "../components/Field";
import { formatDate } from "../people/api";

interface AuditFilter {
  operator: string | undefined;
  outcome: AuditOutcome | undefined;
  /** Days (YYYY-MM-DD), both included. */
  from: string | undefined;
  to: string | undefined;
  page: number;
}

const OUTCOMES = Object.keys(AUDIT_OUTCOMES) as AuditOutcome[];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function parseFilter(params: URLSearchParams): AuditFilter {
  const operator = params.get("operator");
  const page = Number(params.get("page"));
  const day = (name: string) => {
    const value = params.get(name);
    return value !== null && isDay(value) ? value : undefined;
  };
  return {
    operator: operator !== null && UUID.test(operator) ? operator : undefined,
    outcome: OUTCOMES.find((o) => o === params.get("outcome")),
    from: day("from"),
    to: day("to"),
    page: Number.isInteger(page) && page >= 1 ? page : 1,
  };
}

function toParams(filter: AuditFilter): URLSearchParams {
  const params = new URLSearchParams();
  if (filter.operator !== undefined) params.set("operator", filter.operator);
  if (filter.outcome !== undefined) params.set("outcome", filter.outcome);
  if (filter.from !== undefined) params.set("from", filter.from);
  if (filter.to !== undefined) params.set("to", filter.to);
  if (filter.page !== 1) params.set("page", String(filter.page));
  return params;
}

export default function OperatorsAuditPage() {
  const [params, setParams] = useSearchParams();
  const filter = useMemo(() => parseFilter(params), [params]);
  const operators = useQuery(operatorsQuery());
  const range = dayRange(filter.from, filter.to);
  const audit = useQuery({
    ...auditQuery({
      operatorId: filter.operator,
      events: outcomeEvents(filter.outcome),
      from: range.from,
      to: range.to,
      offset: (filter.page - 1) * AUDIT_PAGE_SIZE,
      limit: AUDIT_PAGE_SIZE,
    }),
    refetchInterval: 30_000,
    placeholderData: (previous) => previous,
  });
  const [draft, setDraft] = useState({ operator: "", outcome: "", from: "", to: "" });
  useEffect(
    () => setDraft({ operator: filter.operator ?? "", outcome: filter.outcome ?? "", from: filter.from ?? "", to: filter.to ?? "" }),
    [filter],
  );

  const names = new Map((operators.data ?? []).map((o) => [o.id, o.display_name]));
  const entries = audit.data?.entries ?? [];
  const total = audit.data?.total ?? 0;
  const shown = positionOf(filter.page, entries.length, total);
  const count = `${total.toLocaleString()} ${total === 1 ? "entry" : "entries"}`;
  const kind = filter.outcome !== undefined ? ` (${AUDIT_OUTCOMES[filter.outcome].label.toLowerCase()})` : "";
  const summary =
    audit.data === undefined
      ? ""
      : total === 0
        ? "No entry matches."
        : entries.length === 0
          ? `No entries on this page; ${count}${kind} in all`
          : shown.pages === 1
            ? `${count}${kind}, newest first`
            : `${shown.first.toLocaleString()}–${shown.last.toLocaleString()} of ${count}${kind}, newest first`;

  const apply = (event: FormEvent) => {
    event.preventDefault();
    setParams(
      toParams({
        operator: draft.operator === "" ? undefined : draft.operator,
        outcome: OUTCOMES.find((o) => o === draft.outcome),
        from: isDay(draft.from) ? draft.from : undefined,
        to: isDay(draft.to) ? draft.to : undefined,
        page: 1,
      }),
    );
  };
  const filtered = filter.operator !== undefined || filter.outcome !== undefined || filter.from !== undefined || filter.to !== undefined;

  return (
    <section className="page">
      <PageHeading title="Sign-in audit" />
      <p className="page__lead">
        Every sign-in, refused or throttled attempt, lock, sign-out and change to an operator, newest first. A refusal names its
        reason (unknown email, wrong password, account disabled); the person signing in was only told the email or password was not right.
      </p>
      <form onSubmit={apply} className="toolbar">
        <fieldset className="filters">
          <legend>Filters</legend>
          <SelectField
            id="audit-operator"
            label="Operator"
            value={draft.operator}
            onChange={(operator) => setDraft({ ...draft, operator })}
            options={[
              { value: "", label: "Anyone (and unknown emails)" },
              ...(operators.data ?? []).map((o) => ({ value: o.id, label: `${o.display_name} (${o.email})` })),
              ...(filter.operator !== undefined && !names.has(filter.operator) ? [{ value: filter.operator, label: filter.operator }] : []),
            ]}
          />
          <SelectField
            id="audit-outcome"
            label="Outcome"
            value={draft.outcome}
            onChange={(outcome) => setDraft({ ...draft, outcome })}
            options={[{ value: "", label: "Any" }, ...OUTCOMES.map((o) => ({ value: o, label: AUDIT_OUTCOMES[o].label }))]}
          />
          <TextField id="audit-from" label="From" type="date" value={draft.from} onChange={(from) => setDraft({ ...draft, from })} />
          <TextField id="audit-to" label="To (included)" type="date" value={draft.to} onChange={(to) => setDraft({ ...draft, to })} />
          <div className="filters__actions">
            <button type="submit" className="button">
              Apply filters
            </button>
            {filtered ? (
              <button type="button" className="button button--quiet" onClick={() => setParams(new URLSearchParams())}>
                Clear filters
              </button>
            ) : null}
          </div>
        </fieldset>
      </form>

      {audit.isError ? (
        <ErrorMessage onRetry={() => void audit.refetch()}>The audit could not be loaded: {describeRefusal(audit.error)}</ErrorMessage>
      ) : null}
      {operators.isError ? <p className="banner banner--error">Operators' names could not be loaded: {describeRefusal(operators.error)}</p> : null}
      {audit.isPending && !audit.isError ? (
        <p className="loading" role="status">
          Loading the audit…
        </p>
      ) : null}
      {audit.data !== undefined ? (
        <>
          <div className="table-wrap">
            <table className="table table--cards" aria-busy={audit.isFetching}>
              <caption>{summary}</caption>
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Operator</th>
                  <th scope="col">Address</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Detail</th>
                </tr>
              </thead>
              <tbody>
                {entries.map((entry) => {
                  const name = entry.operator_id !== null && entry.operator_id !== undefined ? names.get(entry.operator_id) : undefined;
                  return (
                    <tr key={entry.id}>
                      <td data-label="Time">{formatDate(entry.occurred_at)}</td>
                      <td data-label="Operator" className="cell-text">
                        <div>
                          {name !== undefined && entry.operator_id !== null && entry.operator_id !== undefined ? (
                            <Link to={`/operators/${entry.operator_id}`}>{name}</Link>
                          ) : (
                            (entry.email ?? "—")
                          )}
                          {name !== undefined && entry.email !== null && entry.email !== undefined ? (
                            <span className="cell-note">{entry.email}</span>
                          ) : null}
                        </div>
                      </td>
                      <td data-label="Address">{entry.client_address ?? "—"}</td>
                      <td data-label="Outcome">
                        <span className={isFailure(entry.event) ? "badge badge--approval-rejected" : "badge"}>{eventLabel(entry.event)}</span>
                      </td>
                      <td data-label="Detail" className="cell-text">
                        {entry.detail ?? "—"}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          <ListPager
            label="Pages of the audit"
            page={shown.page}
            pages={shown.pages}
            onPage={(page) => setParams(toParams({ ...filter, page }))}
          />
        </>
      ) : null}
    </section>
  );
}
