// The shifts (attendance-api's sessions): who works which hours with what grace, which one
// is in force for whom, and (with attendance:write) adding, editing and deleting them.

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useState, type FormEvent } from "react";
import { Link, useLocation, useSearchParams } from "react-router";
import { usePermission } from "../auth/session";
import { ErrorMessage } from "../components/ErrorSummary";
import { SelectField, TextField } from "../components/Field";
import { ListPager } from "../components/ListPager";
import { PageHeading } from "../components/PageHeading";
import { describeRefusal } from "../lib/refusal";
import { activeShiftsQuery, deleteShift, policyKeys, shiftsQuery, type Shift, type ShiftFilter } from "../policies/api";
import { ConfirmDialog } from "../policies/ConfirmDialog";
import { Outcome } from "../policies/Outcome";
import { SHIFT_EFFECT } from "../policies/effects";
import { standings, type ShiftStanding } from "../policies/inForce";
import { crossesMidnight, formatMinutes, formatTime } from "../policies/values";

function parseFilter(params: URLSearchParams): ShiftFilter {
  const page = Number(params.get("page"));
  const active = params.get("active");
  const organization = params.get("organization")?.trim();
  return {
    page: Number.isInteger(page) && page >= 1 ? page : 1,
    isActive: active === "true" ? true : active === "false" ? false : undefined,
    organization: organization === undefined || organization === "" ? undefined : organization,
  };
}

function toParams(filter: ShiftFilter): URLSearchParams {
  const params = new URLSearchParams();
  if (filter.isActive !== undefined) params.set("active", String(filter.isActive));
  if (filter.organization !== undefined) params.set("organization", filter.organization);
  if (filter.page !== 1) params.set("page", String(filter.page));
  return params;
}

function Standing({ standing }: { standing: ShiftStanding | undefined }) {
  switch (standing?.kind) {
    case "inactive":
      return <span className="badge badge--inactive">Inactive</span>;
    case "in_force":
      return (
        <>
          <span className="badge badge--active">In force</span>
          <span className="cell-note">
            {standing.organization === undefined
              ? "For everyone whose organisation has no shift of its own."
              : `For ${standing.organization}.`}
          </span>
        </>
      );
    case "shadowed":
      return (
        <>
          <span className="badge badge--archived">Active, not used</span>
          <span className="cell-note">“{standing.by.name}”, created earlier, applies to the same people.</span>
        </>
      );
    default:
      return <span className="badge badge--active">Active</span>;
  }
}

