// Holidays, leave and special events (attendance-api's exceptions): filtered by dates, kind,
// organisation and where they stand on approval (pending only: what waits for a decision),
// latest first; (with attendance:write) adding, editing, approving or rejecting
// what waits for a decision, and deleting.

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useState, type FormEvent } from "react";
import { Link, useLocation, useSearchParams } from "react-router";
import { operatorNamesQuery } from "../attendance/api";
import { usePermission } from "../auth/session";
import { ErrorMessage } from "../components/ErrorSummary";
import { SelectField, TextField } from "../components/Field";
import { ListPager } from "../components/ListPager";
import { PageHeading } from "../components/PageHeading";
import { formatDate } from "../people/api";
import { describeRefusal } from "../lib/refusal";
import {
  APPROVAL_STATUSES,
  EXCEPTION_TYPES,
  deleteException,
  exceptionsQuery,
  policyKeys,
  type ApprovalStatus,
  type ExceptionFilter,
  type ExceptionType,
  type PolicyException,
} from "../policies/api";
import { ConfirmDialog } from "../policies/ConfirmDialog";
import { Outcome } from "../policies/Outcome";
import { Decision } from "../policies/Decision";
import { EXCEPTION_EFFECT } from "../policies/effects";
import { APPROVAL_LABELS, TYPE_LABELS } from "../policies/exceptionForm";
import { PersonName, usePersonLabel } from "../policies/PersonPicker";
import { checkDate, formatDay } from "../policies/values";

function parseFilter(params: URLSearchParams): ExceptionFilter {
  const page = Number(params.get("page"));
  const date = (name: string) => {
    const raw = params.get(name);
    if (raw === null) return undefined;
    const checked = checkDate(raw);
    return checked.ok ? checked.value : undefined;
  };
  const organization = params.get("organization")?.trim();
  return {
    page: Number.isInteger(page) && page >= 1 ? page : 1,
    from: date("from"),
    to: date("to"),
    type: EXCEPTION_TYPES.find((t) => t === params.get("type")),
    approval: APPROVAL_STATUSES.find((s) => s === params.get("approval")),
    organization: organization === undefined || organization === "" ? undefined : organization,
  };
}

function toParams(filter: ExceptionFilter): URLSearchParams {
  const params = new URLSearchParams();
  if (filter.from !== undefined) params.set("from", filter.from);
  if (filter.to !== undefined) params.set("to", filter.to);
  if (filter.type !== undefined) params.set("type", filter.type);
  if (filter.approval !== undefined) params.set("approval", filter.approval);
  if (filter.organization !== undefined) params.set("organization", filter.organization);
  if (filter.page !== 1) params.set("page", String(filter.page));
  return params;
}

interface Draft {
  from: string;
  to: string;
  type: "" | ExceptionType;
  approval: "" | ApprovalStatus;
  organization: string;
}

function draftOf(filter: ExceptionFilter): Draft {
  return {
    from: filter.from ?? "",
    to: filter.to ?? "",
    type: filter.type ?? "",
    approval: filter.approval ?? "",
    organization: filter.organization ?? "",
  };
}

