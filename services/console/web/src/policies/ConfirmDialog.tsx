// A yes/no question before a change that cannot be undone (deleting a shift, a rule, an
// exception): what it does, the refusal with its reason if the API says no, and the two buttons.

import type { ReactNode } from "react";
import { Dialog } from "../components/Dialog";
import { describeRefusal } from "../lib/refusal";

interface Props {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  pendingLabel: string;
  pending: boolean;
  error: unknown;
  /** What the refusal is about: "The shift was not deleted". */
  failure: string;
  onConfirm: () => void;
  onClose: () => void;
}

export function ConfirmDialog(props: Props) {
  const { open, title, children, confirmLabel, pendingLabel, pending, error, failure, onConfirm, onClose } = props;
  return (
    <Dialog open={open} title={title} onClose={onClose}>
      {children}
      {error !== null && error !== undefined ? (
        <p className="field__errors" role="alert">
          {failure}: {describeRefusal(error)}
        </p>
      ) : null}
      <div className="form__actions">
        <button type="button" className="button button--danger" onClick={onConfirm} disabled={pending}>
          {pending ? pendingLabel : confirmLabel}
        </button>
        <button type="button" className="button" onClick={onClose} autoFocus>
          Cancel
        </button>
      </div>
    </Dialog>
  );
}
