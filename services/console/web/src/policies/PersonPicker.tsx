// Choosing the person an exception (leave) is for: a search over the directory
// (person-api's search, as the People page's), each match a button; and a person's name
// where only their id is known.

import { useQuery } from "@tanstack/react-query";
import { useRef, useState } from "react";
import { Link } from "react-router";
import { ApiError, call, personApi } from "../api/client";
import { TextField } from "../components/Field";
import { describeRefusal } from "../lib/refusal";
import { fullName, personQuery } from "../people/api";

interface Props {
  /** The search input's id (or, once someone is chosen, the change button's): the summary links to it. */
  id: string;
  label: string;
  personId: string;
  onChange: (personId: string) => void;
  errors?: string[] | undefined;
  disabled?: boolean;
  required?: boolean;
}

const RESULTS = 10;

export function PersonPicker({ id, label, personId, onChange, errors, disabled, required }: Props) {
  const [text, setText] = useState("");
  const [q, setQ] = useState<string>();
  const searchRef = useRef<HTMLDivElement>(null);
  const results = useQuery({
    queryKey: ["persons", "pick", q] as const,
    enabled: q !== undefined,
    queryFn: async ({ signal }) =>
      (
        await call(
          personApi.GET("/api/v1/persons/search", {
            params: { query: { q: q ?? "", page: 1, page_size: RESULTS } },
            signal,
          }),
        )
      ),
  });
  const search = () => {
    const term = text.trim();
    if (term !== "") setQ(term);
  };
  const invalid = errors !== undefined && errors.length > 0;

  if (personId !== "") {
    return (
      <div className={invalid ? "picker field--invalid" : "picker"}>
        <p className="picker__label">
          {label}
          {required === true ? (
            <span className="field__required" aria-hidden="true">
              {" "}
              *
            </span>
          ) : null}
        </p>
        <p className="picker__chosen">
          <PersonName personId={personId} />
        </p>
        {disabled !== true ? (
          <button
            id={id}
            type="button"
            className="button"
            aria-describedby={invalid ? `${id}-error` : undefined}
            onClick={() => {
              onChange("");
              // The search appears in the button's place: the focus goes there.
              requestAnimationFrame(() => searchRef.current?.querySelector("input")?.focus());
            }}
          >
            Choose someone else
          </button>
        ) : null}
        {invalid ? (
          <ul id={`${id}-error`} className="field__errors">
            {errors.map((m) => (
              <li key={m}>{m}</li>
            ))}
          </ul>
        ) : null}
      </div>
    );
  }

  const found = results.data?.data ?? [];
  return (
    <div
      ref={searchRef}
      className="picker"
      onKeyDown={(event) => {
        // Enter in the search looks people up; it must not send the whole form.
        if (event.key === "Enter" && event.target instanceof HTMLInputElement && event.target.id === id) {
          event.preventDefault();
          search();
        }
      }}
    >
      <div className="picker__search">
        <TextField
          id={id}
          label={label}
          type="search"
          value={text}
          onChange={setText}
          maxLength={254}
          hint="Search the directory by name, email or ID number, then choose the person."
          errors={errors}
          required={required}
          disabled={disabled}
        />
        <button type="button" className="button" onClick={search} disabled={disabled === true || text.trim() === ""}>
          Search<span className="visually-hidden"> the directory</span>
        </button>
      </div>
      <div role="status" aria-live="polite" className="picker__results">
        {results.isFetching ? <p className="field__hint">Searching…</p> : null}
        {results.isError ? <p className="field__errors">The directory could not be searched: {describeRefusal(results.error)}</p> : null}
        {results.data !== undefined && !results.isFetching ? (
          found.length === 0 ? (
            <p className="field__hint">No one matches “{q}”.</p>
          ) : (
            <>
              <p className="field__hint">
                {results.data.meta.total > found.length
                  ? `The first ${found.length} of ${results.data.meta.total.toLocaleString()} matches; refine the search to see others.`
                  : `${found.length} ${found.length === 1 ? "match" : "matches"}.`}
              </p>
              <ul className="picker__list">
                {found.map((p) => (
                  <li key={p.id}>
                    <button type="button" className="button button--quiet picker__choice" onClick={() => onChange(p.id)}>
                      <span className="visually-hidden">Choose </span>
                      <span className="picker__name">{fullName(p)}</span>
                      <span className="picker__meta">
                        {p.email}
                        {p.department !== null && p.department !== undefined ? ` · ${p.department}` : ""}
                        {p.status !== "active" ? ` · ${p.status}` : ""}
                      </span>
                    </button>
                  </li>
                ))}
              </ul>
            </>
          )
        ) : null}
      </div>
    </div>
  );
}

/** A person's name, linked to their page; "deleted person" when the directory has them no more. */
export function PersonName({ personId, link = true }: { personId: string; link?: boolean }) {
  const person = useQuery({ ...personQuery(personId), staleTime: 60_000, retry: false });
  if (person.isPending) return <span className="muted">Loading…</span>;
  if (person.isError) {
    const gone = person.error instanceof ApiError && person.error.status === 404;
    return (
      <span>
        {gone ? "A deleted person" : "A person"} <code>{personId}</code>
        {gone ? null : <span className="visually-hidden"> ({describeRefusal(person.error)})</span>}
      </span>
    );
  }
  const name = fullName(person.data);
  return (
    <span>
      {link ? <Link to={`/people/${personId}`}>{name}</Link> : name}
      <span className="picker__meta"> {person.data.email}</span>
    </span>
  );
}

/** A person's name as text (for buttons' and messages' wording); their id until it is known. */
export function usePersonLabel(personId: string | null | undefined): string {
  const person = useQuery({ ...personQuery(personId ?? ""), enabled: personId !== null && personId !== undefined, staleTime: 60_000, retry: false });
  if (personId === null || personId === undefined) return "Everyone";
  if (person.data !== undefined) return fullName(person.data);
  if (person.isError && person.error instanceof ApiError && person.error.status === 404) return "A deleted person";
  return "The person";
}
