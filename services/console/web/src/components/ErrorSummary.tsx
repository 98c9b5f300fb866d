import { useEffect, useRef } from "react";

interface Props {
  title?: string;
  /** Messages about the whole form. */
  messages: string[];
  /** Fields that have reasons beside them: linked, so a keyboard user can go to each. */
  fields?: { id: string; label: string }[];
}

/** The list of what went wrong, announced and focused when it appears. */
export function ErrorSummary({ title = "The form was not saved", messages, fields = [] }: Props) {
  const ref = useRef<HTMLDivElement>(null);
  const shown = messages.length > 0 || fields.length > 0;
  const signature = messages.join("\n") + fields.map((f) => f.id).join(",");
  useEffect(() => {
    if (shown) ref.current?.focus();
  }, [shown, signature]);
  if (!shown) return null;
  return (
    <div ref={ref} className="error-summary" role="alert" tabIndex={-1} aria-labelledby="error-summary-title">
      <h2 id="error-summary-title">{title}</h2>
      <ul>
        {messages.map((m) => (
          <li key={m}>{m}</li>
        ))}
        {fields.map((f) => (
          <li key={f.id}>
            <a
              href={`#${f.id}`}
              onClick={(e) => {
                e.preventDefault();
                document.getElementById(f.id)?.focus();
              }}
            >
              {f.label}: see the reason beside the field
            </a>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** A failure that is not about a form: a load that did not work. */
export function ErrorMessage({ children, onRetry }: { children: React.ReactNode; onRetry?: () => void }) {
  return (
    <div className="error-message" role="alert">
      <p>{children}</p>
      {onRetry !== undefined ? (
        <button type="button" className="button" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}
