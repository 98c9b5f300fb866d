// Adding a rule (/policies/rules/new) or editing one (/policies/rules/:ruleId/edit): checked
// in the browser as attendance-api checks it, then sent; the API's own reasons shown beside
// the fields if it refuses anyway.

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { Navigate, useNavigate, useParams } from "react-router";
import { useSignedIn } from "../auth/session";
import { PageHeading } from "../components/PageHeading";
import { useDraft } from "../lib/drafts";
import { emptyErrors, type FormErrors } from "../lib/formErrors";
import { mapRefusal } from "../lib/refusal";
import { createRule, policyKeys, ruleQuery, updateRule, type CreateRuleBody, type Rule, type UpdateRuleBody } from "../policies/api";
import { FORWARD_ONLY } from "../policies/effects";
import { Loaded } from "../policies/Loading";
import { RuleForm } from "../policies/RuleForm";
import {
  EMPTY_RULE,
  RULE_CONFLICTS,
  RULE_FIELDS,
  checkRule,
  ruleValues,
  toCreateRule,
  toUpdateRule,
  type RuleField,
  type RuleFormValues,
} from "../policies/ruleForm";

const LIST = "/policies/rules";

export default function RuleFormPage() {
  const { ruleId } = useParams();
  const session = useSignedIn();
  const rule = useQuery({ ...ruleQuery(ruleId ?? ""), enabled: ruleId !== undefined });
  if (!session.permissions.includes("attendance:write")) return <Navigate to={LIST} replace />;
  if (ruleId === undefined) return <Editor operatorId={session.operator.id} />;
  return (
    <Loaded query={rule} noun="rule" title="Edit a rule" back={{ to: LIST, label: "Back to the rules" }}>
      {(loaded) => <Editor rule={loaded} operatorId={session.operator.id} />}
    </Loaded>
  );
}

function Editor({ rule, operatorId }: { rule?: Rule; operatorId: string }) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const isNew = rule === undefined;
  const original = useMemo(() => (rule === undefined ? EMPTY_RULE : ruleValues(rule)), [rule]);
  const [values, setValues, discard] = useDraft<RuleFormValues>(`rule:${rule?.id ?? "new"}:${operatorId}`, () => original);
  const [errors, setErrors] = useState<FormErrors<RuleField>>(emptyErrors);
  const save = useMutation({
    mutationFn: async (change: { create: CreateRuleBody } | { update: UpdateRuleBody }) =>
      "create" in change
        ? { saved: await createRule(change.create), verb: "added" }
        : { saved: await updateRule(rule?.id ?? "", change.update), verb: "saved" },
    onSuccess: ({ saved, verb }) => {
      discard();
      void queryClient.invalidateQueries({ queryKey: policyKeys.rules() });
      const effect = saved.is_active ? ` It is the site's active rule. ${FORWARD_ONLY}` : " It is inactive: it decides nothing until made active.";
      void navigate(LIST, { state: { notice: `The rule “${saved.name}” has been ${verb}.${effect}` } });
    },
    onError: (error) => setErrors(mapRefusal(error, RULE_FIELDS, RULE_CONFLICTS)),
  });
  return (
    <section className="page">
      <PageHeading title={isNew ? "Add a rule" : `Edit the rule “${rule.name}”`} />
      <RuleForm
        values={values}
        onChange={setValues}
        errors={errors}
        wasActive={rule?.is_active ?? false}
        submitting={save.isPending}
        submitLabel={isNew ? "Add the rule" : "Save the rule"}
        onSubmit={() => {
          const check = checkRule(values);
          if (!check.valid) {
            setErrors(check.errors);
            return;
          }
          setErrors(emptyErrors());
          if (isNew) {
            save.mutate({ create: toCreateRule(values) });
            return;
          }
          const update = toUpdateRule(values, original);
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
