// What a one-click change did (a decision, a deletion, a rule made active), said in a banner
// that also takes the focus: the button that was pressed is often gone with its row, and the
// keyboard must not fall back to the top of the document.

import { useEffect, useRef } from "react";

export function Outcome({ message }: { message: string | undefined }) {
  const ref = useRef<HTMLParagraphElement>(null);
  useEffect(() => {
    if (message !== undefined) ref.current?.focus();
  }, [message]);
  return (
    <p ref={ref} tabIndex={-1} className={message !== undefined ? "banner banner--success outcome" : "visually-hidden"} role="status">
      {message ?? ""}
    </p>
  );
}
