// Adding a holiday, leave or a special event (/policies/exceptions/new?type=...) or editing
// one (/policies/exceptions/:exceptionId/edit): checked in the browser as attendance-api
// checks it, then sent; the API's own reasons shown beside the fields if it refuses anyway.

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { Navigate, useNavigate, useParams, useSearchParams } from "react-router";
import { useSignedIn } from "../auth/session";
import { PageHeading } from "../components/PageHeading";
import { useDraft } from "../lib/drafts";
import { emptyErrors, type FormErrors } from "../lib/formErrors";
import { mapRefusal } from "../lib/refusal";
import {
  EXCEPTION_TYPES,
  createException,
  exceptionQuery,
  policyKeys,
  updateException,
  type CreateExceptionBody,
  type PolicyException,
  type UpdateExceptionBody,
} from "../policies/api";
import { EXCEPTION_EFFECT } from "../policies/effects";
import { ExceptionForm } from "../policies/ExceptionForm";
import {
  EXCEPTION_CONFLICTS,
  EXCEPTION_FIELDS,
  TYPE_LABELS,
  checkException,
  emptyException,
  exceptionValues,
  isDecided,
  toCreateException,
  toUpdateException,
  type ExceptionField,
  type ExceptionFormValues,
} from "../policies/exceptionForm";
import { Loaded } from "../policies/Loading";
import { today } from "../policies/values";

const LIST = "/policies/exceptions";

export default function ExceptionFormPage() {
  const { exceptionId } = useParams();
  const [params] = useSearchParams();
  const session = useSignedIn();
  const exception = useQuery({ ...exceptionQuery(exceptionId ?? ""), enabled: exceptionId !== undefined });
  if (!session.permissions.includes("attendance:write")) return <Navigate to={LIST} replace />;
  if (exceptionId === undefined) {
    const type = EXCEPTION_TYPES.find((t) => t === params.get("type")) ?? "holiday";
    // Keyed by kind: "Add leave" after "Add a holiday" starts a form of its own.
    return <Editor key={type} newType={type} operatorId={session.operator.id} />;
  }
  return (
    <Loaded query={exception} noun="exception" title="Edit an exception" back={{ to: LIST, label: "Back to holidays and leave" }}>
      {(loaded) => <Editor exception={loaded} operatorId={session.operator.id} />}
    </Loaded>
  );
}

interface EditorProps {
  exception?: PolicyException;
  newType?: ExceptionFormValues["exception_type"];
  operatorId: string;
}

function Editor({ exception, newType = "holiday", operatorId }: EditorProps) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const isNew = exception === undefined;
  const original = useMemo(() => (exception === undefined ? emptyException(today(), newType) : exceptionValues(exception)), [exception, newType]);
  const [values, setValues, discard] = useDraft<ExceptionFormValues>(
    `exception:${exception?.id ?? `new-${newType}`}:${operatorId}`,
    () => original,
  );
  const [errors, setErrors] = useState<FormErrors<ExceptionField>>(emptyErrors);
  const save = useMutation({
    mutationFn: async (change: { create: CreateExceptionBody } | { update: UpdateExceptionBody }) =>
      "create" in change
        ? { saved: await createException(change.create), verb: "added" }
        : { saved: await updateException(exception?.id ?? "", change.update), verb: "saved" },
    onSuccess: ({ saved, verb }) => {
      discard();
      void queryClient.invalidateQueries({ queryKey: policyKeys.exceptions() });
      void queryClient.invalidateQueries({ queryKey: ["attendance"] });
      const kind = TYPE_LABELS[saved.exception_type as ExceptionFormValues["exception_type"]] ?? "The exception";
      const pending = saved.approval_status === "pending" ? " It waits for an approval (see Pending leave) and counts only once approved." : "";
      void navigate(LIST, { state: { notice: `${kind} on ${saved.exception_date} ${verb}.${pending} ${EXCEPTION_EFFECT.now}` } });
    },
    onError: (error) => setErrors(mapRefusal(error, EXCEPTION_FIELDS, EXCEPTION_CONFLICTS)),
  });
  const decided = exception !== undefined && isDecided(exception);
  const noun = TYPE_LABELS[values.exception_type].toLowerCase();
  // Fixed while the form is open: a heading that changed with the kind would take the focus.
  const title = isNew
    ? "Add a holiday, leave or event"
    : `Edit the ${TYPE_LABELS[original.exception_type].toLowerCase()} of ${original.exception_date}`;
  return (
    <section className="page">
      <PageHeading title={title} />
      <ExceptionForm
        values={values}
        onChange={setValues}
        errors={errors}
        decided={decided}
        submitting={save.isPending}
        submitLabel={isNew ? `Add the ${noun}` : "Save"}
        onSubmit={() => {
          const check = checkException(values);
          if (Object.keys(check.fields).length > 0) {
            setErrors(check);
            return;
          }
          setErrors(emptyErrors());
          if (isNew) {
            save.mutate({ create: toCreateException(values) });
            return;
          }
          const update = toUpdateException(values, original);
          if (Object.keys(update).length === 0) {
            discard();
            void navigate(LIST, { state: { notice: "Nothing was changed." } });
            return;
          }
          save.mutate({ update });
        }}
        onCancel={discard}
      />
    </section>
  );
}
