// A search box over the person directory that picks a person with the keyboard alone: type,
// ↓/↑ to move through the matches, Enter picks (the first, when none was moved to; pressed
// before the matches for what was typed arrive, it waits for them). An ARIA combobox with a
// listbox of matches; Escape clears it and hands the keys back to the page.

import { useQuery } from "@tanstack/react-query";
import { useEffect, useId, useState, type Ref } from "react";
import { describeRefusal } from "../lib/refusal";
import { DEFAULT_PEOPLE_QUERY } from "../lib/pagination";
import { fullName, peopleQuery, type Person } from "../people/api";

interface Props {
  id: string;
  label: string;
  hint?: string;
  /** A person not to offer (the candidate, when assigning to someone else). */
  excludeId?: string | undefined;
  onPick: (person: Person) => void;
  /** Escape, or after a pick: where the focus goes next is the page's. */
  onLeave?: () => void;
  inputRef?: Ref<HTMLInputElement>;
  disabled?: boolean;
  /** Shortcut that focuses the box, announced with it. */
  keyShortcut?: string;
}

/** Matches shown at once: type more to narrow. */
const SHOWN = 8;
/** Typing pauses this long before the directory is asked. */
const DEBOUNCE_MS = 200;

export function PersonSearch({ id, label, hint, excludeId, onPick, onLeave, inputRef, disabled, keyShortcut }: Props) {
  const [typed, setTyped] = useState("");
  const [searched, setSearched] = useState("");
  const [active, setActive] = useState(-1);
  const [pickWhenReady, setPickWhenReady] = useState(false);
  const listId = useId();
  const text = typed.trim();

  useEffect(() => {
    if (text === searched) return undefined;
    const timer = setTimeout(() => setSearched(text), DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [text, searched]);

  const matches = useQuery({
    ...peopleQuery({ ...DEFAULT_PEOPLE_QUERY, q: searched, pageSize: 10 }),
    enabled: searched !== "",
  });
  const current = searched !== "" && searched === text && matches.data !== undefined && !matches.isPlaceholderData;
  const persons = (matches.data?.persons ?? []).filter((p) => p.id !== excludeId).slice(0, SHOWN);
  // The list is there only with matches in it (an empty listbox is no listbox).
  const listed = text !== "" && persons.length > 0;

  const reset = () => {
    setTyped("");
    setSearched("");
    setActive(-1);
    setPickWhenReady(false);
  };
  const pick = (person: Person) => {
    reset();
    onPick(person);
  };

  // Enter was pressed before the matches of what was typed had come: pick when they come.
  useEffect(() => {
    if (!pickWhenReady || !current || matches.isFetching) return;
    setPickWhenReady(false);
    const first = persons[0];
    if (first !== undefined) pick(first);
    // `persons` and `pick` are this render's: the effect runs when the answer lands, which
    // is when they change.
  }, [pickWhenReady, current, matches.isFetching]);

  const onKeyDown = (event: React.KeyboardEvent<HTMLInputElement>) => {
    switch (event.key) {
      case "ArrowDown":
        event.preventDefault();
        if (persons.length > 0) setActive((a) => Math.min(persons.length - 1, a + 1));
        break;
      case "ArrowUp":
        event.preventDefault();
        setActive((a) => Math.max(-1, a - 1));
        break;
      case "Enter": {
        event.preventDefault();
        if (text === "") return;
        const chosen = current ? persons[Math.max(0, active)] : undefined;
        if (chosen !== undefined) pick(chosen);
        else if (!current || matches.isFetching) {
          setSearched(text);
          setPickWhenReady(true);
        }
        break;
      }
      case "Escape":
        event.preventDefault();
        reset();
        onLeave?.();
        break;
    }
  };

  const activeId = active >= 0 && persons[active] !== undefined ? `${listId}-${persons[active].id}` : undefined;
  const enterPicks = persons[Math.max(0, active)];
  const status =
    text === ""
      ? ""
      : matches.isError
        ? `The directory could not be searched: ${describeRefusal(matches.error)}`
        : !current || matches.isFetching
          ? "Searching…"
          : enterPicks === undefined
            ? `No one matches “${text}”.`
            : `${persons.length} ${persons.length === 1 ? "match" : "matches"}: ↓ and ↑ to choose, Enter picks ${fullName(enterPicks)}.`;

  return (
    <div className="person-search field">
      <label htmlFor={id}>
        {label}
        {keyShortcut !== undefined ? (
          <>
            {" "}
            <kbd aria-hidden="true">{keyShortcut}</kbd>
          </>
        ) : null}
      </label>
      {hint !== undefined ? (
        <p id={`${id}-hint`} className="field__hint">
          {hint}
        </p>
      ) : null}
      <input
        ref={inputRef}
        id={id}
        type="search"
        role="combobox"
        autoComplete="off"
        maxLength={254}
        value={typed}
        disabled={disabled}
        onChange={(e) => {
          setTyped(e.target.value);
          setActive(-1);
        }}
        onKeyDown={onKeyDown}
        aria-autocomplete="list"
        aria-expanded={listed}
        aria-controls={listed ? listId : undefined}
        aria-activedescendant={activeId}
        aria-describedby={[hint !== undefined ? `${id}-hint` : null, `${id}-status`].filter((x) => x !== null).join(" ")}
        aria-keyshortcuts={keyShortcut}
      />
      <p id={`${id}-status`} className={status === "" ? "visually-hidden" : "person-search__status"} aria-live="polite">
        {status}
      </p>
      {listed ? (
        <ul id={listId} role="listbox" aria-label={`${label}: matches`} className="person-search__list">
          {persons.map((person, index) => (
            <li
              key={person.id}
              id={`${listId}-${person.id}`}
              role="option"
              aria-selected={index === active}
              className={index === active ? "person-search__option person-search__option--active" : "person-search__option"}
              // Keeps the focus in the box: a click picks without blurring it first.
              onMouseDown={(e) => e.preventDefault()}
              onClick={() => pick(person)}
            >
              <span className="person-search__name">{fullName(person)}</span>
              <span className="person-search__meta">
                {person.email}
                {person.department !== null && person.department !== undefined ? ` · ${person.department}` : ""}
              </span>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
