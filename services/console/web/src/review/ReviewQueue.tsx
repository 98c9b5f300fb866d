// The review queue: one item at a time with its evidence, decided by button or key, the next
// shown at once while the decision travels (hidden here until the queue drops it, back with
// the API's reason if it refuses). The queue is read again every few seconds and after each
// decision, so its length is live and another operator's decision makes an item vanish (or
// answer 409, which is said and passed over). Viewers see it without the decisions.

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError } from "../api/client";
import { usePermission } from "../auth/session";
import { ErrorMessage } from "../components/ErrorSummary";
import { TextField } from "../components/Field";
import { facesQuery } from "../faces/api";
import { describeRefusal } from "../lib/refusal";
import { fullName } from "../people/api";
import {
  prefetchEvidence,
  refreshAfterDecision,
  reviewKeys,
  reviewQueueQuery,
  sendDecision,
  type Decision,
  type DecisionOutcome,
  type ReviewItem,
} from "./api";
import { formatConfidence } from "./confidence";
import { formatDay, formatTime, personLabel, reasonTitle, statusText } from "./format";
import { ItemEvidence } from "./ItemEvidence";
import { actionForKey, isEditableTarget, modeAfter, SHORTCUTS, type KeyMode, type ReviewAction } from "./keys";
import { KeyboardHelp } from "./KeyboardHelp";
import { PersonSearch } from "./PersonSearch";
import { decide, remaining, resolve, restore, select, settle, START, step, type Cursor } from "./queue";
import { CropThumbnail } from "./CropThumbnail";

/** The API's longest reason (attendance-api's CORRECTION_REASON). */
const REASON_MAX = 500;
/** Decisions listed under the item: the latest few. */
const OUTCOMES_SHOWN = 6;

interface Outcome {
  key: number;
  itemId: string;
  state: "sending" | "done" | "gone" | "refused";
  text: string;
}

interface Variables {
  item: ReviewItem;
  decision: Decision;
}

/** `Ada Lovelace at 08:55:12 (gate)`: which sighting a decision was about. */
function sightingOf(item: ReviewItem): string {
  return `${personLabel(item.person_name)} at ${formatTime(item.at)} (${item.camera_id})`;
}

function doing(decision: Decision): string {
  switch (decision.kind) {
    case "approve":
      return decision.direction === undefined ? "Approving" : decision.direction === "check_in" ? "Approving as a check-in" : "Approving as a check-out";
    case "reject":
      return "Rejecting";
    case "not_a_face":
      return "Marking as not a person";
    case "assign":
      return `Assigning to ${decision.personName}`;
  }
}

function done(decision: Decision, item: ReviewItem, outcome: DecisionOutcome): string {
  const day = outcome.day === undefined ? "" : ` Their day, ${formatDay(outcome.day.attendance_date)}: ${statusText(outcome.day.status)}.`;
  switch (decision.kind) {
    case "approve":
      return `Approved: ${sightingOf(item)}.${day}`;
    case "reject":
      return `Rejected: it was not ${personLabel(item.person_name)} at ${formatTime(item.at)} (${item.camera_id}).`;
    case "not_a_face":
      return `Not a person or a bad capture: ${formatTime(item.at)} (${item.camera_id}).`;
    case "assign":
      return `Assigned to ${decision.personName}: ${formatTime(item.at)} (${item.camera_id}).${day}`;
  }
}

