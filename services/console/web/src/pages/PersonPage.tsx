import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useLocation, useNavigate, useParams } from "react-router";
import { ApiError } from "../api/client";
import { usePermission } from "../auth/session";
import { Dialog } from "../components/Dialog";
import { ErrorMessage } from "../components/ErrorSummary";
import { PageHeading } from "../components/PageHeading";
import { describeError } from "../lib/errors";
import { FacesSection } from "../faces/FacesSection";
import { MetadataSection } from "../metadata/MetadataSection";
import { PersonMonthSection } from "../attendance/PersonMonthSection";
import {
  STATUS_LABELS,
  TYPE_LABELS,
  deletePerson,
  formatDate,
  fullName,
  peopleKeys,
  personQuery,
  updatePerson,
  type Person,
} from "../people/api";

function plural(n: number, one: string, many: string): string {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}

export default function PersonPage() {
  const { personId = "" } = useParams();
  const location = useLocation();
  const notice = (location.state as { notice?: string } | null)?.notice;
  const person = useQuery(personQuery(personId));
  const canWrite = usePermission("persons:write");
  const canReadAttendance = usePermission("attendance:read");
  const [confirming, setConfirming] = useState(false);

  if (person.isPending) {
    return (
      <p className="loading" role="status">
        Loading…
      </p>
    );
  }
  if (person.isError) {
    const missing = person.error instanceof ApiError && (person.error.status === 404 || person.error.status === 400);
    return (
      <section className="page">
        <PageHeading title={missing ? "Person not found" : "Person"} />
        <ErrorMessage onRetry={missing ? undefined : () => void person.refetch()}>
          {missing ? "There is no such person: they may have been deleted." : describeError(person.error)}
        </ErrorMessage>
        <p>
          <Link to="/people">Back to People</Link>
        </p>
      </section>
    );
  }
  const p = person.data;
  return (
    <section className="page">
      <p>
        <Link to="/people">← People</Link>
      </p>
      <PageHeading title={fullName(p)} />
      {notice !== undefined ? (
        <p className="banner banner--success" role="status">
          {notice}
        </p>
      ) : null}
      {canWrite ? (
        <div className="actions">
          <Link to={`/people/${p.id}/edit`} className="button button--primary">
            Edit<span className="visually-hidden"> {fullName(p)}</span>
          </Link>
          <StatusActions person={p} />
          <button type="button" className="button button--danger" onClick={() => setConfirming(true)}>
            Delete…<span className="visually-hidden"> {fullName(p)}</span>
          </button>
        </div>
      ) : null}
      <PersonDetails person={p} />
      {/* Keyed by person: moving to another person's page starts their sections afresh. */}
      <FacesSection key={`faces-${p.id}`} personId={p.id} name={fullName(p)} canWrite={canWrite} />
      <MetadataSection key={`metadata-${p.id}`} personId={p.id} name={fullName(p)} canWrite={canWrite} />
      {canReadAttendance ? <PersonMonthSection key={`month-${p.id}`} personId={p.id} name={fullName(p)} /> : null}
      {canWrite ? <DeleteDialog person={p} open={confirming} onClose={() => setConfirming(false)} /> : null}
    </section>
  );
}

/** Deactivate, archive or reactivate: a status change in one click, said aloud when done. */
function StatusActions({ person }: { person: Person }) {
  const queryClient = useQueryClient();
  const change = useMutation({
    mutationFn: (status: "active" | "inactive" | "archived") => updatePerson(person.id, { status }),
    onSuccess: (saved) => {
      queryClient.setQueryData(peopleKeys.person(saved.id), saved);
      void queryClient.invalidateQueries({ queryKey: peopleKeys.lists() });
    },
  });
  const targets = (["active", "inactive", "archived"] as const).filter((s) => s !== person.status);
  const verb = { active: "Reactivate", inactive: "Deactivate", archived: "Archive" } as const;
  return (
    <>
      {targets.map((status) => (
        <button
          key={status}
          type="button"
          className="button"
          disabled={change.isPending}
          onClick={() => change.mutate(status)}
        >
          {verb[status]}
        </button>
      ))}
      <span role="status" className={change.isError ? "field__errors" : "visually-hidden"}>
        {change.isError
          ? `The status was not changed: ${describeError(change.error)}`
          : change.isSuccess
            ? `Status is now ${STATUS_LABELS[person.status] ?? person.status}.`
            : ""}
      </span>
    </>
  );
}

function PersonDetails({ person }: { person: Person }) {
  const rows: [string, React.ReactNode][] = [
    ["Email", person.email],
    ["Phone", person.phone ?? "—"],
    ["Type", TYPE_LABELS[person.person_type] ?? person.person_type],
    ["Status", <span className={`badge badge--${person.status}`}>{STATUS_LABELS[person.status] ?? person.status}</span>],
    ["Department", person.department ?? "—"],
    ["Organization", person.organization ?? "—"],
    ["ID number", person.id_number ?? "—"],
    ["ID type", person.id_type ?? "—"],
    ["Face encodings", person.face_encoding_count.toLocaleString()],
    ["First enrolled", formatDate(person.enrolled_at)],
    ["Last face enrolled", formatDate(person.last_face_enrolled)],
    ["Created", formatDate(person.createdAt)],
    ["Updated", formatDate(person.updatedAt)],
  ];
  return (
    <dl className="details">
      {rows.map(([term, value]) => (
        <div key={term} className="details__row">
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function DeleteDialog({ person, open, onClose }: { person: Person; open: boolean; onClose: () => void }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const name = fullName(person);
  const remove = useMutation({
    mutationFn: () => deletePerson(person.id),
    onSuccess: () => {
      queryClient.removeQueries({ queryKey: peopleKeys.person(person.id) });
      void queryClient.invalidateQueries({ queryKey: peopleKeys.lists() });
      onClose();
      void navigate("/people", { replace: true, state: { notice: `${name} has been deleted.` } });
    },
  });
  const faces = person.face_encoding_count;
  return (
    <Dialog open={open} title={`Delete ${name}?`} onClose={onClose}>
      <p>This erases everything faceattend holds about {name}, and cannot be undone:</p>
      <ul>
        <li>their person record ({person.email});</li>
        <li>{plural(faces, "enrolment photo", "enrolment photos")};</li>
        <li>{plural(faces, "face encoding", "face encodings")};</li>
        <li>their entries in the recognition gallery: cameras stop recognising them at once;</li>
        <li>their metadata: address, emergency contact, preferences and custom fields.</li>
      </ul>
      {remove.isError ? (
        <p className="field__errors" role="alert">
          {name} was not deleted: {describeError(remove.error)}
        </p>
      ) : null}
      <div className="form__actions">
        <button type="button" className="button button--danger" onClick={() => remove.mutate()} disabled={remove.isPending}>
          {remove.isPending ? "Deleting…" : `Delete ${name}`}
        </button>
        <button type="button" className="button" onClick={onClose} autoFocus>
          Cancel
        </button>
      </div>
    </Dialog>
  );
}
