// "Enrol this face as…": a stranger's best capture enrolled as an existing person (search,
// then a click or Enter) or as a new one (name and email, then one click). The crop is fetched
// from attendance-api's evidence route as a Blob and sent through person-api's enrolment, which
// refuses a poor face as it refuses any photo; the refusal is shown as the People pages show
// it, with what can be tried next.

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link } from "react-router";
import { Dialog } from "../components/Dialog";
import { ErrorSummary } from "../components/ErrorSummary";
import { SelectField, TextField } from "../components/Field";
import { refreshAfterFaceChange, type EnrollResult } from "../faces/api";
import { enrolledText, formatQuality, refusalOf, type Refusal } from "../faces/reasons";
import { emptyErrors, type FormErrors } from "../lib/formErrors";
import { PERSON_TYPES, type PersonTypeFilter } from "../lib/pagination";
import { invalidFieldLinks, mapRefusal } from "../lib/refusal";
import { createPerson, fullName, peopleKeys, TYPE_LABELS, type Person } from "../people/api";
import { PERSON_CONFLICTS } from "../people/personForm";
import { enrolFromCapture, type UnknownFace } from "./api";
import { FaceCrop } from "./Evidence";
import { cameraText, formatDateTime, isLowQuality } from "./format";
import { PersonSearch } from "./PersonSearch";

const NEW_FIELDS = ["first_name", "last_name", "email", "person_type"] as const;
type NewField = (typeof NEW_FIELDS)[number];
const NEW_LABELS: Record<NewField, string> = { first_name: "First name", last_name: "Last name", email: "Email", person_type: "Type" };

type Result =
  | { kind: "enrolled"; person: Person; result: EnrollResult; created: boolean }
  | { kind: "refused"; person: Person; refusal: Refusal; created: boolean };

interface Props {
  group: UnknownFace | null;
  onClose: () => void;
  /** A face was enrolled from this group: the list marks it. */
  onEnrolled: (group: UnknownFace, person: Person) => void;
}

export function EnrolCaptureDialog({ group, onClose, onEnrolled }: Props) {
  return (
    <Dialog open={group !== null} title="Enrol this face as…" onClose={onClose}>
      {group !== null ? <EnrolCapture key={group.best.detection_id} group={group} onClose={onClose} onEnrolled={onEnrolled} /> : null}
    </Dialog>
  );
}

