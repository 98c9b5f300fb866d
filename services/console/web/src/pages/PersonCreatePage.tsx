import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Navigate, useNavigate } from "react-router";
import { useSignedIn } from "../auth/session";
import { PageHeading } from "../components/PageHeading";
import { useDraft } from "../lib/drafts";
import { emptyErrors, mapFieldErrors, type FormErrors } from "../lib/formErrors";
import { createPerson, peopleKeys } from "../people/api";
import { PersonForm } from "../people/PersonForm";
import { EMPTY_PERSON, PERSON_CONFLICTS, PERSON_FIELDS, toCreateBody, type PersonField } from "../people/personForm";

export default function PersonCreatePage() {
  const session = useSignedIn();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [values, setValues, discard] = useDraft(`person:new:${session.operator.id}`, () => EMPTY_PERSON);
  const [errors, setErrors] = useState<FormErrors<PersonField>>(emptyErrors);
  const create = useMutation({
    mutationFn: createPerson,
    onSuccess: (person) => {
      discard();
      queryClient.setQueryData(peopleKeys.person(person.id), person);
      void queryClient.invalidateQueries({ queryKey: peopleKeys.lists() });
      void navigate(`/people/${person.id}`, { state: { notice: "The person has been added." } });
    },
    onError: (error) => setErrors(mapFieldErrors(error, PERSON_FIELDS, PERSON_CONFLICTS)),
  });
  if (!session.permissions.includes("persons:write")) return <Navigate to="/people" replace />;
  return (
    <section className="page">
      <PageHeading title="Add a person" />
      <PersonForm
        values={values}
        onChange={setValues}
        errors={errors}
        submitting={create.isPending}
        submitLabel="Add person"
        onSubmit={() => {
          setErrors(emptyErrors());
          create.mutate(toCreateBody(values));
        }}
        cancelTo="/people"
        onCancel={discard}
      />
    </section>
  );
}
