// Editing a person's metadata: address, emergency contact, preferences, custom fields.
//
// A page of its own rather than a section of the edit page: the metadata is a resource of its
// own (PUT /persons/{id}/metadata) beside the person record (PUT /persons/{id}). One form
// saving both would make one button send two requests that can half succeed (the name saved,
// the address refused), with two sets of 422 reasons and a draft that is half saved. Here one
// form is one request with one outcome, its reasons beside its fields, and its own draft, so
// nothing typed is lost when a save fails or the session ends.

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
import { metadataKeys, metadataQuery, updateMetadata, type Metadata, type UpdateMetadataBody } from "../metadata/api";
import { MetadataForm } from "../metadata/MetadataForm";
import {
  METADATA_FIELDS,
  hasRowErrors,
  toUpdateBody,
  valuesOf,
  type MetadataField,
  type MetadataFormValues,
  type RowErrors,
} from "../metadata/metadataForm";
import { fullName, personQuery, type Person } from "../people/api";

export default function PersonMetadataPage() {
  const { personId = "" } = useParams();
  const session = useSignedIn();
  const person = useQuery(personQuery(personId));
  const metadata = useQuery(metadataQuery(personId));
  if (!session.permissions.includes("persons:write")) return <Navigate to={`/people/${personId}`} replace />;
  if (person.isPending || metadata.isPending) {
    return (
      <p className="loading" role="status">
        Loading…
      </p>
    );
  }
  const failed = person.isError ? person.error : metadata.isError ? metadata.error : undefined;
  if (failed !== undefined || person.data === undefined || metadata.data === undefined) {
    const missing = failed instanceof ApiError && (failed.status === 404 || failed.status === 400);
    return (
      <section className="page">
        <PageHeading title={missing ? "Person not found" : "Edit more details"} />
        <ErrorMessage
          onRetry={
            missing
              ? undefined
              : () => {
                  void person.refetch();
                  void metadata.refetch();
                }
          }
        >
          {missing ? "There is no such person: they may have been deleted." : describeError(failed)}
        </ErrorMessage>
        <p>
          <Link to="/people">Back to People</Link>
        </p>
      </section>
    );
  }
  return <MetadataEditor person={person.data} metadata={metadata.data} operatorId={session.operator.id} />;
}

function MetadataEditor({ person, metadata, operatorId }: { person: Person; metadata: Metadata; operatorId: string }) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const initial = useMemo(() => valuesOf(metadata), [metadata]);
  const [values, setValues, discard] = useDraft<MetadataFormValues>(`metadata:${person.id}:${operatorId}`, () => initial);
  const [errors, setErrors] = useState<FormErrors<MetadataField>>(emptyErrors);
  const [rowErrors, setRowErrors] = useState<RowErrors>({});
  const back = `/people/${person.id}`;
  const save = useMutation({
    mutationFn: (body: UpdateMetadataBody) => updateMetadata(person.id, body),
    onSuccess: (saved) => {
      discard();
      queryClient.setQueryData(metadataKeys.metadata(person.id), saved);
      void navigate(back, { state: { notice: "The details have been saved." } });
    },
    onError: (error) => setErrors(mapFieldErrors(error, METADATA_FIELDS)),
  });
  const name = fullName(person);
  return (
    <section className="page">
      <p>
        <Link to={back}>← {name}</Link>
      </p>
      <PageHeading title={`More details of ${name}`} />
      <MetadataForm
        values={values}
        onChange={setValues}
        errors={errors}
        rowErrors={rowErrors}
        submitting={save.isPending}
        onSubmit={() => {
          const { body, rowErrors: problems } = toUpdateBody(values, metadata);
          setRowErrors(problems);
          setErrors(emptyErrors());
          if (hasRowErrors(problems)) return;
          if (Object.keys(body).length === 0) {
            discard();
            void navigate(back, { state: { notice: "Nothing was changed." } });
            return;
          }
          save.mutate(body);
        }}
        cancelTo={back}
        onCancel={discard}
      />
    </section>
  );
}