export default function ShiftsPage() {
  const [params, setParams] = useSearchParams();
  const filter = useMemo(() => parseFilter(params), [params]);
  const canWrite = usePermission("attendance:write");
  const location = useLocation();
  const notice = (location.state as { notice?: string } | null)?.notice;
  const shifts = useQuery(shiftsQuery(filter));
  const active = useQuery(activeShiftsQuery());
  const [draft, setDraft] = useState({ active: "", organization: "" });
  const [deleting, setDeleting] = useState<Shift>();
  const [done, setDone] = useState<string>();
  const queryClient = useQueryClient();

  useEffect(() => {
    setDraft({ active: filter.isActive === undefined ? "" : String(filter.isActive), organization: filter.organization ?? "" });
  }, [filter]);

  const remove = useMutation({
    mutationFn: (shift: Shift) => deleteShift(shift.id),
    onSuccess: (_, shift) => {
      setDeleting(undefined);
      setDone(`The shift “${shift.name}” has been deleted. ${SHIFT_EFFECT.delete}`);
      void queryClient.invalidateQueries({ queryKey: policyKeys.shifts() });
    },
  });

  const go = (change: Partial<ShiftFilter>) => setParams(toParams({ ...filter, page: 1, ...change }));
  const apply = (event: FormEvent) => {
    event.preventDefault();
    const organization = draft.organization.trim();
    go({
      isActive: draft.active === "true" ? true : draft.active === "false" ? false : undefined,
      organization: organization === "" ? undefined : organization,
    });
  };

  const shown = shifts.data?.items ?? [];
  const standing = standings(shown, active.data?.shifts ?? [], active.data?.complete ?? false);
  const total = shifts.data?.meta.total ?? 0;
  const filtered = filter.isActive !== undefined || filter.organization !== undefined;
  const summary =
    shifts.data === undefined
      ? ""
      : total === 0
        ? filtered
          ? "No shift matches these filters."
          : "There are no shifts yet."
        : `${total.toLocaleString()} ${total === 1 ? "shift" : "shifts"}${filtered ? " matching the filters" : ""}, by name`;

  return (
    <section className="page">
      <div className="page__header">
        <PageHeading title="Shifts" />
        {canWrite ? (
          <Link to="/policies/shifts/new" className="button button--primary">
            Add a shift
          </Link>
        ) : null}
      </div>
      <p className="page__lead">{SHIFT_EFFECT.who}</p>
      {!canWrite ? <p className="banner banner--info">Your role can read the policies but not change them.</p> : null}
      {notice !== undefined ? (
        <p className="banner banner--success" role="status">
          {notice}
        </p>
      ) : null}
      <Outcome message={done} />

      <form onSubmit={apply} className="toolbar">
        <fieldset className="filters">
          <legend>Filters</legend>
          <SelectField
            id="shift-filter-active"
            label="Status"
            value={draft.active}
            onChange={(value) => setDraft({ ...draft, active: value })}
            options={[
              { value: "", label: "Any" },
              { value: "true", label: "Active" },
              { value: "false", label: "Inactive" },
            ]}
          />
          <TextField
            id="shift-filter-organization"
            label="Organisation (exact name)"
            value={draft.organization}
            onChange={(organization) => setDraft({ ...draft, organization })}
            maxLength={200}
          />
          <div className="filters__actions">
            <button type="submit" className="button">
              Apply filters
            </button>
            {filtered ? (
              <button type="button" className="button button--quiet" onClick={() => go({ isActive: undefined, organization: undefined })}>
                Clear filters
              </button>
            ) : null}
          </div>
        </fieldset>
      </form>

      {shifts.isError ? (
        <ErrorMessage onRetry={() => void shifts.refetch()}>The shifts could not be loaded: {describeRefusal(shifts.error)}</ErrorMessage>
      ) : null}
      {active.isError ? (
        <p className="banner banner--error">Which shift is in force could not be told: {describeRefusal(active.error)}</p>
      ) : null}
      {shifts.isPending && !shifts.isError ? (
        <p className="loading" role="status">
          Loading shifts…
        </p>
      ) : null}

      {shifts.data !== undefined ? (
        <>
          <div className="table-wrap">
            <table className="table table--cards" aria-busy={shifts.isFetching}>
              <caption>{summary}</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Hours</th>
                  <th scope="col" className="num">
                    Expected
                  </th>
                  <th scope="col" className="num">
                    Late allowed
                  </th>
                  <th scope="col" className="num">
                    Early leave allowed
                  </th>
                  <th scope="col">For</th>
                  <th scope="col">Status</th>
                  {canWrite ? <th scope="col">Actions</th> : null}
                </tr>
              </thead>
              <tbody>
                {shown.map((shift) => (
                  <tr key={shift.id}>
                    <td data-label="Name">{shift.name}</td>
                    <td data-label="Hours">
                      <div>
                        <span className="nowrap">
                          {formatTime(shift.start_time)}–{formatTime(shift.end_time)}
                        </span>
                        {crossesMidnight(shift.start_time, shift.end_time) ? <span className="cell-note">Crosses midnight</span> : null}
                      </div>
                    </td>
                    <td data-label="Expected" className="num">
                      {formatMinutes(shift.expected_duration_minutes)}
                    </td>
                    <td data-label="Late allowed" className="num">
                      {shift.grace_period_minutes} min
                    </td>
                    <td data-label="Early leave allowed" className="num">
                      {shift.early_leave_grace_minutes} min
                    </td>
                    <td data-label="For">{shift.organization ?? "Everyone else"}</td>
                    <td data-label="Status">
                      <div>
                        <Standing standing={standing.get(shift.id)} />
                      </div>
                    </td>
                    {canWrite ? (
                      <td data-label="Actions">
                        <div className="row-actions">
                          <Link to={`/policies/shifts/${shift.id}/edit`} className="button">
                            Edit<span className="visually-hidden"> {shift.name}</span>
                          </Link>
                          <button
                            type="button"
                            className="button button--danger"
                            onClick={() => {
                              remove.reset();
                              setDeleting(shift);
                            }}
                          >
                            Delete…<span className="visually-hidden"> {shift.name}</span>
                          </button>
                        </div>
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <ListPager
            label="Pages of shifts"
            page={filter.page}
            pages={shifts.data.meta.totalPages}
            onPage={(page) => setParams(toParams({ ...filter, page }))}
          />
        </>
      ) : null}

      {canWrite ? (
        <ConfirmDialog
          open={deleting !== undefined}
          title={`Delete the shift “${deleting?.name ?? ""}”?`}
          confirmLabel="Delete the shift"
          pendingLabel="Deleting…"
          pending={remove.isPending}
          error={remove.error}
          failure="The shift was not deleted"
          onConfirm={() => deleting !== undefined && remove.mutate(deleting)}
          onClose={() => setDeleting(undefined)}
        >
          <p>{SHIFT_EFFECT.delete}</p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}