export default function ExceptionsPage() {
  const [params, setParams] = useSearchParams();
  const filter = useMemo(() => parseFilter(params), [params]);
  const canWrite = usePermission("attendance:write");
  const location = useLocation();
  const notice = (location.state as { notice?: string } | null)?.notice;
  const exceptions = useQuery(exceptionsQuery(filter));
  // Who decided is recorded by operator id: shown by name.
  const operatorNames = useQuery(operatorNamesQuery());
  const [draft, setDraft] = useState<Draft>(() => draftOf(filter));
  const [filterError, setFilterError] = useState<{ from?: string[]; to?: string[] }>({});
  const [done, setDone] = useState<string>();
  const [deleting, setDeleting] = useState<PolicyException>();
  const queryClient = useQueryClient();

  useEffect(() => setDraft(draftOf(filter)), [filter]);

  const remove = useMutation({
    mutationFn: (exception: PolicyException) => deleteException(exception.id),
    onSuccess: () => {
      setDeleting(undefined);
      setDone(`The exception has been deleted and the days it decided recomputed. ${EXCEPTION_EFFECT.withdrawn}`);
      void queryClient.invalidateQueries({ queryKey: policyKeys.exceptions() });
      void queryClient.invalidateQueries({ queryKey: ["attendance"] });
    },
  });

  const apply = (event: FormEvent) => {
    event.preventDefault();
    // The API's own checks on the dates, before asking it.
    const errors: { from?: string[]; to?: string[] } = {};
    const from = draft.from === "" ? undefined : checkDate(draft.from);
    const to = draft.to === "" ? undefined : checkDate(draft.to);
    if (from !== undefined && !from.ok) errors.from = [from.reason];
    if (to !== undefined && !to.ok) errors.to = [to.reason];
    if (from?.ok === true && to?.ok === true && from.value > to.value) errors.from = ["Must not be after the “To” date."];
    setFilterError(errors);
    if (errors.from !== undefined || errors.to !== undefined) return;
    setParams(
      toParams({
        page: 1,
        from: from?.ok === true ? from.value : undefined,
        to: to?.ok === true ? to.value : undefined,
        type: draft.type === "" ? undefined : draft.type,
        approval: draft.approval === "" ? undefined : draft.approval,
        organization: draft.organization.trim() === "" ? undefined : draft.organization.trim(),
      }),
    );
  };
  const filtered =
    filter.from !== undefined || filter.to !== undefined || filter.type !== undefined || filter.approval !== undefined || filter.organization !== undefined;

  const items = exceptions.data?.items ?? [];
  const total = exceptions.data?.meta.total ?? 0;
  const summary =
    exceptions.data === undefined
      ? ""
      : total === 0
        ? filtered
          ? "Nothing matches these filters."
          : "There are no holidays, leave or special events yet."
        : `${total.toLocaleString()} ${total === 1 ? "exception" : "exceptions"}${filtered ? " matching the filters" : ""}, latest date first`;

  return (
    <section className="page">
      <div className="page__header">
        <PageHeading title="Holidays and leave" />
        {canWrite ? (
          <div className="row-actions">
            <Link to="/policies/exceptions/new?type=holiday" className="button button--primary">
              Add a holiday
            </Link>
            <Link to="/policies/exceptions/new?type=leave" className="button">
              Add leave
            </Link>
            <Link to="/policies/exceptions/new?type=special_event" className="button">
              Add a special event
            </Link>
          </div>
        ) : null}
      </div>
      <p className="page__lead">
        {EXCEPTION_EFFECT.kinds} {EXCEPTION_EFFECT.now}
      </p>
      {!canWrite ? <p className="banner banner--info">Your role can read the policies but not change them.</p> : null}
      {notice !== undefined ? (
        <p className="banner banner--success" role="status">
          {notice}
        </p>
      ) : null}
      <Outcome message={done} />

      <form onSubmit={apply} className="toolbar" noValidate>
        <fieldset className="filters">
          <legend>Filters</legend>
          <TextField id="exception-filter-from" label="From" type="date" value={draft.from} onChange={(from) => setDraft({ ...draft, from })} errors={filterError.from} />
          <TextField id="exception-filter-to" label="To" type="date" value={draft.to} onChange={(to) => setDraft({ ...draft, to })} errors={filterError.to} />
          <SelectField<Draft["type"]>
            id="exception-filter-type"
            label="Kind"
            value={draft.type}
            onChange={(type) => setDraft({ ...draft, type })}
            options={[{ value: "", label: "Any" }, ...EXCEPTION_TYPES.map((t) => ({ value: t, label: TYPE_LABELS[t] }))]}
          />
          <SelectField<Draft["approval"]>
            id="exception-filter-approval"
            label="Approval"
            value={draft.approval}
            onChange={(approval) => setDraft({ ...draft, approval })}
            options={[
              { value: "", label: "Any" },
              { value: "pending", label: "Pending only" },
              { value: "approved", label: "Approved" },
              { value: "rejected", label: "Rejected" },
              { value: "not_required", label: "No approval needed" },
            ]}
          />
          <TextField
            id="exception-filter-organization"
            label="Organisation"
            value={draft.organization}
            maxLength={200}
            onChange={(organization) => setDraft({ ...draft, organization })}
          />
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

      {exceptions.isError ? (
        <ErrorMessage onRetry={() => void exceptions.refetch()}>
          The exceptions could not be loaded: {describeRefusal(exceptions.error)}
        </ErrorMessage>
      ) : null}
      {exceptions.isPending && !exceptions.isError ? (
        <p className="loading" role="status">
          Loading exceptions…
        </p>
      ) : null}

      {exceptions.data !== undefined ? (
        <>
          <div className="table-wrap">
            <table className="table table--cards" aria-busy={exceptions.isFetching}>
              <caption>{summary}</caption>
              <thead>
                <tr>
                  <th scope="col">Date</th>
                  <th scope="col">Kind</th>
                  <th scope="col">For</th>
                  <th scope="col">Reason</th>
                  <th scope="col">Approval</th>
                  {canWrite ? <th scope="col">Actions</th> : null}
                </tr>
              </thead>
              <tbody>
                {items.map((exception) => (
                  <ExceptionRow
                    key={exception.id}
                    exception={exception}
                    deciders={operatorNames.data}
                    canWrite={canWrite}
                    onDecided={setDone}
                    onDelete={() => {
                      remove.reset();
                      setDeleting(exception);
                    }}
                  />
                ))}
              </tbody>
            </table>
          </div>
          <ListPager
            label="Pages of exceptions"
            page={filter.page}
            pages={exceptions.data.meta.totalPages}
            onPage={(page) => setParams(toParams({ ...filter, page }))}
          />
        </>
      ) : null}

      {canWrite ? (
        <ConfirmDialog
          open={deleting !== undefined}
          title={`Delete this ${deleting === undefined ? "exception" : (TYPE_LABELS[deleting.exception_type as ExceptionType] ?? "exception").toLowerCase()} on ${deleting === undefined ? "" : formatDay(deleting.exception_date)}?`}
          confirmLabel="Delete it"
          pendingLabel="Deleting…"
          pending={remove.isPending}
          error={remove.error}
          failure="It was not deleted"
          onConfirm={() => deleting !== undefined && remove.mutate(deleting)}
          onClose={() => setDeleting(undefined)}
        >
          <p>
            The days it decides are recomputed at once: a day off it gave becomes a working day again. {EXCEPTION_EFFECT.withdrawn}
          </p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}

function ExceptionRow({
  exception,
  deciders,
  canWrite,
  onDecided,
  onDelete,
}: {
  exception: PolicyException;
  deciders: Map<string, string> | undefined;
  canWrite: boolean;
  onDecided: (message: string) => void;
  onDelete: () => void;
}) {
  const who = usePersonLabel(exception.person_id);
  const kind = TYPE_LABELS[exception.exception_type as ExceptionType] ?? exception.exception_type;
  const subject = exception.person_id === null || exception.person_id === undefined ? `The ${kind.toLowerCase()}` : `${who}'s ${kind.toLowerCase()}`;
  const status = exception.approval_status;
  return (
    <tr>
      <td data-label="Date" className="nowrap">
        {formatDay(exception.exception_date)}
      </td>
      <td data-label="Kind">{kind}</td>
      <td data-label="For">
        {exception.person_id !== null && exception.person_id !== undefined ? (
          <PersonName personId={exception.person_id} />
        ) : exception.organization !== null && exception.organization !== undefined ? (
          `Everyone in ${exception.organization}`
        ) : (
          "Everyone"
        )}
      </td>
      <td data-label="Reason" className="cell-text">
        {exception.reason}
      </td>
      <td data-label="Approval">
        <div>
          <span className={`badge badge--approval-${status}`}>{APPROVAL_LABELS[status] ?? status}</span>
          {exception.approved_by !== null && exception.approved_by !== undefined ? (
            <span className="cell-note">
              By {deciders?.get(exception.approved_by) ?? exception.approved_by}, {formatDate(exception.approved_at)}
            </span>
          ) : null}
        </div>
      </td>
      {canWrite ? (
        <td data-label="Actions">
          <div>
            {status === "pending" ? <Decision exception={exception} subject={subject} onDecided={onDecided} /> : null}
            <div className="row-actions">
              <Link to={`/policies/exceptions/${exception.id}/edit`} className="button">
                Edit<span className="visually-hidden"> {subject} on {formatDay(exception.exception_date)}</span>
              </Link>
              <button type="button" className="button button--danger" onClick={onDelete}>
                Delete…<span className="visually-hidden"> {subject} on {formatDay(exception.exception_date)}</span>
              </button>
            </div>
          </div>
        </td>
      ) : null}
    </tr>
  );
}