export function ReviewQueue() {
  const canDecide = usePermission("attendance:write");
  const queryClient = useQueryClient();
  const queue = useQuery(reviewQueueQuery());
  const [cursor, setCursor] = useState<Cursor>(START);
  const [mode, setMode] = useState<KeyMode>("browse");
  const [reason, setReason] = useState("");
  const [outcomes, setOutcomes] = useState<Outcome[]>([]);
  const nextKey = useRef(0);
  const itemRef = useRef<HTMLElement>(null);
  const searchRef = useRef<HTMLInputElement>(null);
  const checkInRef = useRef<HTMLButtonElement>(null);

  const items = queue.data?.items ?? [];
  const position = resolve(items, cursor);
  const item = position.item;
  const left = queue.data === undefined ? 0 : remaining(queue.data.total, items, cursor.hidden);

  // Each answer pins the cursor to where its item now is, so a later vanishing is measured
  // from there.
  useEffect(() => {
    if (queue.data !== undefined) setCursor((c) => settle(queue.data.items, c));
  }, [queue.data]);

  // The navigation's count follows the queue while it is open.
  useEffect(() => {
    if (queue.data !== undefined) queryClient.setQueryData(reviewKeys.count(), left);
  }, [queue.data, left, queryClient]);

  // A new item starts with no question and no reason.
  const itemId = item?.id;
  useEffect(() => {
    setMode("browse");
    setReason("");
  }, [itemId]);

  // The next two items' evidence and photos, so they show at once.
  const upcoming = position.visible.slice(position.index + 1, position.index + 3);
  const upcomingKey = upcoming.map((i) => i.id).join(",");
  useEffect(() => {
    for (const next of upcoming) {
      if (next.detection !== null && next.detection !== undefined) prefetchEvidence(queryClient, next.detection);
      void queryClient.prefetchQuery(facesQuery(next.person_id));
    }
    // `upcoming` is rebuilt every render; its ids say when it changed.
  }, [upcomingKey, queryClient]);

  const update = (key: number, change: Pick<Outcome, "state" | "text">) =>
    setOutcomes((list) => list.map((o) => (o.key === key ? { ...o, ...change } : o)));

  const mutation = useMutation({
    mutationFn: ({ item: target, decision }: Variables & { key: number }) => sendDecision(target.id, decision),
    onSuccess: (outcome, { item: target, decision, key }) => update(key, { state: "done", text: done(decision, target, outcome) }),
    onError: (error, { item: target, decision, key }) => {
      // Another operator (or a deletion) was first: the item is no longer this page's to decide.
      if (error instanceof ApiError && (error.code === "review_item_decided" || error.code === "review_item_not_found")) {
        const who = error.code === "review_item_decided" ? "Another operator decided it first" : "It is no longer in the queue";
        update(key, { state: "gone", text: `${who}: ${sightingOf(target)}. ${describeRefusal(error)}` });
        return;
      }
      setCursor((c) => restore(c, target.id));
      update(key, {
        state: "refused",
        text: `${doing(decision)} ${sightingOf(target)} was refused: ${describeRefusal(error)} It is back in the queue.`,
      });
    },
    onSettled: () => void refreshAfterDecision(queryClient),
  });

  const decideItem = useCallback(
    (decision: Decision) => {
      if (item === undefined || !canDecide) return;
      const key = nextKey.current++;
      const withReason = { ...decision, reason };
      setOutcomes((list) => [{ key, itemId: item.id, state: "sending" as const, text: `${doing(decision)} ${sightingOf(item)}…` }, ...list].slice(0, OUTCOMES_SHOWN));
      setCursor((c) => decide(items, c, item.id));
      setMode("browse");
      setReason("");
      mutation.mutate({ item, decision: withReason, key });
    },
    [item, items, canDecide, reason, mutation],
  );

  const focusItem = () => itemRef.current?.focus({ preventScroll: true });

  const run = useCallback(
    (action: ReviewAction) => {
      setMode(modeAfter(action));
      switch (action.type) {
        case "next":
        case "previous":
          setCursor((c) => step(items, c, action.type === "next" ? 1 : -1));
          return;
        case "approve":
          decideItem({ kind: "approve", direction: action.direction });
          return;
        case "reject":
          decideItem({ kind: "reject" });
          return;
        case "not_a_face":
          decideItem({ kind: "not_a_face" });
          return;
        case "assign":
          searchRef.current?.focus();
          return;
        case "ask_direction":
        case "cancel":
          return;
      }
    },
    [items, decideItem],
  );

  // The keys, on the whole document while the queue is shown: not in a field, not in a dialog.
  const keyContext = { mode, canDecide, hasItem: item !== undefined, needsDirection: item?.reason === "ambiguous_time" };
  const handler = useRef<(event: KeyboardEvent) => void>(() => undefined);
  handler.current = (event: KeyboardEvent) => {
    if (event.defaultPrevented) return;
    if (event.target instanceof Element && event.target.closest("dialog") !== null) return;
    const action = actionForKey(
      {
        key: event.key,
        ctrlKey: event.ctrlKey,
        altKey: event.altKey,
        metaKey: event.metaKey,
        editable: isEditableTarget(event.target),
        repeat: event.repeat,
      },
      keyContext,
    );
    if (action === null) return;
    // `s` focuses the search box: the letter must not land in it.
    event.preventDefault();
    run(action);
  };
  useEffect(() => {
    const listener = (event: KeyboardEvent) => handler.current(event);
    document.addEventListener("keydown", listener);
    return () => document.removeEventListener("keydown", listener);
  }, []);

  useEffect(() => {
    if (mode === "direction") checkInRef.current?.focus();
  }, [mode]);

  if (queue.isPending) {
    return (
      <p className="loading" role="status">
        Loading the review queue…
      </p>
    );
  }
  if (queue.isError && queue.data === undefined) {
    return (
      <ErrorMessage onRetry={() => void queue.refetch()}>The review queue could not be loaded: {describeRefusal(queue.error)}</ErrorMessage>
    );
  }

  const name = item === undefined ? "" : personLabel(item.person_name);
  const runnerUp = item?.detection?.runner_up ?? undefined;
  return (
    <div className="review" data-testid="review-queue">
      <p className="review__count" data-testid="review-remaining" data-count={left}>
        {left === 0 ? "Nothing to review." : `${left.toLocaleString()} ${left === 1 ? "sighting" : "sightings"} to review, oldest first.`}{" "}
        <span className="review__note">New ones appear here by themselves.</span>
      </p>
      {queue.isError ? (
        <p className="banner banner--info" role="status">
          The queue could not be refreshed: {describeRefusal(queue.error)} It is tried again every few seconds.
        </p>
      ) : null}
      {!canDecide ? (
        <p className="banner banner--info">Your role can look at the queue; deciding needs the HR or administrator role.</p>
      ) : null}

      {item === undefined ? (
        <p className="review__empty" data-testid="review-empty">
          No uncertain match is waiting. Sightings between the review and the automatic threshold come here to be decided.
        </p>
      ) : (
        <div className={canDecide ? "review__layout" : "review__layout review__layout--alone"}>
          <article
            ref={itemRef}
            className="review__item"
            tabIndex={-1}
            aria-labelledby="review-item-title"
            aria-describedby="review-keys-summary"
            data-testid="review-item"
            data-item-id={item.id}
            data-person-id={item.person_id}
            data-reason={item.reason}
          >
            <header className="review__item-header">
              <h2 id="review-item-title" className="review__title">
                Is this {name}?
              </h2>
              <p className="review__position">
                {position.index + 1} of {left.toLocaleString()} · <span className="badge badge--reason">{reasonTitle(item.reason)}</span>
              </p>
            </header>
            <p id="review-keys-summary" className="visually-hidden">
              {canDecide
                ? "Keys: a approve, r reject, s assign to another person, n not a person, j next, k previous."
                : "Keys: j next, k previous."}
            </p>
            <ItemEvidence item={item} />
          </article>

          {canDecide ? (
            <aside className="review__side" aria-label="Decision">
              <section className="decide" aria-labelledby="decide-heading" data-testid="review-decide">
                <h2 id="decide-heading" className="review__side-heading">
                  Decide
                </h2>
                {mode === "direction" ? (
                  <div className="decide__direction" role="group" aria-labelledby="direction-question" data-testid="review-direction">
                    <p id="direction-question">Was {name} arriving or leaving?</p>
                    <div className="decide__buttons">
                      <button
                        ref={checkInRef}
                        type="button"
                        className="button button--primary"
                        aria-keyshortcuts="i"
                        onClick={() => run({ type: "approve", direction: "check_in" })}
                      >
                        Check-in <kbd aria-hidden="true">i</kbd>
                      </button>
                      <button type="button" className="button button--primary" aria-keyshortcuts="o" onClick={() => run({ type: "approve", direction: "check_out" })}>
                        Check-out <kbd aria-hidden="true">o</kbd>
                      </button>
                      <button type="button" className="button button--quiet" aria-keyshortcuts="Escape" onClick={() => setMode("browse")}>
                        Cancel <kbd aria-hidden="true">Esc</kbd>
                      </button>
                    </div>
                  </div>
                ) : null}
                <div className="decide__buttons">
                  <button
                    type="button"
                    className="button button--primary"
                    aria-keyshortcuts={SHORTCUTS.approve}
                    onClick={() => run(item.reason === "ambiguous_time" ? { type: "ask_direction" } : { type: "approve" })}
                  >
                    Approve<span className="visually-hidden">: it is {name}</span> <kbd aria-hidden="true">a</kbd>
                  </button>
                  <button type="button" className="button" aria-keyshortcuts={SHORTCUTS.reject} onClick={() => run({ type: "reject" })}>
                    Reject<span className="visually-hidden">: it is not {name}</span> <kbd aria-hidden="true">r</kbd>
                  </button>
                  <button type="button" className="button" aria-keyshortcuts={SHORTCUTS.notAFace} onClick={() => run({ type: "not_a_face" })}>
                    Not a person / bad capture <kbd aria-hidden="true">n</kbd>
                  </button>
                </div>
                <PersonSearch
                  id="review-assign"
                  label="Assign to another person"
                  hint="Type a name, email or id number; Enter assigns the sighting to the first match (↓ and ↑ choose another)."
                  keyShortcut={SHORTCUTS.assign}
                  excludeId={item.person_id}
                  inputRef={searchRef}
                  onPick={(person) => {
                    decideItem({ kind: "assign", personId: person.id, personName: fullName(person) });
                    focusItem();
                  }}
                  onLeave={focusItem}
                />
                {runnerUp !== undefined && runnerUp.name !== null && runnerUp.name !== undefined ? (
                  <button
                    type="button"
                    className="button button--quiet decide__runner-up"
                    onClick={() => decideItem({ kind: "assign", personId: runnerUp.person_id, personName: runnerUp.name ?? "" })}
                  >
                    It is {runnerUp.name} (the runner-up)
                  </button>
                ) : null}
                <div
                  onKeyDown={(e) => {
                    // Escape leaves the field, so the keys work again.
                    if (e.key === "Escape") {
                      e.preventDefault();
                      focusItem();
                    }
                  }}
                >
                  <TextField
                    id="review-reason"
                    label="Reason (optional)"
                    hint="Kept with the decision in the audit log."
                    value={reason}
                    onChange={setReason}
                    maxLength={REASON_MAX}
                  />
                </div>
              </section>
              <Outcomes outcomes={outcomes} onShow={(id) => setCursor((c) => select(items, c, id))} />
            </aside>
          ) : null}
        </div>
      )}

      {position.visible.length > 0 ? (
        <section className="review__strip-section" aria-labelledby="review-strip-heading">
          <h2 id="review-strip-heading" className="review__side-heading">
            Queue
          </h2>
          <ol className="review__strip" data-testid="review-strip">
            {position.visible.map((queued, index) => (
              <li key={queued.id}>
                <button
                  type="button"
                  className="review__strip-item"
                  aria-current={queued.id === item?.id ? "true" : undefined}
                  onClick={() => setCursor((c) => select(items, c, queued.id))}
                >
                  <CropThumbnail item={queued} />
                  <span className="review__strip-text">
                    <span className="review__strip-name">
                      <span className="visually-hidden">{index + 1}: </span>
                      {personLabel(queued.person_name)}
                    </span>
                    <span className="review__strip-meta">
                      {formatTime(queued.at)} · {formatConfidence(queued.confidence)}
                    </span>
                  </span>
                </button>
              </li>
            ))}
          </ol>
          {left > position.visible.length ? (
            <p className="review__note">{(left - position.visible.length).toLocaleString()} more after these: they come as these are decided.</p>
          ) : null}
        </section>
      ) : outcomes.length > 0 && item === undefined ? (
        <Outcomes outcomes={outcomes} onShow={(id) => setCursor((c) => select(items, c, id))} />
      ) : null}

      <KeyboardHelp canDecide={canDecide} />
    </div>
  );
}

function Outcomes({ outcomes, onShow }: { outcomes: Outcome[]; onShow: (itemId: string) => void }) {
  return (
    <section className="outcomes" aria-labelledby="outcomes-heading">
      <h2 id="outcomes-heading" className="review__side-heading">
        Decided just now
      </h2>
      {outcomes.length === 0 ? <p className="review__note">Nothing yet.</p> : null}
      <ul className="outcomes__list" aria-live="polite" data-testid="review-outcomes">
        {outcomes.map((outcome) => (
          <li key={outcome.key} className={`outcome outcome--${outcome.state}`} data-state={outcome.state}>
            <span role={outcome.state === "refused" ? "alert" : undefined}>{outcome.text}</span>
            {outcome.state === "refused" ? (
              <button type="button" className="button button--quiet" onClick={() => onShow(outcome.itemId)}>
                Show it
              </button>
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}