function EnrolCapture({ group, onClose, onEnrolled }: { group: UnknownFace; onClose: () => void; onEnrolled: Props["onEnrolled"] }) {
  const queryClient = useQueryClient();
  const detection = group.best;
  const [result, setResult] = useState<Result>();
  const [values, setValues] = useState({ first_name: "", last_name: "", email: "", person_type: "visitor" as PersonTypeFilter });
  const [errors, setErrors] = useState<FormErrors<NewField>>(emptyErrors);

  const enrol = useMutation({
    mutationFn: ({ person, largest }: { person: Person; largest: boolean; created: boolean }) =>
      enrolFromCapture(queryClient, person.id, detection.detection_id, { useLargestFace: largest }),
    onSuccess: (enrolled, { person, created }) => {
      void refreshAfterFaceChange(queryClient, person.id);
      setResult({ kind: "enrolled", person, result: enrolled, created });
      onEnrolled(group, person);
    },
    onError: (error, { person, created }) => setResult({ kind: "refused", person, refusal: refusalOf(error), created }),
  });
  const create = useMutation({
    mutationFn: () =>
      createPerson({
        first_name: values.first_name,
        last_name: values.last_name,
        email: values.email.trim(),
        person_type: values.person_type,
      }),
    onSuccess: (person) => {
      queryClient.setQueryData(peopleKeys.person(person.id), person);
      void queryClient.invalidateQueries({ queryKey: peopleKeys.lists() });
      enrol.mutate({ person, largest: false, created: true });
    },
    onError: (error) => setErrors(mapRefusal(error, NEW_FIELDS, PERSON_CONFLICTS as Partial<Record<string, NewField>>)),
  });
  const busy = enrol.isPending || create.isPending;
  const submitNew = (event: FormEvent) => {
    event.preventDefault();
    setErrors(emptyErrors());
    setResult(undefined);
    create.mutate();
  };
  const set = <K extends keyof typeof values>(field: K) => (value: (typeof values)[K]) => setValues((v) => ({ ...v, [field]: value }));

  return (
    <div className="enrol-capture" data-testid="enrol-capture">
      <div className="enrol-capture__face">
        <FaceCrop detection={detection} alt={`The unknown face camera ${group.camera_id} saw at ${formatDateTime(detection.captured_at)}`} className="face-crop face-crop--small" />
        <p>
          Quality {formatQuality(detection.quality)}
          {isLowQuality(detection.quality) ? (
            <strong className="review__warning"> — low: enrolment may refuse it, and a poor face matches poorly.</strong>
          ) : null}
          <br />
          <span className="review__note">{cameraText(group.camera_id, detection.camera_role)}</span>
        </p>
      </div>

      {result !== undefined ? <ResultView result={result} busy={busy} onRetry={(largest) => enrol.mutate({ person: result.person, largest, created: result.created })} /> : null}
      {busy ? (
        <p role="status" className="review__note">
          {create.isPending ? "Adding the person…" : "Enrolling the face…"}
        </p>
      ) : null}

      {result?.kind !== "enrolled" ? (
        <>
          <section className="enrol-capture__part" aria-labelledby="enrol-existing-heading">
            <h3 id="enrol-existing-heading">An existing person</h3>
            <PersonSearch
              id="enrol-existing"
              label="Find the person"
              hint="Name, email or id number; Enter (or a click on a match) enrols the face."
              disabled={busy}
              onPick={(person) => {
                setResult(undefined);
                enrol.mutate({ person, largest: false, created: false });
              }}
            />
          </section>
          <section className="enrol-capture__part" aria-labelledby="enrol-new-heading">
            <h3 id="enrol-new-heading">A new person</h3>
            <ErrorSummary title="The person was not added" messages={errors.form} fields={invalidFieldLinks(errors, NEW_FIELDS, NEW_LABELS, (f) => `enrol-new-${f}`)} />
            <form className="form form--two" onSubmit={submitNew} noValidate>
              <TextField id="enrol-new-first_name" label="First name" required maxLength={100} autoComplete="off" value={values.first_name} onChange={set("first_name")} errors={errors.fields.first_name} />
              <TextField id="enrol-new-last_name" label="Last name" required maxLength={100} autoComplete="off" value={values.last_name} onChange={set("last_name")} errors={errors.fields.last_name} />
              <TextField
                id="enrol-new-email"
                label="Email"
                type="email"
                inputMode="email"
                required
                maxLength={254}
                autoComplete="off"
                hint="The directory needs one for everyone."
                value={values.email}
                onChange={set("email")}
                errors={errors.fields.email}
              />
              <SelectField<PersonTypeFilter>
                id="enrol-new-person_type"
                label="Type"
                value={values.person_type}
                onChange={set("person_type")}
                options={PERSON_TYPES.map((t) => ({ value: t, label: TYPE_LABELS[t] ?? t }))}
                errors={errors.fields.person_type}
              />
              <div className="form__actions">
                <button type="submit" className="button button--primary" disabled={busy}>
                  Add and enrol
                </button>
              </div>
            </form>
          </section>
        </>
      ) : null}
      <div className="form__actions">
        <button type="button" className="button" onClick={onClose}>
          {result?.kind === "enrolled" ? "Done" : "Cancel"}
        </button>
      </div>
    </div>
  );
}

function ResultView({ result, busy, onRetry }: { result: Result; busy: boolean; onRetry: (largest: boolean) => void }) {
  const name = fullName(result.person);
  const link = (
    <Link to={`/people/${result.person.id}`}>
      {name}'s page
    </Link>
  );
  if (result.kind === "enrolled") {
    return (
      <p className="banner banner--success" role="status" data-testid="enrol-capture-result" data-outcome="enrolled">
        {result.created ? `${name} was added. ` : ""}The face is enrolled as {name}: {enrolledText(result.result)} See {link}.
      </p>
    );
  }
  const { refusal } = result;
  return (
    <div className="error-message" role="alert" data-testid="enrol-capture-result" data-outcome="refused" data-code={refusal.code}>
      <p>
        {result.created ? `${name} was added, but the face was refused: ` : `The face was not enrolled as ${name}: `}
        {refusal.reason} ({refusal.code})
        {result.created ? <> Enrol another photo on {link}.</> : null}
      </p>
      {refusal.canUseLargest ? (
        <button type="button" className="button" disabled={busy} onClick={() => onRetry(true)}>
          Use the largest face
        </button>
      ) : null}
      {refusal.canRetry ? (
        <button type="button" className="button" disabled={busy} onClick={() => onRetry(false)}>
          Send again
        </button>
      ) : null}
    </div>
  );
}
