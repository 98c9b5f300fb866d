// The review page's keys, on the page itself (not behind a "?"), so they are learnt by seeing
// them; a viewer is shown only the keys that move.

import { SHORTCUTS } from "./keys";

const DECIDING: [string, string][] = [
  [SHORTCUTS.approve, "Approve: it is the candidate (for a direction unclear, then i check-in or o check-out)"],
  [SHORTCUTS.reject, "Reject: it is not the candidate"],
  [SHORTCUTS.assign, "Assign to another person: search, ↓ ↑ to choose, Enter assigns"],
  [SHORTCUTS.notAFace, "Not a person, or a capture too poor to judge"],
];

const MOVING: [string, string][] = [
  [SHORTCUTS.next, "Next item"],
  [SHORTCUTS.previous, "Previous item"],
];

export function KeyboardHelp({ canDecide }: { canDecide: boolean }) {
  const keys = canDecide ? [...DECIDING, ...MOVING, ["Esc", "Leave a field (the reason, the search) so the keys work again"] as [string, string]] : MOVING;
  return (
    <section className="keyboard-help" aria-labelledby="keyboard-help-heading" data-testid="review-keyboard-help">
      <h2 id="keyboard-help-heading" className="review__side-heading">
        Keyboard
      </h2>
      <dl className="keyboard-help__list">
        {keys.map(([key, what]) => (
          <div key={key} className="keyboard-help__row">
            <dt>
              <kbd>{key}</kbd>
            </dt>
            <dd>{what}</dd>
          </div>
        ))}
      </dl>
      <p className="review__note">The keys do nothing while you type in a field.</p>
    </section>
  );
}
