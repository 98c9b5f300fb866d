// Approve or reject a pending exception in one click, the outcome (or the refusal with its
// reason) said beside the buttons; the lists, the queue and the day's counts are refreshed.

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { describeRefusal } from "../lib/refusal";
import { decideException, policyKeys, type PolicyException } from "./api";
import { DECISION_EFFECT } from "./effects";
import { formatDay } from "./values";

interface Props {
  exception: PolicyException;
  /** Who it is for, for the buttons' names: "Ana Lovelace's leave on 24 Dec". */
  subject: string;
  onDecided?: (message: string) => void;
}

export function Decision({ exception, subject, onDecided }: Props) {
  const queryClient = useQueryClient();
  const decide = useMutation({
    mutationFn: (decision: "approve" | "reject") => decideException(exception.id, decision),
    onSuccess: (decided, decision) => {
      void queryClient.invalidateQueries({ queryKey: policyKeys.exceptions() });
      // The day was recomputed: Today's counts and the records may have changed.
      void queryClient.invalidateQueries({ queryKey: ["attendance"] });
      onDecided?.(
        `${subject} on ${formatDay(decided.exception_date)}: ${decision === "approve" ? "approved" : "rejected"}. ${DECISION_EFFECT[decision]}`,
      );
    },
  });
  return (
    <div className="decision">
      <div className="row-actions">
        <button type="button" className="button button--primary" disabled={decide.isPending} onClick={() => decide.mutate("approve")}>
          Approve<span className="visually-hidden"> {subject} on {formatDay(exception.exception_date)}</span>
        </button>
        <button type="button" className="button" disabled={decide.isPending} onClick={() => decide.mutate("reject")}>
          Reject<span className="visually-hidden"> {subject} on {formatDay(exception.exception_date)}</span>
        </button>
      </div>
      {decide.isError ? (
        <p className="field__errors" role="alert">
          Not {decide.variables === "approve" ? "approved" : "rejected"}: {describeRefusal(decide.error)}
        </p>
      ) : null}
    </div>
  );
}
