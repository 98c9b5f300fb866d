// Adding a shift (/policies/shifts/new) or editing one (/policies/shifts/:shiftId/edit):
// checked in the browser as attendance-api checks it, then sent; the API's own reasons shown
// beside the fields if it refuses anyway.

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { Navigate, useNavigate, useParams } from "react-router";
import { useSignedIn } from "../auth/session";
import { PageHeading } from "../components/PageHeading";
import { useDraft } from "../lib/drafts";
import { emptyErrors, type FormErrors } from "../lib/formErrors";
import { mapRefusal } from "../lib/refusal";
import { createShift, policyKeys, shiftQuery, updateShift, type CreateShiftBody, type Shift, type UpdateShiftBody } from "../policies/api";
import { FORWARD_ONLY } from "../policies/effects";
import { Loaded } from "../policies/Loading";
import { ShiftForm } from "../policies/ShiftForm";
import {
  EMPTY_SHIFT,
  SHIFT_CONFLICTS,
  SHIFT_FIELDS,
  checkShift,
  shiftValues,
  toCreateShift,
  toUpdateShift,
  type ShiftField,
  type ShiftFormValues,
} from "../policies/shiftForm";

const LIST = "/policies/shifts";

export default function ShiftFormPage() {
  const { shiftId } = useParams();
  const session = useSignedIn();
  const shift = useQuery({ ...shiftQuery(shiftId ?? ""), enabled: shiftId !== undefined });
  if (!session.permissions.includes("attendance:write")) return <Navigate to={LIST} replace />;
  if (shiftId === undefined) return <Editor operatorId={session.operator.id} />;
  return (
    <Loaded query={shift} noun="shift" title="Edit a shift" back={{ to: LIST, label: "Back to the shifts" }}>
      {(loaded) => <Editor shift={loaded} operatorId={session.operator.id} />}
    </Loaded>
  );
}

function Editor({ shift, operatorId }: { shift?: Shift; operatorId: string }) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const isNew = shift === undefined;
  const original = useMemo(() => (shift === undefined ? EMPTY_SHIFT : shiftValues(shift)), [shift]);
  const [values, setValues, discard] = useDraft<ShiftFormValues>(`shift:${shift?.id ?? "new"}:${operatorId}`, () => original);
  const [errors, setErrors] = useState<FormErrors<ShiftField>>(emptyErrors);
  const done = (saved: Shift, verb: string) => {
    discard();
    void queryClient.invalidateQueries({ queryKey: policyKeys.shifts() });
    void navigate(LIST, { state: { notice: `The shift “${saved.name}” has been ${verb}. ${FORWARD_ONLY}` } });
  };
  const save = useMutation({
    mutationFn: async (change: { create: CreateShiftBody } | { update: UpdateShiftBody }) =>
      "create" in change
        ? { saved: await createShift(change.create), verb: "added" }
        : { saved: await updateShift(shift?.id ?? "", change.update), verb: "saved" },
    onSuccess: ({ saved, verb }) => done(saved, verb),
    onError: (error) => setErrors(mapRefusal(error, SHIFT_FIELDS, SHIFT_CONFLICTS)),
  });
  return (
    <section className="page">
      <PageHeading title={isNew ? "Add a shift" : `Edit the shift “${shift.name}”`} />
      <ShiftForm
        values={values}
        onChange={setValues}
        errors={errors}
        isNew={isNew}
        submitting={save.isPending}
        submitLabel={isNew ? "Add the shift" : "Save the shift"}
        onSubmit={() => {
          const check = checkShift(values, isNew);
          if (check.valid === undefined) {
            setErrors(check.errors);
            return;
          }
          setErrors(emptyErrors());
          if (isNew) {
            save.mutate({ create: toCreateShift(check.valid, values.is_active) });
            return;
          }
          const update = toUpdateShift(values, original);
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
