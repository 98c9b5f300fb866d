// Choosing a person for a filter or a manual entry: a search over the directory (person-api's
// search route, by name, email or id number), the matches as buttons, the choice shown by name
// with a way to change it. Enter in the search box searches; it never submits the form around it.

import { useQuery } from "@tanstack/react-query";
import { useId, useState } from "react";
import { DEFAULT_PEOPLE_QUERY } from "../lib/pagination";
import { describeError } from "../lib/errors";
import { fullName, peopleQuery } from "../people/api";
import { PersonName } from "./PersonName";

interface Props {
  /** The id prefix of the picker's elements; the search box is `${id}-search`. */
  id: string;
  label: string;
  value: string | undefined;
  onChange: (personId: string | undefined) => void;
  errors?: string[] | undefined;
  hint?: string;
  /** What the button that clears the choice says (filters clear, forms change). */
  clearLabel?: string;
}

const MATCHES = 8;

export function PersonPicker({ id, label, value, onChange, errors, hint, clearLabel = "Change person" }: Props) {
  const [typed, setTyped] = useState("");
  const [searched, setSearched] = useState<string>();
  const resultsId = useId();
  const matches = useQuery({
    ...peopleQuery({ ...DEFAULT_PEOPLE_QUERY, q: searched ?? "", pageSize: 10 }),
    enabled: searched !== undefined,
  });
  const invalid = errors !== undefined && errors.length > 0;
  const search = () => {
    const q = typed.trim();
    setSearched(q === "" ? undefined : q);
  };
  const described = [hint !== undefined ? `${id}-hint` : null, invalid ? `${id}-error` : null].filter((x) => x !== null).join(" ") || undefined;

  return (
    <fieldset className={invalid ? "person-picker field--invalid" : "person-picker"} id={id} tabIndex={-1}>
      <legend>{label}</legend>
      {hint !== undefined ? (
        <p id={`${id}-hint`} className="field__hint">
          {hint}
        </p>
      ) : null}
      {value !== undefined ? (
        <p className="person-picker__chosen">
          <span data-testid={`${id}-chosen`}>
            <PersonName personId={value} link={false} />
          </span>
          <button
            type="button"
            className="button button--quiet"
            onClick={() => {
              onChange(undefined);
              setSearched(undefined);
            }}
          >
            {clearLabel}
          </button>
        </p>
      ) : (
        <>
          <div className="person-picker__search">
            <div className="field">
              <label htmlFor={`${id}-search`}>Find by name, email or id number</label>
              <input
                id={`${id}-search`}
                type="search"
                value={typed}
                maxLength={254}
                onChange={(e) => setTyped(e.target.value)}
                onKeyDown={(e) => {
                  if (e.key === "Enter") {
                    e.preventDefault();
                    search();
                  }
                }}
                aria-invalid={invalid}
                aria-describedby={described}
              />
            </div>
            <button type="button" className="button" onClick={search}>
              Find{" "}<span className="visually-hidden">a person</span>
            </button>
          </div>
          {searched !== undefined ? (
            <div id={resultsId} className="person-picker__results" aria-live="polite">
              {matches.isPending ? (
                <p className="muted">Searching…</p>
              ) : matches.isError ? (
                <p className="field__errors">The directory could not be searched: {describeError(matches.error)}</p>
              ) : matches.data.persons.length === 0 ? (
                <p className="muted">No one matches “{searched}”.</p>
              ) : (
                <>
                  <p className="visually-hidden">
                    {matches.data.meta.total > MATCHES
                      ? `${matches.data.meta.total} match; the first ${MATCHES} are shown. Type more to narrow.`
                      : `${matches.data.persons.length} ${matches.data.persons.length === 1 ? "match" : "matches"}.`}
                  </p>
                  <ul>
                    {matches.data.persons.slice(0, MATCHES).map((p) => (
                      <li key={p.id}>
                        <button
                          type="button"
                          className="button person-picker__match"
                          onClick={() => {
                            onChange(p.id);
                            setTyped("");
                            setSearched(undefined);
                          }}
                        >
                          <span className="visually-hidden">Choose</span>{" "}
                          {fullName(p)}{" "}
                          <span className="person-picker__meta">
                            {p.email}
                            {p.department !== null && p.department !== undefined ? ` · ${p.department}` : ""}
                          </span>
                        </button>
                      </li>
                    ))}
                  </ul>
                  {matches.data.meta.total > MATCHES ? (
                    <p className="muted">
                      {matches.data.meta.total.toLocaleString()} match: type more to narrow.
                    </p>
                  ) : null}
                </>
              )}
            </div>
          ) : null}
        </>
      )}
      {invalid ? (
        <ul id={`${id}-error`} className="field__errors">
          {errors.map((message) => (
            <li key={message}>{message}</li>
          ))}
        </ul>
      ) : null}
    </fieldset>
  );
}
