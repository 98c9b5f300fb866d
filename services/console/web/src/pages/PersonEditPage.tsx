import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { Link, Navigate, useNavigate, useParams } from "react-router";
import { ApiError } from "../api/client";
import { useSignedIn } from "../auth/session";
import { ErrorMessage } from "../components/ErrorSummary";
import { PageHeading } from "../components/PageHeading";
import { useDraft } from "../lib/drafts";
import { describeError } from "../lib/errors";
import { emptyErrors, mapFieldErrors, type FormErrors } from "../lib/formErrors";
import { fullName, peopleKeys, personQuery, updatePerson, type Person } from "../people/api";
import { PersonForm } from "../people/PersonForm";
import {
  PERSON_CONFLICTS,
  PERSON_FIELDS,
  toUpdateBody,
  valuesOf,
  type PersonField,
  type PersonFormValues,
} from "../people/personForm";

export default function PersonEditPage() {
  const { personId = "" } = useParams();
  const session = useSignedIn();
  const person = useQuery(personQuery(personId));
  if (!session.permissions.includes("persons:write")) return <Navigate to={`/people/${personId}`} replace />;
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
        <PageHeading title={missing ? "Person not found" : "Edit person"} />
        <ErrorMessage onRetry={missing ? undefined : () => void person.refetch()}>
          {missing ? "There is no such person: they may have been deleted." : describeError(person.error)}
        </ErrorMessage>
        <p>
          <Link to="/people">Back to People</Link>
        </p>
      </section>
    );
  }
  return <EditForm person={person.data} operatorId={session.operator.id} />;
}

function EditForm({ person, operatorId }: { person: Person; operatorId: string }) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const original = useMemo(() => valuesOf(person), [person]);
  const [values, setValues, discard] = useDraft<PersonFormValues>(`person:${person.id}:${operatorId}`, () => original);
  const [errors, setErrors] = useState<FormErrors<PersonField>>(emptyErrors);
  const update = useMutation({
    mutationFn: (body: Parameters<typeof updatePerson>[1]) => updatePerson(person.id, body),
    onSuccess: (saved) => {
      discard();
      queryClient.setQueryData(peopleKeys.person(saved.id), saved);
      void queryClient.invalidateQueries({ queryKey: peopleKeys.lists() });
      void navigate(`/people/${saved.id}`, { state: { notice: "Your changes have been saved." } });
    },
    onError: (error) => setErrors(mapFieldErrors(error, PERSON_FIELDS, PERSON_CONFLICTS)),
  });
  const name = fullName(person);
  return (
    <section className="page">
      <PageHeading title={`Edit ${name}`} />
      <PersonForm
        values={values}
        onChange={setValues}
        errors={errors}
        submitting={update.isPending}
        submitLabel="Save changes"
        onSubmit={() => {
          const body = toUpdateBody(values, original);
          if (Object.keys(body).length === 0) {
            discard();
            void navigate(`/people/${person.id}`, { state: { notice: "Nothing was changed." } });
            return;
          }
          setErrors(emptyErrors());
          update.mutate(body);
        }}
        cancelTo={`/people/${person.id}`}
        onCancel={discard}
      />
    </section>
  );
}
