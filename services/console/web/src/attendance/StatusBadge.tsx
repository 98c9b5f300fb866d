// A day's status: its colour and its letter (colour is never the only cue), and its name.

import { statusLetter } from "./calendar";
import { statusLabel } from "./recordsQuery";

export function StatusBadge({ status }: { status: string }) {
  return (
    <span className={`day-status day-status--${status}`}>
      <span className="day-status__letter" aria-hidden="true">
        {statusLetter(status)}
      </span>
      {statusLabel(status)}
    </span>
  );
}
