// The rules (attendance-api's rules): the one active rule's working days, hours and
// confidence thresholds, the others kept for later; (with attendance:write) adding, editing,
// making one active and deleting.

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { Link, useLocation, useSearchParams } from "react-router";
import { usePermission } from "../auth/session";
import { ErrorMessage } from "../components/ErrorSummary";
import { ListPager } from "../components/ListPager";
import { PageHeading } from "../components/PageHeading";
import { describeRefusal } from "../lib/refusal";
import { activeRuleQuery, deleteRule, policyKeys, rulesQuery, updateRule, type Rule } from "../policies/api";
import { ConfirmDialog } from "../policies/ConfirmDialog";
import { Outcome } from "../policies/Outcome";
import { FORWARD_ONLY, RULE_EFFECT } from "../policies/effects";
import { formatThreshold } from "../policies/ruleForm";
import { formatTime, formatWorkingDays } from "../policies/values";

export default function RulesPage() {
  const [params, setParams] = useSearchParams();
  const page = useMemo(() => {
    const n = Number(params.get("page"));
    return Number.isInteger(n) && n >= 1 ? n : 1;
  }, [params]);
  const canWrite = usePermission("attendance:write");
  const location = useLocation();
  const notice = (location.state as { notice?: string } | null)?.notice;
  const rules = useQuery(rulesQuery({ page, isActive: undefined }));
  const active = useQuery(activeRuleQuery());
  const queryClient = useQueryClient();
  const [deleting, setDeleting] = useState<Rule>();
  const [done, setDone] = useState<string>();

  const activate = useMutation({
    mutationFn: (rule: Rule) => updateRule(rule.id, { is_active: true }),
    onSuccess: (rule) => {
      setDone(`“${rule.name}” is now the site's active rule; the others are inactive. ${FORWARD_ONLY}`);
      void queryClient.invalidateQueries({ queryKey: policyKeys.rules() });
    },
  });
  const remove = useMutation({
    mutationFn: (rule: Rule) => deleteRule(rule.id),
    onSuccess: (_, rule) => {
      setDeleting(undefined);
      setDone(`The rule “${rule.name}” has been deleted.${rule.is_active ? ` ${RULE_EFFECT.delete}` : ""}`);
      void queryClient.invalidateQueries({ queryKey: policyKeys.rules() });
    },
  });

  const items = rules.data?.items ?? [];
  const total = rules.data?.meta.total ?? 0;
  const summary =
    rules.data === undefined ? "" : total === 0 ? "There are no rules yet." : `${total.toLocaleString()} ${total === 1 ? "rule" : "rules"}, by name`;

  return (
    <section className="page">
      <div className="page__header">
        <PageHeading title="Rules" />
        {canWrite ? (
          <Link to="/policies/rules/new" className="button button--primary">
            Add a rule
          </Link>
        ) : null}
      </div>
      <p className="page__lead">
        {RULE_EFFECT.one} {RULE_EFFECT.what}
      </p>
      {!canWrite ? <p className="banner banner--info">Your role can read the policies but not change them.</p> : null}
      {notice !== undefined ? (
        <p className="banner banner--success" role="status">
          {notice}
        </p>
      ) : null}
      <Outcome message={done} />
      {activate.isError ? (
        <p className="banner banner--error" role="alert">
          The rule was not made active: {describeRefusal(activate.error)}
        </p>
      ) : null}
      {active.data === null ? <p className="banner banner--info">{RULE_EFFECT.noneActive}</p> : null}

      {rules.isError ? (
        <ErrorMessage onRetry={() => void rules.refetch()}>The rules could not be loaded: {describeRefusal(rules.error)}</ErrorMessage>
      ) : null}
      {rules.isPending && !rules.isError ? (
        <p className="loading" role="status">
          Loading rules…
        </p>
      ) : null}

      {rules.data !== undefined ? (
        <>
          <div className="table-wrap">
            <table className="table table--cards" aria-busy={rules.isFetching}>
              <caption>{summary}</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Working days</th>
                  <th scope="col">Hours</th>
                  <th scope="col" className="num">
                    Check-in from
                  </th>
                  <th scope="col" className="num">
                    Review from
                  </th>
                  <th scope="col" className="num">
                    Min. presence
                  </th>
                  <th scope="col">Status</th>
                  {canWrite ? <th scope="col">Actions</th> : null}
                </tr>
              </thead>
              <tbody>
                {items.map((rule) => (
                  <tr key={rule.id}>
                    <td data-label="Name">{rule.name}</td>
                    <td data-label="Working days">{formatWorkingDays(rule.working_days)}</td>
                    <td data-label="Hours" className="nowrap">
                      {formatTime(rule.start_time)}–{formatTime(rule.end_time)}
                    </td>
                    <td data-label="Check-in from" className="num">
                      {formatThreshold(rule.auto_check_in_threshold)}
                    </td>
                    <td data-label="Review from" className="num">
                      {formatThreshold(rule.manual_review_threshold)}
                    </td>
                    <td data-label="Min. presence" className="num">
                      {rule.min_presence_percentage} %
                    </td>
                    <td data-label="Status">
                      {rule.is_active ? (
                        <div>
                          <span className="badge badge--active">Active</span>
                          <span className="cell-note">The site's rule.</span>
                        </div>
                      ) : (
                        <span className="badge badge--inactive">Inactive</span>
                      )}
                    </td>
                    {canWrite ? (
                      <td data-label="Actions">
                        <div className="row-actions">
                          <Link to={`/policies/rules/${rule.id}/edit`} className="button">
                            Edit<span className="visually-hidden"> {rule.name}</span>
                          </Link>
                          {!rule.is_active ? (
                            <button type="button" className="button" disabled={activate.isPending} onClick={() => activate.mutate(rule)}>
                              Make active<span className="visually-hidden"> {rule.name}</span>
                            </button>
                          ) : null}
                          <button
                            type="button"
                            className="button button--danger"
                            onClick={() => {
                              remove.reset();
                              setDeleting(rule);
                            }}
                          >
                            Delete…<span className="visually-hidden"> {rule.name}</span>
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
            label="Pages of rules"
            page={page}
            pages={rules.data.meta.totalPages}
            onPage={(next) => setParams(next === 1 ? {} : { page: String(next) })}
          />
        </>
      ) : null}

      {canWrite ? (
        <ConfirmDialog
          open={deleting !== undefined}
          title={`Delete the rule “${deleting?.name ?? ""}”?`}
          confirmLabel="Delete the rule"
          pendingLabel="Deleting…"
          pending={remove.isPending}
          error={remove.error}
          failure="The rule was not deleted"
          onConfirm={() => deleting !== undefined && remove.mutate(deleting)}
          onClose={() => setDeleting(undefined)}
        >
          <p>
            {deleting?.is_active === true
              ? `This is the site's active rule. ${RULE_EFFECT.delete}`
              : "It is not the active rule: deleting it changes no decision."}
          </p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}
